//! Where a read continues: the typed form of a `next_token` (see `token` for its text form).
//!
//! A cursor is "the start key of a DynamoDB page + how many of its items were already returned", which
//! lets a response stop mid-page (6 MB cap, `limit`) and resume exactly there. Pages are reproducible
//! because the position also records the page size (DynamoDB `Limit`) the pages were read with.

use crate::wire::convert::Item;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cursor {
    /// ExclusiveStartKey of the page to read next; `None` = the segment's beginning.
    pub start_key: Option<Item>,
    /// Items of that page already returned.
    pub skip: usize,
}

/// Where each unfinished stream (segment) of a scan or query continues. Finished streams are absent.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamCursors {
    /// The DynamoDB `Limit` the pages were read with.
    pub page_limit: Option<i32>,
    /// (segment index, or 0 for a single stream; its cursor)
    pub cursors: Vec<(u32, Cursor)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// Scan and query.
    Streams(StreamCursors),
    /// batch_get: index of the next key to fetch.
    KeyOffset(usize),
}
