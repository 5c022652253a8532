//! Conversion between DynamoDB attribute values and plain JSON.
//!
//! Output is written straight from `AttributeValue` to JSON text (no intermediate `serde_json::Value`)
//! because it is the per-item hot path. Numbers keep DynamoDB's exact digits: serde_json is built with
//! `arbitrary_precision`, so a 38-digit N never passes through f64 (serde_dynamo would round it).
//!
//! Input (`key`, `keys`, `values`) is plain JSON; binary, sets, numbers-as-strings and maps whose only
//! key starts with `$` use single-key escape objects: `{"$B": base64}`, `{"$SS": [...]}`,
//! `{"$NS": [...]}`, `{"$BS": [base64, ...]}`, `{"$N": "123"}`, `{"$M": {...}}`.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::wire::error::AppError;

/// A DynamoDB item (or key): attribute name → value, as the SDK holds it.
pub type Item = HashMap<String, AttributeValue>;

/// Serializes one item as a plain JSON object.
pub struct ItemJson<'a>(pub &'a Item);

/// Serializes one attribute value as plain JSON.
pub struct ValueJson<'a>(pub &'a AttributeValue);

impl Serialize for ItemJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, &ValueJson(v))?;
        }
        map.end()
    }
}

/// Serializes a DynamoDB `N` text as a JSON number (shared with the page transcoder).
pub(crate) struct NumberJson<'a>(pub(crate) &'a str);

impl Serialize for NumberJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Hot path (most numbers): no exponent, already valid JSON, so the digits go out as they are,
        // borrowed, instead of through `Number::from_str`, which allocates and re-formats. Both give
        // the same text for such numbers (see the `plain_numbers_take_the_fast_path_unchanged` test).
        if is_plain_json_number(self.0) {
            if let Ok(raw) = serde_json::from_str::<&RawValue>(self.0) {
                return raw.serialize(s);
            }
        }
        match Number::from_str(self.0) {
            Ok(n) => n.serialize(s),
            // DynamoDB always returns canonical numbers; anything else is a bug upstream, not a reason to fail.
            Err(_) => s.serialize_str(self.0),
        }
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: a JSON number without an exponent. serde_json writes exponents
/// as `e+`/`e-` (so `1E5` comes out as `1e+5`); those numbers keep going through `Number`.
pub(crate) fn is_plain_json_number(n: &str) -> bool {
    let b = n.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let digits = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == digits {
            return false;
        }
    }
    i == b.len()
}

/// Serializes bytes as standard base64 text (shared with the page transcoder).
pub(crate) struct Base64Json<'a>(pub(crate) &'a [u8]);

impl Serialize for Base64Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&base64::display::Base64Display::new(self.0, &STANDARD))
    }
}

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            AttributeValue::S(v) => s.serialize_str(v),
            AttributeValue::N(n) => NumberJson(n).serialize(s),
            AttributeValue::Bool(b) => s.serialize_bool(*b),
            AttributeValue::Null(_) => s.serialize_unit(),
            AttributeValue::B(b) => Base64Json(b.as_ref()).serialize(s),
            AttributeValue::L(list) => {
                let mut seq = s.serialize_seq(Some(list.len()))?;
                for v in list {
                    seq.serialize_element(&ValueJson(v))?;
                }
                seq.end()
            }
            AttributeValue::M(m) => ItemJson(m).serialize(s),
            AttributeValue::Ss(set) => set.serialize(s),
            AttributeValue::Ns(set) => {
                let mut seq = s.serialize_seq(Some(set.len()))?;
                for n in set {
                    seq.serialize_element(&NumberJson(n))?;
                }
                seq.end()
            }
            AttributeValue::Bs(set) => {
                let mut seq = s.serialize_seq(Some(set.len()))?;
                for b in set {
                    seq.serialize_element(&Base64Json(b.as_ref()))?;
                }
                seq.end()
            }
            other => Err(S::Error::custom(format!("unsupported DynamoDB attribute type {other:?}"))),
        }
    }
}

/// One item as ready-to-send JSON text; its length is exactly what it adds to the response.
pub fn item_to_raw(item: &Item) -> Result<Box<RawValue>, AppError> {
    serde_json::value::to_raw_value(&ItemJson(item))
        .map_err(|e| AppError::internal("could not convert an item to JSON", e))
}

/// One item as a plain JSON value (numbers keep DynamoDB's exact digits).
///
/// ```
/// use std::collections::HashMap;
/// use aws_sdk_dynamodb::types::AttributeValue;
/// use ddb_cross_account_reader::json::item_to_json;
///
/// let item = HashMap::from([("total".to_string(), AttributeValue::N("12345678901234567890.5".into()))]);
/// assert_eq!(item_to_json(&item).unwrap().to_string(), r#"{"total":12345678901234567890.5}"#);
/// ```
pub fn item_to_json(item: &Item) -> Result<Value, AppError> {
    serde_json::to_value(ItemJson(item)).map_err(|e| AppError::internal("could not convert an item to JSON", e))
}

/// A plain JSON object → item (a key, an item to put, expression values); errors are
/// `InvalidRequest`s naming the place, starting at `field`.
///
/// ```
/// use aws_sdk_dynamodb::types::AttributeValue;
/// use ddb_cross_account_reader::json::json_to_item;
///
/// let key = json_to_item(&serde_json::json!({"pk": "customer#001", "n": 7}), "key").unwrap();
/// assert_eq!(key["n"], AttributeValue::N("7".into()));
/// assert!(json_to_item(&serde_json::json!(["not", "an", "object"]), "key").is_err());
/// ```
pub fn json_to_item(v: &Value, field: &str) -> Result<Item, AppError> {
    match v {
        Value::Object(map) => json_map_to_item(map, field),
        _ => Err(AppError::invalid(field, "expected a JSON object")),
    }
}

/// Plain JSON → attribute value. `path` names the place in the request for error messages.
pub fn json_to_attr(v: &Value, path: &str) -> Result<AttributeValue, AppError> {
    Ok(match v {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(list) => AttributeValue::L(
            list.iter().enumerate().map(|(i, v)| json_to_attr(v, &format!("{path}[{i}]"))).collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => match single_tag(map) {
            Some((tag, inner)) => tagged(tag, inner, &format!("{path}.{tag}"))?,
            None => AttributeValue::M(json_map_to_item(map, path)?),
        },
    })
}

/// A JSON object → item / map attribute (no escape processing at this level).
pub fn json_map_to_item(map: &Map<String, Value>, path: &str) -> Result<Item, AppError> {
    map.iter().map(|(k, v)| Ok((k.clone(), json_to_attr(v, &join(path, k))?))).collect()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn single_tag(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    if map.len() != 1 {
        return None;
    }
    let (k, v) = map.iter().next()?;
    k.starts_with('$').then_some((k.as_str(), v))
}

fn tagged(tag: &str, v: &Value, path: &str) -> Result<AttributeValue, AppError> {
    let b64 = |v: &Value, path: &str| -> Result<Blob, AppError> {
        let s = v.as_str().ok_or_else(|| AppError::invalid(path, "expected a base64 string"))?;
        STANDARD.decode(s).map(Blob::new).map_err(|e| AppError::invalid(path, format!("expected standard base64: {e}")))
    };
    let number = |v: &Value, path: &str| -> Result<String, AppError> {
        match v {
            Value::Number(n) => Ok(n.to_string()),
            Value::String(s) if Number::from_str(s).is_ok() => Ok(s.clone()),
            _ => Err(AppError::invalid(path, "expected a number, or a string holding a number like \"-1.5E+3\"")),
        }
    };
    let at = |i: usize| format!("{path}[{i}]");
    Ok(match tag {
        "$B" => AttributeValue::B(b64(v, path)?),
        "$N" => AttributeValue::N(number(v, path)?),
        "$M" => match v {
            Value::Object(m) => AttributeValue::M(json_map_to_item(m, path)?),
            _ => return Err(AppError::invalid(path, "expected an object")),
        },
        "$SS" => AttributeValue::Ss(
            non_empty_array(v, path)?
                .iter()
                .enumerate()
                .map(|(i, s)| s.as_str().map(str::to_string).ok_or_else(|| AppError::invalid(at(i), "expected a string")))
                .collect::<Result<_, _>>()?,
        ),
        "$NS" => AttributeValue::Ns(non_empty_array(v, path)?.iter().enumerate().map(|(i, n)| number(n, &at(i))).collect::<Result<_, _>>()?),
        "$BS" => AttributeValue::Bs(non_empty_array(v, path)?.iter().enumerate().map(|(i, b)| b64(b, &at(i))).collect::<Result<_, _>>()?),
        other => {
            return Err(AppError::invalid(path, format!(
                "unknown type tag `{other}`: expected $B, $N, $M, $SS, $NS or $BS (wrap a literal map with a single `$` key in {{\"$M\": ...}})"
            )))
        }
    })
}

fn non_empty_array<'v>(v: &'v Value, path: &str) -> Result<&'v Vec<Value>, AppError> {
    match v.as_array() {
        Some(a) if !a.is_empty() => Ok(a),
        Some(_) => Err(AppError::invalid(path, "a DynamoDB set cannot be empty")),
        None => Err(AppError::invalid(path, "expected a non-empty array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn out(item: &Item) -> String {
        item_to_raw(item).unwrap().get().to_string()
    }

    #[test]
    fn numbers_keep_every_digit() {
        for n in [
            "12345678901234567890123456789012345678",
            "-12345678901234567890123456789012345678",
            "0.12345678901234567890123456789012345678",
            "1E+125",
            "-2.5E-100",
            "0",
            "9.9999999999999999999999999999999999999E+125",
        ] {
            let item = Item::from([("n".to_string(), AttributeValue::N(n.into()))]);
            // serde_json writes the exponent marker in lower case; every digit is kept.
            assert_eq!(out(&item), format!("{{\"n\":{}}}", n.replace('E', "e")));
            // and back in: the request side keeps the digits too
            let v: Value = serde_json::from_str(&format!("{{\"v\":{n}}}")).unwrap();
            assert_eq!(json_to_attr(&v["v"], "values.:v").unwrap(), AttributeValue::N(n.replace('E', "e")));
        }
    }

    #[test]
    fn plain_numbers_take_the_fast_path_unchanged() {
        // The fast path must write exactly what the `Number` path writes, and take only numbers it can.
        let through_number = |n: &str| match Number::from_str(n) {
            Ok(v) => serde_json::to_string(&v).unwrap(),
            Err(_) => serde_json::to_string(n).unwrap(),
        };
        for n in [
            "0",
            "-0",
            "7",
            "-7",
            "0.5",
            "-0.50",
            "123.450",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "12345678901234567890123456789012345678",
            "0.000000000000000000000000000000000000012345678901234567890123456789012345678",
        ] {
            assert!(is_plain_json_number(n), "{n}");
            assert_eq!(serde_json::to_string(&NumberJson(n)).unwrap(), through_number(n), "{n}");
        }
        for n in
            ["", "-", "01", "-01", "1.", ".5", "+1", " 1", "1 ", "1e5", "1E+5", "-2.5E-100", "1.2.3", "0x10", "NaN"]
        {
            assert!(!is_plain_json_number(n), "{n}");
            assert_eq!(serde_json::to_string(&NumberJson(n)).unwrap(), through_number(n), "{n}");
        }
    }

    #[test]
    fn every_type_maps_to_plain_json() {
        let item = Item::from([
            ("s".to_string(), AttributeValue::S("a\"b".into())),
            ("b".to_string(), AttributeValue::B(Blob::new(vec![0u8, 255, 16]))),
            ("t".to_string(), AttributeValue::Bool(true)),
            ("z".to_string(), AttributeValue::Null(true)),
            ("ss".to_string(), AttributeValue::Ss(vec!["x".into(), "y".into()])),
            ("ns".to_string(), AttributeValue::Ns(vec!["1".into(), "12345678901234567890123456789012345678".into()])),
            ("bs".to_string(), AttributeValue::Bs(vec![Blob::new(b"hi".to_vec())])),
            ("l".to_string(), AttributeValue::L(vec![AttributeValue::N("1.5".into()), AttributeValue::M(Item::new())])),
        ]);
        let v: Value = serde_json::from_str(&out(&item)).unwrap();
        assert_eq!(
            v,
            json!({"s": "a\"b", "b": "AP8Q", "t": true, "z": null, "ss": ["x", "y"],
                   "ns": [1, 12345678901234567890123456789012345678u128], "bs": ["aGk="], "l": [1.5, {}]})
        );
    }

    #[test]
    fn escapes_build_binary_sets_and_literal_maps() {
        let v = json!({"b": {"$B": "AP8Q"}, "ss": {"$SS": ["a"]}, "ns": {"$NS": [1, "2.5"]}, "bs": {"$BS": ["aGk="]},
                       "n": {"$N": "-1E+5"}, "m": {"$M": {"$B": "x"}}, "plain": {"a": [1, null]}});
        let item = json_map_to_item(v.as_object().unwrap(), "values").unwrap();
        assert_eq!(item["b"], AttributeValue::B(Blob::new(vec![0, 255, 16])));
        assert_eq!(item["ss"], AttributeValue::Ss(vec!["a".into()]));
        assert_eq!(item["ns"], AttributeValue::Ns(vec!["1".into(), "2.5".into()]));
        assert_eq!(item["bs"], AttributeValue::Bs(vec![Blob::new(b"hi".to_vec())]));
        assert_eq!(item["n"], AttributeValue::N("-1E+5".into()));
        assert_eq!(item["m"], AttributeValue::M(Item::from([("$B".to_string(), AttributeValue::S("x".into()))])));
        assert_eq!(
            item["plain"],
            AttributeValue::M(Item::from([(
                "a".to_string(),
                AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::Null(true)])
            )]))
        );
    }

    #[test]
    fn bad_escapes_name_their_path() {
        for (v, path) in [
            (json!({"x": {"$B": "not base64!"}}), "values.x.$B"),
            (json!({"x": {"$SS": []}}), "values.x.$SS"),
            (json!({"x": {"$SS": ["a", 1]}}), "values.x.$SS[1]"),
            (json!({"x": {"$NS": ["abc"]}}), "values.x.$NS[0]"),
            (json!({"x": {"$Q": 1}}), "values.x.$Q"),
            (json!({"x": [{"$N": "1.2.3"}]}), "values.x[0].$N"),
        ] {
            match json_map_to_item(v.as_object().unwrap(), "values") {
                Err(AppError::InvalidRequest { field: Some(f), .. }) => assert_eq!(f, path, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
