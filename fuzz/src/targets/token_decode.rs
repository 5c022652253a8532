//! `next_token` decoding: a token comes back from the caller, so it can be anything. Input byte 0
//! picks the mode:
//! 0: the rest as the token text;
//! 1: the rest as the token *body*, given a valid checksum, so the fuzzer reaches the JSON, version,
//!    fingerprint, segment and key checks behind the checksum;
//! 2: a generated position → encode → decode must give it back; then one character of the token is
//!    changed, which must be rejected (or, for padding, mean the same position).
//!
//! Every rejection must be InvalidRequest on field `next_token`; decoding never panics.

use std::collections::HashMap;

use crate::generate::{number, string};
use arbitrary::{Result, Unstructured};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ddb_cross_account_reader::internals::wire::cursor::{Cursor, Position, StreamCursors};
use ddb_cross_account_reader::internals::wire::token::{decode, encode, Binding, Fingerprint};
use ddb_cross_account_reader::AppError;
use sha2::{Digest, Sha256};

/// hex of this is "0000000000000000", in the seed corpus.
const FP: Fingerprint = Fingerprint([0; 8]);
/// The region every token here is issued for and read in (also where a token without one reads).
const REGION: &str = "us-east-1";
const BOUND: Binding<'static> = Binding { fingerprint: &FP, region: REGION, table_region: REGION };

fn checked(r: std::result::Result<Position, AppError>, streams: u32) -> Option<Position> {
    match r {
        Ok(p) => {
            if let Position::Streams(StreamCursors { cursors, .. }) = &p {
                assert!(!cursors.is_empty(), "a position with nothing to read");
                assert!(cursors.iter().all(|(s, _)| *s < streams), "segment out of range accepted");
            }
            Some(p)
        }
        Err(AppError::InvalidRequest { field: Some(f), message, .. }) if f == "next_token" && !message.is_empty() => {
            None
        }
        Err(e) => panic!("unexpected rejection {e:?}"),
    }
}

fn key(u: &mut Unstructured) -> Result<HashMap<String, AttributeValue>> {
    (0..u.int_in_range(1..=3)?)
        .map(|_| {
            let v = match u.int_in_range(0..=2)? {
                0 => AttributeValue::S(string(u)?),
                1 => AttributeValue::N(number(u)?.to_string()),
                _ => AttributeValue::B(Blob::new(u.arbitrary::<Vec<u8>>()?)),
            };
            Ok((string(u)?, v))
        })
        .collect()
}

fn position(u: &mut Unstructured, streams: u32) -> Result<Position> {
    if u.ratio(1, 4)? {
        return Ok(Position::KeyOffset(u.arbitrary()?));
    }
    let mut cursors = Vec::new();
    for s in 0..streams {
        if cursors.is_empty() && s == streams - 1 || u.ratio(1, 2)? {
            let start_key = if u.ratio(3, 4)? { Some(key(u)?) } else { None };
            cursors.push((s, Cursor { start_key, skip: u.arbitrary()? }));
        }
    }
    Ok(Position::Streams(StreamCursors { page_limit: u.arbitrary()?, cursors }))
}

/// One input: panics when a property does not hold.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let streams = u32::from(mode >> 2 & 7) + 1;
    match mode & 3 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                checked(decode(text, &BOUND, streams), streams);
            }
        }
        1 => {
            let mut bytes = rest.to_vec();
            bytes.extend_from_slice(&Sha256::digest(rest)[..8]);
            checked(decode(&URL_SAFE_NO_PAD.encode(bytes), &BOUND, streams), streams);
        }
        _ => {
            let mut u = Unstructured::new(rest);
            let Ok(p) = position(&mut u, streams) else { return };
            let t = encode(&FP, REGION, &p).expect("a position encodes");
            assert_eq!(checked(decode(&t, &BOUND, streams), streams).as_ref(), Some(&p), "round trip");
            let Ok(at) = u.choose_index(t.len()) else { return };
            let Ok(c) = u.choose(b"AZaz09-_=+/ .") else { return };
            let mut changed = t.clone().into_bytes();
            changed[at] = *c;
            if changed != t.as_bytes() {
                if let Some(q) = checked(decode(std::str::from_utf8(&changed).unwrap(), &BOUND, streams), streams) {
                    assert_eq!(q, p, "a changed token decoded to another position");
                }
            }
        }
    }
}
