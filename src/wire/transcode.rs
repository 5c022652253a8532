//! A Scan or Query response body (DynamoDB JSON) → its items as plain JSON, in one pass.
//!
//! Why the SDK's item model is bypassed here: measured in release on a canned endpoint with a
//! 4,000-item page, the SDK path (parse into `HashMap<String, AttributeValue>` per item, then
//! `convert::item_to_raw`) cost ~10 µs of whole-process CPU per item, while a plain
//! `serde_json::from_slice::<IgnoredAny>` pass over the same bytes costs 0.42 µs. At 128 MB a
//! Lambda gets ~1/14 of a vCPU, so those microseconds are most of a scan's duration.
//!
//! Why this is a hand-written reader and not serde_json driven by visitors (the first version):
//! serde_json checks the UTF-8 of every string it hands out and reads the page through generic
//! visitor calls; that version cost 1.7 µs per item in process. Here the body's UTF-8 is checked
//! once up front, strings without escapes (nearly all) are copied as they are, and each item is
//! written into one buffer per page (`JsonItems`) with no allocation per item or attribute. What
//! is rare and intricate stays with serde_json: strings with escapes are unescaped and re-escaped
//! by it, and the body's other members (`Count`, `LastEvaluatedKey`, ...) are read as `RawValue`s.
//!
//! The output is exactly what `item_to_raw` writes for the item the SDK would have parsed: strings
//! and names as serde_json escapes them, numbers through the same `NumberJson` rule, binary decoded
//! with the SDK's own base64 decoder and re-encoded as standard base64. Attribute order follows the
//! wire (the SDK's `HashMap` order is arbitrary, so no caller can rely on it).
//!
//! The accepted input is the strict subset DynamoDB sends: every attribute value an object with one
//! known type member whose value is not null, a `B` without escapes, names and types of the body
//! and of attribute values without escapes. Anything else (a `null` member, `__type`, an unknown
//! type, two `Items`, invalid JSON) is refused, and the caller then lets the SDK parse the
//! untouched body, so such a body gets exactly the SDK's result or error. Attribute names repeated
//! within one map are not looked for: DynamoDB never sends them.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::wire::convert::{is_plain_json_number, NumberJson};
use crate::wire::json_items::JsonItems;

/// Deeper nesting is refused (DynamoDB allows 32 levels), so no body can exhaust the stack.
const MAX_DEPTH: usize = 64;

/// One transcoded page: its items as plain JSON, and the body without `Items` for the SDK to
/// deserialize the small fields (Count, ScannedCount, LastEvaluatedKey, ConsumedCapacity).
#[derive(Debug)]
pub struct Transcoded {
    pub items: JsonItems,
    pub rest: Vec<u8>,
}

/// Why a body was refused: the byte offset and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub at: usize,
    pub expected: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a strict DynamoDB page: expected {} at byte {}", self.expected, self.at)
    }
}

impl std::error::Error for Refused {}

/// Transcodes a Scan or Query response body; refused when the body is outside the strict subset
/// (see the module's header).
pub fn transcode_page(body: &[u8]) -> Result<Transcoded, Refused> {
    let text = std::str::from_utf8(body).map_err(|e| Refused { at: e.valid_up_to(), expected: "UTF-8 text" })?;
    let mut r = Reader { s: text, i: 0, refused: None };
    page(&mut r, body.len()).map_err(|Fail| r.refused.take().unwrap_or(Refused { at: r.i, expected: "a JSON page" }))
}

fn page(r: &mut Reader, capacity: usize) -> Result<Transcoded, Fail> {
    let mut items = None;
    let mut rest = Vec::with_capacity(256);
    rest.push(b'{');
    r.expect(b'{', "`{` opening the body")?;
    if !r.next_is(b'}') {
        loop {
            r.ws();
            let key = r.plain_string("a member name without escapes")?;
            r.expect(b':', "`:`")?;
            r.ws();
            if r.inner(key) == "Items" {
                if items.is_some() {
                    return Err(r.refuse_at(key.start, "one `Items`"));
                }
                let mut list = JsonItems::with_capacity(capacity);
                r.item_list(&mut list)?;
                items = Some(list);
            } else {
                let value = r.any_value()?;
                if rest.len() > 1 {
                    rest.push(b',');
                }
                rest.extend_from_slice(&r.s.as_bytes()[key.start..key.end]);
                rest.push(b':');
                rest.extend_from_slice(value.as_bytes());
            }
            if !r.next_is(b',') {
                r.expect(b'}', "`,` or `}`")?;
                break;
            }
        }
    }
    rest.push(b'}');
    r.ws();
    if r.i != r.s.len() {
        return Err(r.refuse("the end of the body"));
    }
    Ok(Transcoded { items: items.unwrap_or_default(), rest })
}

/// Bytes that end the plain run of a JSON string: the closing quote, a backslash, a control
/// character (which JSON forbids raw).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A string token: its span in the body, quotes included, and whether it has escapes.
#[derive(Clone, Copy)]
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

/// An attribute value's type.
#[derive(Clone, Copy)]
enum Tag {
    S,
    N,
    B,
    Bool,
    Null,
    Set(SetKind),
    M,
    L,
}

#[derive(Clone, Copy)]
enum SetKind {
    S,
    N,
    B,
}

/// A refusal on its way out; what and where are kept in the reader (so that every hot function
/// returns its result in registers).
struct Fail;

struct Reader<'a> {
    s: &'a str,
    i: usize,
    refused: Option<Refused>,
}

impl<'a> Reader<'a> {
    #[cold]
    fn refuse_at(&mut self, at: usize, expected: &'static str) -> Fail {
        self.refused = Some(Refused { at, expected });
        Fail
    }

    #[cold]
    fn refuse(&mut self, expected: &'static str) -> Fail {
        self.refuse_at(self.i, expected)
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn try_eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    /// `c` next, after whitespace if any (DynamoDB sends none: the first test nearly always decides).
    #[inline(always)]
    fn next_is(&mut self, c: u8) -> bool {
        self.try_eat(c) || {
            self.ws();
            self.try_eat(c)
        }
    }

    /// `c` next (after whitespace if any), or refused.
    #[inline(always)]
    fn expect(&mut self, c: u8, expected: &'static str) -> Result<(), Fail> {
        if self.next_is(c) {
            Ok(())
        } else {
            Err(self.refuse(expected))
        }
    }

    /// The string at the cursor. Escapes are only skipped here; serde_json checks them when the
    /// string is unescaped.
    #[inline(always)]
    fn string(&mut self) -> Result<Str, Fail> {
        if self.peek() != Some(b'"') {
            return Err(self.refuse("a string"));
        }
        let b = self.s.as_bytes();
        let start = self.i;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            while let Some(&c) = b.get(i) {
                if SPECIAL[usize::from(c)] {
                    break;
                }
                i += 1;
            }
            match b.get(i) {
                Some(b'"') => {
                    self.i = i + 1;
                    return Ok(Str { start, end: i + 1, escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(_) => return Err(self.refuse_at(i, "no raw control characters in a string")),
                None => return Err(self.refuse_at(i.min(b.len()), "the end of a string")),
            }
        }
    }

    /// A string that must have no escapes (names and types of the body and of attribute values).
    #[inline(always)]
    fn plain_string(&mut self, expected: &'static str) -> Result<Str, Fail> {
        let s = self.string()?;
        if s.escaped {
            return Err(self.refuse_at(s.start, expected));
        }
        Ok(s)
    }

    /// A string's text between its quotes, as written.
    #[inline(always)]
    fn inner(&self, s: Str) -> &'a str {
        &self.s[s.start + 1..s.end - 1]
    }

    /// A string's value: serde_json unescapes it (and refuses a bad escape or a lone surrogate).
    fn unescape(&mut self, s: Str) -> Result<String, Fail> {
        serde_json::from_str(&self.s[s.start..s.end]).map_err(|_| self.refuse_at(s.start, "valid escapes"))
    }

    /// A string written as serde_json writes it: as it is when it has no escapes (serde_json would
    /// escape nothing in it), else unescaped and escaped again by serde_json.
    #[inline(always)]
    fn put_string(&mut self, out: &mut String, s: Str) -> Result<(), Fail> {
        if !s.escaped {
            out.push_str(&self.s[s.start..s.end]);
            return Ok(());
        }
        let text = self.unescape(s)?;
        self.put_json(out, &text, s.start)
    }

    /// An `N`: plain numbers (no exponent; nearly all) as they are, the rest through `NumberJson`.
    fn put_number(&mut self, out: &mut String, s: Str) -> Result<(), Fail> {
        if !s.escaped && is_plain_json_number(self.inner(s)) {
            out.push_str(self.inner(s));
            return Ok(());
        }
        let text = if s.escaped { self.unescape(s)? } else { self.inner(s).to_owned() };
        self.put_json(out, &NumberJson(&text), s.start)
    }

    /// A `B`: decoded as the SDK decodes it, written as standard base64.
    fn put_binary(&mut self, out: &mut String, s: Str) -> Result<(), Fail> {
        if s.escaped {
            return Err(self.refuse_at(s.start, "binary without escapes"));
        }
        let bytes =
            aws_smithy_types::base64::decode(self.inner(s)).map_err(|_| self.refuse_at(s.start, "base64 binary"))?;
        out.push('"');
        STANDARD.encode_string(bytes, out);
        out.push('"');
        Ok(())
    }

    /// `value` as serde_json writes it (the rare paths: escaped strings, numbers with exponents).
    fn put_json<T: serde::Serialize + ?Sized>(&mut self, out: &mut String, value: &T, at: usize) -> Result<(), Fail> {
        let Ok(text) = serde_json::to_string(value) else {
            return Err(self.refuse_at(at, "a value serde_json writes"));
        };
        out.push_str(&text);
        Ok(())
    }

    fn boolean(&mut self) -> Result<bool, Fail> {
        let rest = &self.s.as_bytes()[self.i..];
        let value = if rest.starts_with(b"true") {
            true
        } else if rest.starts_with(b"false") {
            false
        } else {
            return Err(self.refuse("true or false"));
        };
        self.i += if value { 4 } else { 5 };
        Ok(value)
    }

    /// Any JSON value (a member of the body other than `Items`), checked by serde_json.
    fn any_value(&mut self) -> Result<&'a str, Fail> {
        let mut de = serde_json::Deserializer::from_str(&self.s[self.i..]);
        let Ok(raw) = <&RawValue>::deserialize(&mut de) else { return Err(self.refuse("a JSON value")) };
        self.i = raw.get().as_ptr() as usize - self.s.as_ptr() as usize + raw.get().len();
        Ok(raw.get())
    }

    /// `Items`: each item written into `items` as a plain object (`items` separates them).
    fn item_list(&mut self, items: &mut JsonItems) -> Result<(), Fail> {
        self.expect(b'[', "the array of items")?;
        if self.next_is(b']') {
            return Ok(());
        }
        loop {
            self.ws();
            self.map(items.begin_item(), 1)?;
            items.end_item();
            if !self.next_is(b',') {
                return self.expect(b']', "`,` or `]`");
            }
        }
    }

    /// An array or object at the cursor, written to `out` in the same brackets: `each` reads and
    /// writes one element (or member) at a time, and the commas between them are written here.
    #[inline(always)]
    fn delimited(
        &mut self,
        out: &mut String,
        (open, close, expected, between): (u8, u8, &'static str, &'static str),
        mut each: impl FnMut(&mut Self, &mut String) -> Result<(), Fail>,
    ) -> Result<(), Fail> {
        self.expect(open, expected)?;
        out.push(char::from(open));
        if !self.next_is(close) {
            loop {
                self.ws();
                each(self, out)?;
                if !self.next_is(b',') {
                    self.expect(close, between)?;
                    break;
                }
                out.push(',');
            }
        }
        out.push(char::from(close));
        Ok(())
    }

    /// An item or an `M`: names → attribute values, written as a plain object.
    fn map(&mut self, out: &mut String, depth: usize) -> Result<(), Fail> {
        if depth > MAX_DEPTH {
            return Err(self.refuse("at most 64 levels of nesting"));
        }
        self.delimited(out, (b'{', b'}', "an object of attribute values", "`,` or `}`"), |r, out| {
            let name = r.string()?;
            r.put_string(out, name)?;
            out.push(':');
            r.expect(b':', "`:`")?;
            r.ws();
            r.attribute(out, depth)
        })
    }

    /// An `L`: attribute values, written as a JSON array.
    fn list(&mut self, out: &mut String, depth: usize) -> Result<(), Fail> {
        if depth > MAX_DEPTH {
            return Err(self.refuse("at most 64 levels of nesting"));
        }
        self.delimited(out, (b'[', b']', "an array of attribute values", "`,` or `]`"), |r, out| {
            r.attribute(out, depth)
        })
    }

    /// An `SS`, `NS` or `BS`: an array of strings, written as strings, numbers or base64.
    fn set(&mut self, out: &mut String, kind: SetKind) -> Result<(), Fail> {
        self.delimited(out, (b'[', b']', "an array of strings", "`,` or `]`"), |r, out| {
            let s = r.string()?;
            match kind {
                SetKind::S => r.put_string(out, s),
                SetKind::N => r.put_number(out, s),
                SetKind::B => r.put_binary(out, s),
            }
        })
    }

    /// One attribute value, `{"TYPE": value}`, written as its plain JSON.
    #[inline(always)]
    fn attribute(&mut self, out: &mut String, depth: usize) -> Result<(), Fail> {
        // DynamoDB writes `{"S":"..."}` and `{"N":"..."}` without whitespace: those two, the most
        // frequent values, take a short path; anything else the general one.
        if let Some([b'{', b'"', tag @ (b'S' | b'N'), b'"', b':', b'"']) = self.s.as_bytes().get(self.i..self.i + 6) {
            let tag = *tag;
            self.i += 5;
            let s = self.string()?;
            if tag == b'S' {
                self.put_string(out, s)?;
            } else {
                self.put_number(out, s)?;
            }
            return self.expect(b'}', "`}` closing an attribute value of one member");
        }
        self.expect(b'{', "an attribute value object")?;
        self.ws();
        // The type name, matched as bytes (with its quotes) rather than read as a string first: it
        // is the most frequent token of a page.
        let (tag, len) = match self.s.as_bytes().get(self.i..).unwrap_or_default() {
            [b'"', b'S', b'"', ..] => (Tag::S, 3),
            [b'"', b'N', b'"', ..] => (Tag::N, 3),
            [b'"', b'M', b'"', ..] => (Tag::M, 3),
            [b'"', b'L', b'"', ..] => (Tag::L, 3),
            [b'"', b'B', b'"', ..] => (Tag::B, 3),
            [b'"', b'S', b'S', b'"', ..] => (Tag::Set(SetKind::S), 4),
            [b'"', b'N', b'S', b'"', ..] => (Tag::Set(SetKind::N), 4),
            [b'"', b'B', b'S', b'"', ..] => (Tag::Set(SetKind::B), 4),
            [b'"', b'B', b'O', b'O', b'L', b'"', ..] => (Tag::Bool, 6),
            [b'"', b'N', b'U', b'L', b'L', b'"', ..] => (Tag::Null, 6),
            _ => return Err(self.refuse("an attribute type: S, N, B, BOOL, NULL, SS, NS, BS, M or L")),
        };
        self.i += len;
        self.expect(b':', "`:`")?;
        self.ws();
        match tag {
            Tag::S => {
                let s = self.string()?;
                self.put_string(out, s)?;
            }
            Tag::N => {
                let s = self.string()?;
                self.put_number(out, s)?;
            }
            Tag::B => {
                let s = self.string()?;
                self.put_binary(out, s)?;
            }
            Tag::Bool => out.push_str(if self.boolean()? { "true" } else { "false" }),
            // `{"NULL": false}` is a null too, as the SDK reads it.
            Tag::Null => {
                self.boolean()?;
                out.push_str("null");
            }
            Tag::Set(kind) => self.set(out, kind)?,
            Tag::M => self.map(out, depth + 1)?,
            Tag::L => self.list(out, depth + 1)?,
        }
        self.expect(b'}', "`}` closing an attribute value of one member")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> Vec<String> {
        transcode_page(body.as_bytes()).unwrap().items.iter().map(str::to_string).collect()
    }

    #[test]
    fn every_type_and_the_rest_of_the_body() {
        let body = r#"{"Count":2,"Items":[{"s":{"S":"a\"\u00e9\ud83d\ude00\/"},"n":{"N":"-1.50E+3"},"b":{"B":"AP8Q"},
            "t":{"BOOL":true},"z":{"NULL":true},"ss":{"SS":["x",""]},"ns":{"NS":["1","12345678901234567890123456789012345678"]},
            "bs":{"BS":["aGk="]},"l":{"L":[{"N":"0"},{"M":{}}]},"m":{"M":{"k":{"L":[]}}}},{}],
            "ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"x"}}}"#;
        let t = transcode_page(body.as_bytes()).unwrap();
        assert_eq!(
            t.items.get(0).unwrap(),
            r#"{"s":"a\"é😀/","n":-1.50e+3,"b":"AP8Q","t":true,"z":null,"ss":["x",""],"ns":[1,12345678901234567890123456789012345678],"bs":["aGk="],"l":[0,{}],"m":{"k":[]}}"#
        );
        assert_eq!(t.items.get(1).unwrap(), "{}");
        assert_eq!(
            std::str::from_utf8(&t.rest).unwrap(),
            r#"{"Count":2,"ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"x"}}}"#
        );
    }

    #[test]
    fn whitespace_anywhere_between_tokens_is_read() {
        let body = " {\n \"Items\" : [ { \"a\" : { \"L\" : [ { \"N\" : \"1\" } , { \"SS\" : [ \"x\" , \"y\" ] } ] } , \"b\":{\"BOOL\" : false} } ] ,\t\"Count\" : 1 } \r\n";
        let t = transcode_page(body.as_bytes()).unwrap();
        assert_eq!(t.items.iter().collect::<Vec<_>>(), [r#"{"a":[1,["x","y"]],"b":false}"#]);
        assert_eq!(t.rest, br#"{"Count":1}"#);
        // the short path of `{"S":"…"}` / `{"N":"…"}` with whitespace after the value
        let t = transcode_page(b"{\"Items\":[{\"a\":{\"S\":\"x\" },\"b\":{\"N\":\"2\"\n}}]}").unwrap();
        assert_eq!(t.items.iter().collect::<Vec<_>>(), [r#"{"a":"x","b":2}"#]);
    }

    #[test]
    fn a_body_without_items_keeps_its_members() {
        let t = transcode_page(br#"{"Count":5,"ScannedCount":9}"#).unwrap();
        assert!(t.items.is_empty());
        assert_eq!(t.rest, br#"{"Count":5,"ScannedCount":9}"#);
        assert_eq!(items(r#"{"Items":[]}"#), Vec::<String>::new());
        assert_eq!(transcode_page(b"{}").unwrap().rest, b"{}");
    }

    #[test]
    fn anything_outside_the_strict_subset_is_refused() {
        let deep = format!(r#"{{"Items":[{{"a":{}{{"N":"1"}}{}}}]}}"#, r#"{"L":["#.repeat(70), "]}".repeat(70));
        for body in [
            r#"{"Items":[{"a":{"S":null}}]}"#,
            r#"{"Items":[{"a":{"S":"x","N":"1"}}]}"#,
            r#"{"Items":[{"a":{"__type":"x","S":"x"}}]}"#,
            r#"{"Items":[{"a":{"Q":"x"}}]}"#,
            r#"{"Items":[{"a":{}}]}"#,
            r#"{"Items":[{"a":{"B":"AP\/Q"}}]}"#,
            r#"{"Items":[{"a":{"B":"not base64!"}}]}"#,
            r#"{"Items":[{"a":{"N":5}}]}"#,
            r#"{"Items":[{"a":{"SS":["x",null]}}]}"#,
            r#"{"Items":[{"a":{"\u0053":"x"}}]}"#,
            r#"{"\u0049tems":[]}"#,
            r#"{"Items":[null]}"#,
            r#"{"Items":null}"#,
            r#"{"Items":[],"Items":[]}"#,
            r#"{"Items":[{"a":{"S":"\ud800"}}]}"#,
            r#"{"Items":[{"a":{"S":"\x"}}]}"#,
            r#"{"Items":[{"a":{"BOOL":tru}}]}"#,
            r#"{"Items":[{"a":{"S":"x"}},]}"#,
            r#"{"Items":[{"a":{"S":"x"},}]}"#,
            r#"{"Items":[]} x"#,
            r#"{"Items":[],"Count":01}"#,
            r#"{"Items":[{"a":{"S":"x"}}]"#,
            r#"{"Items":[{"a":{"S":"x\"#,
            "{\"Items\":[{\"a\":{\"S\":\"tab\there\"}}]}",
            r#"["Items"]"#,
            "",
            &deep,
        ] {
            assert!(transcode_page(body.as_bytes()).is_err(), "{body}");
        }
        assert!(transcode_page(b"{\"Items\":[{\"a\":{\"S\":\"\xff\"}}]}").is_err(), "not UTF-8");
    }

    #[test]
    fn a_refusal_says_where_and_what() {
        let e = transcode_page(br#"{"Items":[{"a":{"Q":"x"}}]}"#).unwrap_err();
        assert_eq!(e.at, 16);
        assert_eq!(e.to_string(), "not a strict DynamoDB page: expected an attribute type: S, N, B, BOOL, NULL, SS, NS, BS, M or L at byte 16");
    }
}
