//! Value conversion both ways. Input byte 0 picks the mode:
//! 0: raw JSON text → attribute value (the `values`/`key` path of a request);
//! 1: generated JSON (tags, boundary numbers) → attribute value;
//! 2: generated DynamoDB attribute values (every type, any number text) → response JSON.
//!
//! Oracles: JSON without type tags survives JSON → attribute → JSON unchanged (every number digit
//! kept); a rejected value is InvalidRequest naming a path under the one given; every attribute value
//! becomes valid JSON of the documented shape (sets as arrays, binary as standard base64, numbers as
//! numbers when DynamoDB-valid, else as their text).

use crate::generate::{attribute, untagged, value};
use arbitrary::Unstructured;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ddb_cross_account_reader::json::{item_to_raw, json_to_attr, Item};
use ddb_cross_account_reader::AppError;
use serde::de::IgnoredAny;
use serde_json::{Number, Value};
use std::str::FromStr;

const PATH: &str = "values.:v";

/// serde_json built with arbitrary_precision / raw_value reads an object whose key starts with this as
/// its private number or raw-value encoding when it parses text into a `Value`. Such a key is a legal
/// DynamoDB attribute name, and the function's output stays valid JSON (checked below with a parser
/// that keeps no values); only this oracle cannot read it back into a `Value` to compare.
const SERDE_PRIVATE: &str = "$serde_json::private::";

/// The response JSON of an item holding `attr` as "v", parsed back (None when it holds a key
/// serde_json reserves, see above).
fn to_json(attr: AttributeValue) -> Option<Value> {
    let item = Item::from([("v".to_string(), attr)]);
    let raw = item_to_raw(&item).expect("every attribute value converts");
    serde_json::from_str::<IgnoredAny>(raw.get()).expect("the output is valid JSON");
    if raw.get().contains(SERDE_PRIVATE) {
        return None;
    }
    let mut out: Value = serde_json::from_str(raw.get()).expect("the output parses");
    Some(out.as_object_mut().and_then(|m| m.remove("v")).expect("the output is the item's object"))
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn from_json(v: &Value) {
    // serde_json refuses to parse more than 128 levels, and the response wraps the value in two more
    // (item and `items`); DynamoDB itself stops at 32 levels, so deeper input only tests serde_json.
    if depth(v) > 120 {
        return;
    }
    match json_to_attr(v, PATH) {
        Ok(attr) => {
            if let Some(out) = to_json(attr) {
                if untagged(v) {
                    assert_eq!(&out, v, "plain JSON did not round-trip");
                }
            }
        }
        Err(AppError::InvalidRequest { field: Some(f), message, .. }) => {
            assert!(f.starts_with(PATH) && !message.is_empty(), "bad rejection {f}: {message}");
            assert!(!untagged(v), "plain JSON was rejected at {f}: {message}");
        }
        Err(e) => panic!("unexpected error kind {e:?}"),
    }
}

/// The JSON shape `attr` must have in a response.
fn check(attr: &AttributeValue, v: &Value) {
    let number = |n: &str, v: &Value| match Number::from_str(n) {
        Ok(num) => assert_eq!(v, &Value::Number(num), "number {n}"),
        Err(_) => assert_eq!(v, &Value::String(n.to_string()), "non-number N text {n:?} is passed as text"),
    };
    let blob = |b: &[u8], v: &Value| {
        assert_eq!(STANDARD.decode(v.as_str().expect("binary is a string")).expect("standard base64"), b)
    };
    let array = |v: &Value, len: usize| -> Vec<Value> {
        let a = v.as_array().expect("a list or set is an array").clone();
        assert_eq!(a.len(), len);
        a
    };
    match attr {
        AttributeValue::S(s) => assert_eq!(v.as_str(), Some(s.as_str())),
        AttributeValue::N(n) => number(n, v),
        AttributeValue::Bool(b) => assert_eq!(v.as_bool(), Some(*b)),
        AttributeValue::Null(_) => assert!(v.is_null()),
        AttributeValue::B(b) => blob(b.as_ref(), v),
        AttributeValue::Ss(set) => assert!(array(v, set.len()).iter().zip(set).all(|(x, s)| x.as_str() == Some(s))),
        AttributeValue::Ns(set) => array(v, set.len()).iter().zip(set).for_each(|(x, n)| number(n, x)),
        AttributeValue::Bs(set) => array(v, set.len()).iter().zip(set).for_each(|(x, b)| blob(b.as_ref(), x)),
        AttributeValue::L(list) => array(v, list.len()).iter().zip(list).for_each(|(x, a)| check(a, x)),
        AttributeValue::M(map) => {
            let obj = v.as_object().expect("a map is an object");
            assert_eq!(obj.len(), map.len());
            map.iter().for_each(|(k, a)| check(a, &obj[k]));
        }
        other => panic!("generator produced {other:?}"),
    }
}

/// One input: panics when a property does not hold.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            if let Ok(v) = serde_json::from_slice::<Value>(rest) {
                from_json(&v);
            }
        }
        1 => {
            if let Ok(v) = value(&mut Unstructured::new(rest), 4) {
                from_json(&v);
            }
        }
        _ => {
            if let Ok(attr) = attribute(&mut Unstructured::new(rest), 4) {
                if let Some(v) = to_json(attr.clone()) {
                    check(&attr, &v);
                }
            }
        }
    }
}
