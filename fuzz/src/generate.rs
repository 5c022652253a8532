//! Input generators shared by the fuzz targets.
//!
//! Random bytes almost never spell a request with the right field names, so besides feeding raw bytes
//! each target can build its input from the fuzzer's bytes through `arbitrary::Unstructured`: JSON
//! shaped like requests (the real field names, boundary numbers, `$`-tagged values) and DynamoDB
//! attribute values of every type. libFuzzer still mutates the bytes, so coverage guidance works on
//! the structured inputs too.

use std::str::FromStr;

use arbitrary::{Result, Unstructured};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

/// Every request field, plus a few near misses (unknown fields must be rejected by name).
pub const REQUEST_FIELDS: &[&str] = &[
    "op",
    "table",
    "index",
    "key",
    "keys",
    "key_condition",
    "filter",
    "projection",
    "names",
    "values",
    "consistent_read",
    "scan_forward",
    "select",
    "limit",
    "page_size",
    "segments",
    "segment",
    "total_segments",
    "next_token",
    "Op",
    "tabel",
    "detail-type",
];

pub const OPS: &[&str] = &["scan", "query", "get", "batch_get", "Scan", "delete", ""];

/// Strings that sit on the validation boundaries: table names and ARNs, placeholders, expressions.
pub const STRINGS: &[&str] = &[
    "orders",
    "customers",
    "bulk",
    "audit",
    "ab",
    "a b",
    "by_status",
    "count",
    "items",
    "arn:aws:dynamodb:us-east-1:111111111111:table/orders",
    "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
    "arn:aws:dynamodb:us-east-1:1111:table/orders",
    "arn:aws:dynamodb:us-east-1:111111111111:table/",
    "arn:aws:s3:::bucket",
    "arn:",
    "pk = :pk",
    "#s = :s",
    "#s",
    ":s",
    ":pk",
    "#",
    ":",
    "$B",
    "$N",
    "$M",
    "$SS",
    "$NS",
    "$BS",
    "$X",
    "AP8Q",
    "aGk=",
    "not base64!",
    "-1.5E+3",
    "1.2.3",
    "",
    " ",
    "\u{0}",
    "héllo ✓ 日本",
    "\"quoted\"",
];

/// Numbers on every limit the request model checks (1, 64, 2^31, 2^32, 10^6, i64, u64, 38 digits...).
pub const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "63",
    "64",
    "65",
    "999999",
    "1000000",
    "1000001",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "1.5",
    "-0.0",
    "1e3",
    "1E+125",
    "-2.5e-100",
    "1e400",
    "12345678901234567890123456789012345678",
    "0.12345678901234567890123456789012345678",
    "9.9999999999999999999999999999999999999E+125",
];

const TAGS: &[&str] = &["$B", "$N", "$M", "$SS", "$NS", "$BS", "$X", "$"];

fn pick<'a>(u: &mut Unstructured, list: &[&'a str]) -> Result<&'a str> {
    Ok(list[u.choose_index(list.len())?])
}

pub fn string(u: &mut Unstructured) -> Result<String> {
    if u.ratio(2, 3)? {
        Ok(pick(u, STRINGS)?.to_string())
    } else {
        u.arbitrary::<String>()
    }
}

pub fn number(u: &mut Unstructured) -> Result<Number> {
    let text = match u.int_in_range(0..=3)? {
        0 | 1 => pick(u, NUMBERS)?.to_string(),
        2 => u.arbitrary::<i64>()?.to_string(),
        _ => format!("{}e{}", u.arbitrary::<i32>()?, u.int_in_range(-130i32..=130)?),
    };
    // Every entry above is valid JSON number text.
    Ok(Number::from_str(&text).unwrap_or_else(|_| Number::from(0)))
}

/// Any JSON value, with tagged objects and request-ish strings mixed in; depth-limited.
pub fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let leaf_only = depth == 0;
    Ok(match u.int_in_range(0..=if leaf_only { 4 } else { 8 })? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(number(u)?),
        3 | 4 => Value::String(string(u)?),
        5 | 6 => Value::Array((0..u.int_in_range(0..=4)?).map(|_| value(u, depth - 1)).collect::<Result<_>>()?),
        7 => {
            let mut m = Map::new();
            m.insert(pick(u, TAGS)?.to_string(), value(u, depth - 1)?);
            Value::Object(m)
        }
        _ => {
            let mut m = Map::new();
            for _ in 0..u.int_in_range(0..=4)? {
                let k = if u.ratio(1, 2)? { pick(u, REQUEST_FIELDS)?.to_string() } else { string(u)? };
                m.insert(k, value(u, depth - 1)?);
            }
            Value::Object(m)
        }
    })
}

/// A map whose keys start with `prefix` most of the time (`#` for names, `:` for values).
fn placeholders(u: &mut Unstructured, prefix: char, depth: u32, names: bool) -> Result<Value> {
    let mut m = Map::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let k = if u.ratio(5, 6)? { format!("{prefix}{}", pick(u, &["s", "pk", "v", "", "x1"])?) } else { string(u)? };
        let v = if names { Value::String(string(u)?) } else { value(u, depth)? };
        m.insert(k, v);
    }
    Ok(Value::Object(m))
}

/// A key object: the table keys with typical values, sometimes anything.
fn key(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(1, 5)? {
        return value(u, 2);
    }
    let mut m = Map::new();
    for name in ["pk", "sk"] {
        if u.ratio(3, 4)? {
            m.insert(name.into(), value(u, 1)?);
        }
    }
    Ok(Value::Object(m))
}

/// A request-shaped object: mostly real fields with values near what each field accepts.
pub fn request(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    if u.ratio(9, 10)? {
        m.insert("op".into(), Value::String(pick(u, OPS)?.into()));
    }
    for &field in &REQUEST_FIELDS[1..] {
        if !u.ratio(1, 3)? {
            continue;
        }
        let v = if u.ratio(1, 8)? {
            value(u, 2)?
        } else {
            match field {
                "table" | "index" | "key_condition" | "filter" | "projection" | "select" | "detail-type"
                | "next_token" => Value::String(string(u)?),
                "key" => key(u)?,
                "keys" => Value::Array((0..u.int_in_range(0..=5)?).map(|_| key(u)).collect::<Result<_>>()?),
                "names" => placeholders(u, '#', 0, true)?,
                "values" => placeholders(u, ':', 2, false)?,
                "consistent_read" | "scan_forward" => Value::Bool(u.arbitrary()?),
                _ => Value::Number(number(u)?),
            }
        };
        m.insert(field.to_string(), v);
    }
    Ok(Value::Object(m))
}

/// Any DynamoDB attribute value (including number text DynamoDB would never return).
pub fn attribute(u: &mut Unstructured, depth: u32) -> Result<AttributeValue> {
    let blob = |u: &mut Unstructured| -> Result<Blob> { Ok(Blob::new(u.arbitrary::<Vec<u8>>()?)) };
    let num = |u: &mut Unstructured| -> Result<String> {
        if u.ratio(4, 5)? {
            Ok(number(u)?.to_string())
        } else {
            string(u)
        }
    };
    let n = |u: &mut Unstructured| u.int_in_range(0..=3usize);
    Ok(match u.int_in_range(0..=if depth == 0 { 7 } else { 9 })? {
        0 => AttributeValue::S(string(u)?),
        1 => AttributeValue::N(num(u)?),
        2 => AttributeValue::Bool(u.arbitrary()?),
        3 => AttributeValue::Null(u.arbitrary()?),
        4 => AttributeValue::B(blob(u)?),
        5 => AttributeValue::Ss((0..n(u)?).map(|_| string(u)).collect::<Result<_>>()?),
        6 => AttributeValue::Ns((0..n(u)?).map(|_| num(u)).collect::<Result<_>>()?),
        7 => AttributeValue::Bs((0..n(u)?).map(|_| blob(u)).collect::<Result<_>>()?),
        8 => AttributeValue::L((0..n(u)?).map(|_| attribute(u, depth - 1)).collect::<Result<_>>()?),
        _ => AttributeValue::M((0..n(u)?).map(|_| Ok((string(u)?, attribute(u, depth - 1)?))).collect::<Result<_>>()?),
    })
}

/// True when `v` holds no single-key object whose key starts with `$` (those are type tags), i.e.
/// when plain JSON → attribute value → JSON must give `v` back unchanged.
pub fn untagged(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().all(untagged),
        Value::Object(m) => !(m.len() == 1 && m.keys().all(|k| k.starts_with('$'))) && m.values().all(untagged),
        _ => true,
    }
}
