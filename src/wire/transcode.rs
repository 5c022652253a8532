//! A Scan or Query response body (DynamoDB JSON) → its items as plain JSON, in one pass.
//!
//! Why the SDK's item model is bypassed here: measured in release on a canned endpoint with a
//! 4,000-item page, the SDK path (parse into `HashMap<String, AttributeValue>` per item, then
//! `convert::item_to_raw`) cost ~10 µs of whole-process CPU per item, while a plain
//! `serde_json::from_slice::<IgnoredAny>` pass over the same bytes costs 0.42 µs. At 128 MB a
//! Lambda gets ~1/14 of a vCPU, so those microseconds are most of a scan's duration. The transcoder
//! writes each item's plain JSON as it reads the wire form, so nothing per attribute is allocated
//! except strings with escapes.
//!
//! The output is exactly what `item_to_raw` writes for the item the SDK would have parsed: strings
//! and names re-escaped the way serde_json escapes them, numbers through the same `NumberJson`,
//! binary decoded with the SDK's own base64 decoder and re-encoded as standard base64. Attribute
//! order follows the wire (the SDK's `HashMap` order is arbitrary, so no caller can rely on it).
//!
//! The accepted input is the strict subset DynamoDB sends: every attribute value an object with one
//! known type member whose value is not null, string-valued `B` without escapes. Anything else (a
//! `null` member, `__type`, an unknown type, two `Items`, invalid JSON) is an error, and the caller
//! then lets the SDK parse the untouched body, so such a body gets exactly today's result or error.
//! Attribute names repeated within one map are not looked for: DynamoDB never sends them.

use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::wire::convert::{Base64Json, NumberJson};

/// One transcoded page: its items as plain JSON, and the body without `Items` for the SDK to
/// deserialize the small fields (Count, ScannedCount, LastEvaluatedKey, ConsumedCapacity).
#[derive(Debug)]
pub struct Transcoded {
    pub items: Vec<Box<RawValue>>,
    pub rest: Vec<u8>,
}

/// Transcodes a Scan or Query response body; an error when the body is outside the strict subset
/// (see the module's header).
pub fn transcode_page(body: &[u8]) -> Result<Transcoded, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut rest = Vec::with_capacity(256);
    let list = de.deserialize_map(Body { rest: &mut rest, capacity: body.len() })?;
    de.end()?;
    let items = match list {
        // One validating pass over the (smaller) output builds the per-item `Box<RawValue>`s:
        // serde_json offers no unchecked constructor.
        Some(list) => serde_json::from_slice(&list)?,
        None => Vec::new(),
    };
    Ok(Transcoded { items, rest })
}

/// A JSON string as read: borrowed when it had no escapes (then its text is already what
/// serde_json would write), owned and unescaped otherwise.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v))
            }
        }
        d.deserialize_str(V)
    }
}

fn put_text(out: &mut Vec<u8>, text: &Text) {
    match text {
        // serde_json's reader rejects raw control characters and hands out borrowed text only when
        // there was no escape, so the text has nothing serde_json's writer would escape.
        Text::Borrowed(s) => {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Text::Owned(s) => serialize_into(out, s.as_str()),
    }
}

fn serialize_into<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing to a Vec cannot fail, and these values always serialize.
    let _ = value.serialize(&mut serde_json::Serializer::new(out));
}

fn put_binary<E: de::Error>(out: &mut Vec<u8>, text: &Text) -> Result<(), E> {
    // The SDK decodes the escaped text itself; escapes inside base64 are left to it.
    let Text::Borrowed(s) = text else { return Err(E::custom("escapes in a binary value")) };
    let bytes = aws_smithy_types::base64::decode(s).map_err(E::custom)?;
    serialize_into(out, &Base64Json(&bytes));
    Ok(())
}

/// The top-level object: `Items` transcoded, every other member copied into `rest`.
struct Body<'a> {
    rest: &'a mut Vec<u8>,
    capacity: usize,
}

impl<'de> Visitor<'de> for Body<'_> {
    type Value = Option<Vec<u8>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Scan or Query response object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        self.rest.push(b'{');
        while let Some(key) = map.next_key::<Text>()? {
            if key.as_str() == "Items" {
                if items.is_some() {
                    return Err(de::Error::custom("`Items` twice"));
                }
                // The output is never longer than the input.
                let mut list = Vec::with_capacity(self.capacity);
                map.next_value_seed(ItemList(&mut list))?;
                items = Some(list);
            } else {
                let value: &RawValue = map.next_value()?;
                if self.rest.len() > 1 {
                    self.rest.push(b',');
                }
                put_text(self.rest, &key);
                self.rest.push(b':');
                self.rest.extend_from_slice(value.get().as_bytes());
            }
        }
        self.rest.push(b'}');
        Ok(items)
    }
}

/// `Items`: an array of items, written as a JSON array of plain objects.
struct ItemList<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for ItemList<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let out = self.0;
        out.push(b'[');
        let mut first = true;
        loop {
            let mark = out.len();
            if !first {
                out.push(b',');
            }
            if seq.next_element_seed(AttributeMap(&mut *out))?.is_none() {
                out.truncate(mark);
                break;
            }
            first = false;
        }
        out.push(b']');
        Ok(())
    }
}

/// An item or an `M`: names → attribute values, written as a plain object.
struct AttributeMap<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for AttributeMap<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AttributeMap<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of attribute values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.0;
        out.push(b'{');
        let mut first = true;
        while let Some(name) = map.next_key::<Text>()? {
            if !first {
                out.push(b',');
            }
            first = false;
            put_text(out, &name);
            out.push(b':');
            map.next_value_seed(Attribute(&mut *out))?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// An `L`: attribute values, written as a JSON array.
struct AttributeList<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for AttributeList<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AttributeList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of attribute values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let out = self.0;
        out.push(b'[');
        let mut first = true;
        loop {
            let mark = out.len();
            if !first {
                out.push(b',');
            }
            if seq.next_element_seed(Attribute(&mut *out))?.is_none() {
                out.truncate(mark);
                break;
            }
            first = false;
        }
        out.push(b']');
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum SetKind {
    S,
    N,
    B,
}

/// An `SS`, `NS` or `BS`: an array of strings, written as strings, numbers or base64.
struct Set<'a>(&'a mut Vec<u8>, SetKind);

impl<'de> DeserializeSeed<'de> for Set<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Set<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a set of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Set(out, kind) = self;
        out.push(b'[');
        let mut first = true;
        while let Some(text) = seq.next_element::<Text>()? {
            if !first {
                out.push(b',');
            }
            first = false;
            match kind {
                SetKind::S => put_text(out, &text),
                SetKind::N => serialize_into(out, &NumberJson(text.as_str())),
                SetKind::B => put_binary(out, &text)?,
            }
        }
        out.push(b']');
        Ok(())
    }
}

/// One attribute value, `{"TYPE": value}`, written as its plain JSON.
struct Attribute<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Attribute<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Attribute<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an attribute value object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.0;
        let Some(tag) = map.next_key::<Text>()? else {
            return Err(de::Error::custom("an attribute value without a type"));
        };
        match tag.as_str() {
            "S" => put_text(out, &map.next_value::<Text>()?),
            "N" => serialize_into(out, &NumberJson(map.next_value::<Text>()?.as_str())),
            "B" => put_binary(out, &map.next_value::<Text>()?)?,
            "BOOL" => out.extend_from_slice(if map.next_value::<bool>()? { b"true" } else { b"false" }),
            // `{"NULL": false}` is a null too, as the SDK reads it.
            "NULL" => {
                map.next_value::<bool>()?;
                out.extend_from_slice(b"null");
            }
            "SS" => map.next_value_seed(Set(out, SetKind::S))?,
            "NS" => map.next_value_seed(Set(out, SetKind::N))?,
            "BS" => map.next_value_seed(Set(out, SetKind::B))?,
            "M" => map.next_value_seed(AttributeMap(out))?,
            "L" => map.next_value_seed(AttributeList(out))?,
            other => return Err(de::Error::custom(format_args!("attribute type `{other}`"))),
        }
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("an attribute value with more than one member"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> Vec<String> {
        transcode_page(body.as_bytes()).unwrap().items.iter().map(|r| r.get().to_string()).collect()
    }

    #[test]
    fn every_type_and_the_rest_of_the_body() {
        let body = r#"{"Count":2,"Items":[{"s":{"S":"a\"\u00e9\ud83d\ude00\/"},"n":{"N":"-1.50E+3"},"b":{"B":"AP8Q"},
            "t":{"BOOL":true},"z":{"NULL":true},"ss":{"SS":["x",""]},"ns":{"NS":["1","12345678901234567890123456789012345678"]},
            "bs":{"BS":["aGk="]},"l":{"L":[{"N":"0"},{"M":{}}]},"m":{"M":{"k":{"L":[]}}}},{}],
            "ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"x"}}}"#;
        let t = transcode_page(body.as_bytes()).unwrap();
        assert_eq!(
            t.items[0].get(),
            r#"{"s":"a\"é😀/","n":-1.50e+3,"b":"AP8Q","t":true,"z":null,"ss":["x",""],"ns":[1,12345678901234567890123456789012345678],"bs":["aGk="],"l":[0,{}],"m":{"k":[]}}"#
        );
        assert_eq!(t.items[1].get(), "{}");
        assert_eq!(
            std::str::from_utf8(&t.rest).unwrap(),
            r#"{"Count":2,"ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"x"}}}"#
        );
    }

    #[test]
    fn a_body_without_items_keeps_its_members() {
        let t = transcode_page(br#"{"Count":5,"ScannedCount":9}"#).unwrap();
        assert!(t.items.is_empty());
        assert_eq!(t.rest, br#"{"Count":5,"ScannedCount":9}"#);
        assert_eq!(items(r#"{"Items":[]}"#), Vec::<String>::new());
    }

    #[test]
    fn anything_outside_the_strict_subset_is_refused() {
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
            r#"{"Items":[null]}"#,
            r#"{"Items":null}"#,
            r#"{"Items":[],"Items":[]}"#,
            r#"{"Items":[{"a":{"S":"\ud800"}}]}"#,
            r#"{"Items":[]} x"#,
            "{\"Items\":[{\"a\":{\"S\":\"tab\there\"}}]}",
            r#"["Items"]"#,
        ] {
            assert!(transcode_page(body.as_bytes()).is_err(), "{body}");
        }
    }
}
