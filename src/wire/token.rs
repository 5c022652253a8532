//! `next_token`: a `Position` (see `cursor`) as an opaque URL-safe string.
//!
//! Layout: base64url(JSON body ‖ first 8 bytes of SHA-256(body)). The checksum catches corruption and
//! edits; the body's request fingerprint catches a token sent with another request or table. Neither is
//! a security boundary (a caller can always send any request; IAM decides what it may read), so no key.
//!
//! Version 2: the fingerprint is taken of the typed request (`request::fingerprint`), version 1
//! tokens hashed the event's JSON and are rejected with a message saying so.
//!
//! The region a token reads is in its body (`r`, under the checksum) beside the fingerprint rather
//! than hashed into it, so a token used in another region is refused naming both regions; a token
//! without `r` was issued before requests named regions, when every read was in TABLE_REGION.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::wire::convert::Item;
use crate::wire::cursor::{Cursor, Position, StreamCursors};
use crate::wire::error::AppError;

const VERSION: u8 = 2;
const CHECKSUM_LEN: usize = 8;

/// What a token is bound to: a hash of the request it continues (`request::fingerprint`), minus
/// the fields that only steer paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 8]);

/// What a token must match to continue a request.
pub struct Binding<'a> {
    pub fingerprint: &'a Fingerprint,
    /// The region the request reads.
    pub region: &'a str,
    /// TABLE_REGION: where a token without a region continues.
    pub table_region: &'a str,
}

/// One key attribute (keys are only ever S, N or B).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum KeyAttr {
    S(String),
    N(String),
    /// base64
    B(String),
}

#[derive(Serialize, Deserialize)]
struct Body {
    v: u8,
    /// Request fingerprint, hex.
    f: String,
    /// The region the request reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    c: Vec<WireCursor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct WireCursor {
    /// Segment index (0 for a single stream).
    s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<BTreeMap<String, KeyAttr>>,
    #[serde(default, skip_serializing_if = "is_zero")]
    n: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_to_wire(key: &Item) -> Result<BTreeMap<String, KeyAttr>, AppError> {
    key.iter()
        .map(|(k, v)| {
            let a = match v {
                AttributeValue::S(s) => KeyAttr::S(s.clone()),
                AttributeValue::N(n) => KeyAttr::N(n.clone()),
                AttributeValue::B(b) => KeyAttr::B(STANDARD.encode(b.as_ref())),
                other => {
                    return Err(AppError::Internal {
                        message: format!("LastEvaluatedKey attribute `{k}` has a non-key type {other:?}"),
                        source: None,
                    })
                }
            };
            Ok((k.clone(), a))
        })
        .collect()
}

fn key_from_wire(key: BTreeMap<String, KeyAttr>) -> Result<Item, AppError> {
    key.into_iter()
        .map(|(k, v)| {
            let a = match v {
                KeyAttr::S(s) => AttributeValue::S(s),
                KeyAttr::N(n) => AttributeValue::N(n),
                KeyAttr::B(b) => {
                    AttributeValue::B(Blob::new(STANDARD.decode(b).map_err(|_| bad("a key attribute is not base64"))?))
                }
            };
            Ok((k, a))
        })
        .collect::<Result<HashMap<_, _>, _>>()
}

fn bad(why: &str) -> AppError {
    AppError::invalid(
        "next_token",
        format!("{why}; pass the next_token of the previous response unchanged, with the same request"),
    )
}

pub fn encode(fingerprint: &Fingerprint, region: &str, position: &Position) -> Result<String, AppError> {
    let fingerprint = &fingerprint.0;
    let r = Some(region.to_string());
    let body = match position {
        Position::Streams(StreamCursors { page_limit, cursors }) => Body {
            v: VERSION,
            f: hex(fingerprint),
            r,
            p: *page_limit,
            c: cursors
                .iter()
                .map(|(s, c)| {
                    Ok(WireCursor { s: *s, k: c.start_key.as_ref().map(key_to_wire).transpose()?, n: c.skip })
                })
                .collect::<Result<_, AppError>>()?,
            o: None,
        },
        Position::KeyOffset(o) => Body { v: VERSION, f: hex(fingerprint), r, p: None, c: Vec::new(), o: Some(*o) },
    };
    let mut bytes = serde_json::to_vec(&body).map_err(|e| AppError::internal("encoding next_token", e))?;
    let sum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&sum[..CHECKSUM_LEN]);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Decodes a token and checks it belongs to the request (`binding`). `streams` is the number of
/// segments the request runs (1 for a single stream) so a cursor can't name a segment it doesn't have.
pub fn decode(token: &str, binding: &Binding<'_>, streams: u32) -> Result<Position, AppError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad("not a token this function issued (not base64url)"))?;
    if bytes.len() <= CHECKSUM_LEN {
        return Err(bad("too short to be a token this function issued (was it truncated?)"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(body)[..CHECKSUM_LEN] != *sum {
        return Err(bad("the token was modified or corrupted (checksum mismatch)"));
    }
    let body: Body = serde_json::from_slice(body).map_err(|_| bad("unreadable token"))?;
    if body.v != VERSION {
        return Err(bad(&format!(
            "token version {} is not supported by this function (expected {VERSION}; tokens issued before an upgrade cannot be resumed, start the read again)",
            body.v
        )));
    }
    let issued_in = body.r.as_deref().unwrap_or(binding.table_region);
    if issued_in != binding.region {
        return Err(bad(&format!(
            "the token reads region {issued_in} but this request reads region {}; a token continues only in its own region (send the same `region` or table ARN)",
            binding.region
        )));
    }
    if body.f != hex(&binding.fingerprint.0) {
        return Err(bad(
            "the token belongs to a different request (another table, op, index, expression, values or segmentation)",
        ));
    }
    if let Some(o) = body.o {
        return Ok(Position::KeyOffset(o));
    }
    if body.c.is_empty() {
        return Err(bad("the token has nothing left to read"));
    }
    let mut seen = std::collections::HashSet::new();
    let cursors = body
        .c
        .into_iter()
        .map(|c| {
            if c.s >= streams || !seen.insert(c.s) {
                return Err(bad("the token names a segment this request does not have"));
            }
            Ok((c.s, Cursor { start_key: c.k.map(key_from_wire).transpose()?, skip: c.n }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Position::Streams(StreamCursors { page_limit: body.p, cursors }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: Fingerprint = Fingerprint([1, 2, 3, 4, 5, 6, 7, 8]);
    const EAST: &str = "us-east-1";

    fn bound(fingerprint: &Fingerprint) -> Binding<'_> {
        Binding { fingerprint, region: EAST, table_region: EAST }
    }

    fn decode_fp(token: &str, fingerprint: &Fingerprint, streams: u32) -> Result<Position, AppError> {
        decode(token, &bound(fingerprint), streams)
    }

    fn sample() -> Position {
        let key = Item::from([
            ("pk".to_string(), AttributeValue::S("a/b?c".into())),
            ("sk".to_string(), AttributeValue::N("12345678901234567890123456789012345678".into())),
            ("bin".to_string(), AttributeValue::B(Blob::new(vec![0, 1, 255]))),
        ]);
        Position::Streams(StreamCursors {
            page_limit: Some(100),
            cursors: vec![(0, Cursor { start_key: Some(key), skip: 7 }), (3, Cursor::default())],
        })
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        let t = encode(&FP, EAST, &sample()).unwrap();
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{t}");
        assert_eq!(decode_fp(&t, &FP, 4).unwrap(), sample());
        let t = encode(&FP, EAST, &Position::KeyOffset(300)).unwrap();
        assert_eq!(decode_fp(&t, &FP, 1).unwrap(), Position::KeyOffset(300));
    }

    fn message(r: Result<Position, AppError>) -> String {
        match r {
            Err(e @ AppError::InvalidRequest { .. }) => {
                assert!(e.to_string().contains("`next_token`"), "{e}");
                e.to_string()
            }
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn tampered_foreign_and_garbage_tokens_are_rejected() {
        let t = encode(&FP, EAST, &sample()).unwrap();
        // flip one character anywhere: checksum catches it
        for i in [0, t.len() / 2, t.len() - 1] {
            let mut b = t.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let m = message(decode_fp(std::str::from_utf8(&b).unwrap(), &FP, 4));
            assert!(m.contains("modified") || m.contains("not base64") || m.contains("unreadable"), "{m}");
        }
        assert!(message(decode_fp(&t, &Fingerprint([9; 8]), 4)).contains("different request"));
        assert!(message(decode_fp(&t, &FP, 2)).contains("segment"));
        assert!(message(decode_fp("not a token!", &FP, 1)).contains("base64"));
        assert!(message(decode_fp("", &FP, 1)).contains("too short"));
        let truncated = message(decode_fp(&t[..t.len() - 4], &FP, 4));
        assert!(truncated.contains("modified") || truncated.contains("base64"), "{truncated}");
    }

    #[test]
    fn a_token_of_the_previous_format_is_rejected_not_resumed() {
        // Version 1 bound tokens to a hash of the event's JSON; the same body, checksum intact.
        let body =
            Body { v: 1, f: hex(&FP.0), r: None, p: Some(10), c: vec![WireCursor { s: 0, k: None, n: 0 }], o: None };
        let mut bytes = serde_json::to_vec(&body).unwrap();
        let sum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&sum[..CHECKSUM_LEN]);
        let m = message(decode_fp(&URL_SAFE_NO_PAD.encode(bytes), &FP, 1));
        assert!(m.contains("version 1") && m.contains("start the read again"), "{m}");
    }

    #[test]
    fn a_token_continues_only_in_its_region() {
        let t = encode(&FP, "us-west-2", &sample()).unwrap();
        let west = Binding { fingerprint: &FP, region: "us-west-2", table_region: EAST };
        assert_eq!(decode(&t, &west, 4).unwrap(), sample());
        let m = message(decode(&t, &bound(&FP), 4));
        assert!(m.contains("region us-west-2") && m.contains("region us-east-1"), "{m}");
        // Issued before tokens named their region: it read TABLE_REGION, and continues only there.
        let body = Body { v: VERSION, f: hex(&FP.0), r: None, p: None, c: Vec::new(), o: Some(3) };
        let mut bytes = serde_json::to_vec(&body).unwrap();
        let sum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&sum[..CHECKSUM_LEN]);
        let old = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(decode(&old, &bound(&FP), 1).unwrap(), Position::KeyOffset(3));
        assert!(message(decode(&old, &west, 1)).contains("reads region us-east-1"));
    }
}
