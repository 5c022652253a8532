//! The Scan/Query page transcoder. Input byte 0 picks the mode:
//! even: the rest is a response body as it might arrive (any bytes);
//! odd: generated items (every attribute type, any string and number text) written as DynamoDB
//! JSON, with escapes chosen from the input, in a page with the small fields.
//!
//! Oracles: whatever the body, the transcoder returns or refuses without panicking, and what it
//! returns is valid JSON: objects for the items, and an object without `Items` for the rest. A
//! generated page is always accepted, and each item comes out as `item_to_raw` writes it, byte for
//! byte up to the order of object members (the SDK's item is a `HashMap`).

use crate::generate::attribute;
use arbitrary::Unstructured;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ddb_cross_account_reader::internals::wire::transcode::transcode_page;
use ddb_cross_account_reader::json::{item_to_raw, Item};
use serde::de::IgnoredAny;
use std::collections::HashMap;

pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => generated(rest),
        Some((_, body)) => any_body(body),
        None => {}
    }
}

fn any_body(body: &[u8]) {
    let Ok(page) = transcode_page(body) else { return };
    for item in page.items.iter() {
        assert!(item.starts_with('{'), "an item that is not an object: {item}");
        serde_json::from_str::<IgnoredAny>(item).expect("an item is valid JSON");
    }
    // The response is written around the joined text without checking it again: it must be one
    // JSON array of exactly these items.
    let all: Vec<IgnoredAny> =
        serde_json::from_str(&format!("[{}]", page.items.joined())).expect("the joined items are a JSON array");
    assert_eq!(all.len(), page.items.len());
    let rest: HashMap<String, IgnoredAny> = serde_json::from_slice(&page.rest).expect("the rest is a JSON object");
    assert!(!rest.contains_key("Items"), "`Items` left in the rest");
}

fn generated(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut items: Vec<Item> = Vec::new();
    for _ in 0..u.int_in_range(0..=4usize).unwrap_or(0) {
        let mut item = Item::new();
        for _ in 0..u.int_in_range(0..=4usize).unwrap_or(0) {
            let (Ok(name), Ok(value)) = (crate::generate::string(&mut u), attribute(&mut u, 3)) else { break };
            item.insert(name, value);
        }
        items.push(item);
    }
    let mut body = String::from("{\"Count\":");
    body.push_str(&items.len().to_string());
    body.push_str(",\"Items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        write_map(&mut u, item, &mut body);
    }
    body.push_str("],\"ScannedCount\":7}");
    let page = transcode_page(body.as_bytes()).unwrap_or_else(|e| panic!("a DynamoDB page was refused: {e}\n{body}"));
    assert_eq!(
        page.rest,
        b"{\"Count\":"
            .iter()
            .chain(items.len().to_string().as_bytes())
            .chain(b",\"ScannedCount\":7}")
            .copied()
            .collect::<Vec<u8>>()
    );
    assert_eq!(page.items.len(), items.len());
    for (got, item) in page.items.iter().zip(&items) {
        let want = item_to_raw(item).expect("every generated value converts");
        assert_eq!(canonical(got), canonical(want.get()), "{body}");
    }
}

/// A string as DynamoDB JSON: each character raw where JSON allows it, or (as the input picks)
/// escaped as `\uXXXX` (a surrogate pair beyond the BMP) or its short escape.
fn write_string(u: &mut Unstructured, s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let escape = u.ratio(1, 4).unwrap_or(false);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if !escape => out.push_str("\\n"),
            '/' if escape => out.push_str("\\/"),
            c if (c as u32) < 0x20 || escape => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_map(u: &mut Unstructured, map: &HashMap<String, AttributeValue>, out: &mut String) {
    out.push('{');
    for (i, (name, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(u, name, out);
        out.push(':');
        write_value(u, value, out);
    }
    out.push('}');
}

fn write_list<T>(
    u: &mut Unstructured,
    list: &[T],
    out: &mut String,
    mut each: impl FnMut(&mut Unstructured, &T, &mut String),
) {
    out.push('[');
    for (i, v) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(u, v, out);
    }
    out.push(']');
}

fn write_value(u: &mut Unstructured, value: &AttributeValue, out: &mut String) {
    let b64 = |b: &[u8]| format!("\"{}\"", STANDARD.encode(b));
    match value {
        AttributeValue::S(s) => {
            out.push_str("{\"S\":");
            write_string(u, s, out);
        }
        AttributeValue::N(n) => {
            out.push_str("{\"N\":");
            write_string(u, n, out);
        }
        AttributeValue::Bool(b) => out.push_str(&format!("{{\"BOOL\":{b}")),
        AttributeValue::Null(b) => out.push_str(&format!("{{\"NULL\":{b}")),
        AttributeValue::B(b) => out.push_str(&format!("{{\"B\":{}", b64(b.as_ref()))),
        AttributeValue::Ss(set) => {
            out.push_str("{\"SS\":");
            write_list(u, set, out, |u, s, out| write_string(u, s, out));
        }
        AttributeValue::Ns(set) => {
            out.push_str("{\"NS\":");
            write_list(u, set, out, |u, s, out| write_string(u, s, out));
        }
        AttributeValue::Bs(set) => {
            out.push_str("{\"BS\":");
            write_list(u, set, out, |_, b, out| out.push_str(&b64(b.as_ref())));
        }
        AttributeValue::L(list) => {
            out.push_str("{\"L\":");
            write_list(u, list, out, write_value);
        }
        AttributeValue::M(map) => {
            out.push_str("{\"M\":");
            write_map(u, map, out);
        }
        other => panic!("the generator made {other:?}"),
    }
    out.push('}');
}

/// JSON text with every object's members sorted by their exact text; everything else as written.
fn canonical(text: &str) -> String {
    fn value(b: &[u8], i: &mut usize) -> String {
        let (open, close) = match b[*i] {
            b'"' => return string(b, i),
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            _ => {
                let start = *i;
                while *i < b.len() && !matches!(b[*i], b',' | b'}' | b']') {
                    *i += 1;
                }
                return String::from_utf8_lossy(&b[start..*i]).into_owned();
            }
        };
        *i += 1;
        let mut parts = Vec::new();
        while b[*i] != close {
            if b[*i] == b',' {
                *i += 1;
            }
            parts.push(if open == b'{' {
                let key = string(b, i);
                *i += 1; // ':'
                format!("{key}:{}", value(b, i))
            } else {
                value(b, i)
            });
        }
        *i += 1;
        if open == b'{' {
            parts.sort();
            format!("{{{}}}", parts.join(","))
        } else {
            format!("[{}]", parts.join(","))
        }
    }
    fn string(b: &[u8], i: &mut usize) -> String {
        let start = *i;
        *i += 1;
        while b[*i] != b'"' {
            *i += if b[*i] == b'\\' { 2 } else { 1 };
        }
        *i += 1;
        String::from_utf8_lossy(&b[start..*i]).into_owned()
    }
    let mut i = 0;
    value(text.as_bytes(), &mut i)
}
