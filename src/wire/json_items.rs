//! Items as plain JSON text, many in one buffer: what a Scan or Query page transcodes to and what a
//! response carries. One `String` per page or response instead of one allocation per item: the
//! items of a page move into the response as one copy of a contiguous range, and the response is
//! written around that text without serializing each item again.

use std::ops::Range;

use serde_json::value::RawValue;

use crate::wire::buffers;

/// A list of items, each a JSON value (an object, for items), in one buffer.
///
/// The text holds the items separated by commas, so `[` + [`JsonItems::joined`] + `]` is the
/// list as a JSON array, and any run of consecutive items is one slice of it.
///
/// ```
/// use ddb_cross_account_reader::internals::wire::json_items::JsonItems;
/// use serde_json::value::RawValue;
///
/// let mut items = JsonItems::default();
/// items.push(&RawValue::from_string(r#"{"pk":"a"}"#.into()).unwrap());
/// items.push(&RawValue::from_string(r#"{"pk":"b"}"#.into()).unwrap());
/// assert_eq!(items.len(), 2);
/// assert_eq!(items.get(1), Some(r#"{"pk":"b"}"#));
/// assert_eq!(items.joined(), r#"{"pk":"a"},{"pk":"b"}"#);
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JsonItems {
    text: String,
    /// Where each item's text ends in `text`; item `i` starts one past `ends[i - 1]` (the comma).
    ends: Vec<usize>,
}

impl JsonItems {
    /// An empty list for about `bytes` of text, in a reused buffer when one is kept (`buffers`).
    pub fn with_capacity(bytes: usize) -> JsonItems {
        JsonItems { text: buffers::take_string(bytes), ends: Vec::new() }
    }

    /// Gives the list's buffer back for reuse (`buffers`).
    pub fn recycle(self) {
        buffers::give(self.text.into_bytes());
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Item `i`'s JSON text.
    pub fn get(&self, i: usize) -> Option<&str> {
        (i < self.len()).then(|| &self.text[self.span(i..i + 1)])
    }

    /// Each item's JSON text, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self.text[self.span(i..i + 1)])
    }

    /// The items' text joined by commas (without the array's brackets).
    pub fn joined(&self) -> &str {
        &self.text
    }

    /// What item `i` adds to a response: its text and a comma.
    pub fn size_of(&self, i: usize) -> usize {
        self.span(i..i + 1).len() + 1
    }

    /// What all the items add to a response: the sum of `size_of` over them.
    pub fn size(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            self.text.len() + 1
        }
    }

    /// The items' text joined by commas, as an owned buffer.
    pub fn into_text(self) -> String {
        self.text
    }

    /// Appends one item.
    pub fn push(&mut self, item: &RawValue) {
        self.begin_item();
        self.text.push_str(item.get());
        self.end_item();
    }

    /// Appends items `range` of `other` (one copy of their text).
    pub fn extend_from(&mut self, other: &JsonItems, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let span = other.span(range.clone());
        self.begin_item();
        let shift = self.text.len() as isize - span.start as isize;
        self.text.push_str(&other.text[span]);
        self.ends.extend(other.ends[range].iter().map(|&e| (e as isize + shift) as usize));
    }

    /// The buffer the next item's text is written to (after the separating comma); the writer then
    /// calls `end_item`. Only for writers whose output is one valid JSON value.
    pub(crate) fn begin_item(&mut self) -> &mut String {
        if !self.ends.is_empty() {
            self.text.push(',');
        }
        &mut self.text
    }

    /// Marks the end of the item written since `begin_item`.
    pub(crate) fn end_item(&mut self) {
        self.ends.push(self.text.len());
    }

    /// The text of items `r` (non-empty, in bounds).
    fn span(&self, r: Range<usize>) -> Range<usize> {
        let start = if r.start == 0 { 0 } else { self.ends[r.start - 1] + 1 };
        start..self.ends[r.end - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> JsonItems {
        let mut l = JsonItems::default();
        for i in items {
            l.push(&RawValue::from_string((*i).to_string()).unwrap());
        }
        l
    }

    #[test]
    fn items_are_found_again_by_index_and_in_order() {
        let l = list(&["{}", r#"{"a":[1,2]}"#, r#""x,y""#]);
        assert_eq!(l.iter().collect::<Vec<_>>(), ["{}", r#"{"a":[1,2]}"#, r#""x,y""#]);
        assert_eq!(l.get(2), Some(r#""x,y""#));
        assert_eq!(l.get(3), None);
        assert_eq!(l.size_of(1), 12);
        assert_eq!(l.size(), (0..3).map(|i| l.size_of(i)).sum::<usize>());
        assert_eq!(JsonItems::default().size(), 0);
        assert_eq!(format!("[{}]", l.joined()), r#"[{},{"a":[1,2]},"x,y"]"#);
    }

    #[test]
    fn a_range_moves_as_one_piece_and_keeps_its_boundaries() {
        let page = list(&["1", "22", "333", "4444"]);
        let mut out = list(&["0"]);
        out.extend_from(&page, 1..3);
        out.extend_from(&page, 0..0);
        out.extend_from(&page, 3..4);
        assert_eq!(out.iter().collect::<Vec<_>>(), ["0", "22", "333", "4444"]);
        assert_eq!(out.joined(), "0,22,333,4444");
        let mut empty = JsonItems::default();
        empty.extend_from(&page, 0..2);
        assert_eq!(empty.iter().collect::<Vec<_>>(), ["1", "22"]);
    }
}
