//! Request parsing: any event must give a typed request or an InvalidRequest naming what is wrong,
//! never a panic. Input byte 0 picks the mode: even = the rest is raw JSON text (as Lambda delivers
//! it), odd = a request-shaped object built from the rest (real field names, boundary values).
//!
//! Properties checked on top of "no panic":
//! - a rejection is always InvalidRequest with a non-empty message (and a non-empty field when named);
//! - parsing is deterministic (same fingerprint twice);
//! - the fingerprint ignores exactly the paging fields: dropping next_token, limit and page_size from
//!   an accepted request is still accepted with the same fingerprint;
//! - the fingerprint does not depend on the order of keys in the event (JSON objects are unordered,
//!   and callers re-serialize requests);
//! - a next_token minted for the request is accepted with it, into the cursor it was minted from.

use crate::generate::request;
use arbitrary::Unstructured;
use ddb_cross_account_reader::internals::wire::cursor::{Cursor, Position, StreamCursors};
use ddb_cross_account_reader::internals::wire::request::{BatchGet, ExportTarget, Operation, Request, RequestDefaults};
use ddb_cross_account_reader::internals::wire::token;
use ddb_cross_account_reader::AppError;
use serde_json::Value;
use std::sync::OnceLock;

fn configs() -> &'static [RequestDefaults; 2] {
    static C: OnceLock<[RequestDefaults; 2]> = OnceLock::new();
    C.get_or_init(|| {
        let make = |default_table: Option<&str>| RequestDefaults {
            table_region: "us-east-1".into(),
            default_table: default_table.map(str::to_string),
            allow_writes: true,
            table_account: None,
            // Exports on in one configuration, off in the other: both paths of `export` are parsed.
            exports: default_table.map(|_| ExportTarget {
                bucket: "consumer-exports".into(),
                bucket_owner: "222222222222".into(),
                prefix: "exports".into(),
            }),
        };
        [make(None), make(Some("orders"))]
    })
}

/// The same JSON with the keys of every object in reverse order.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(reversed).collect()),
        Value::Object(m) => Value::Object(m.iter().rev().map(|(k, v)| (k.clone(), reversed(v))).collect()),
        other => other.clone(),
    }
}

/// One input: panics when a property does not hold.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let event: Value = if mode % 2 == 0 {
        match serde_json::from_slice(rest) {
            Ok(v) => v,
            Err(_) => return,
        }
    } else {
        match request(&mut Unstructured::new(rest)) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    let config = &configs()[usize::from(mode >> 1 & 1)];
    match Request::parse(event.clone(), config) {
        Err(AppError::InvalidRequest { field, message, .. }) => {
            assert!(!message.is_empty(), "empty message for {event}");
            assert!(field.as_deref().is_none_or(|f| !f.is_empty()), "empty field name for {event}");
        }
        Err(other) => panic!("parse returned {other:?} (only InvalidRequest is expected) for {event}"),
        Ok(req) => {
            let again = Request::parse(event.clone(), config).expect("accepted once, accepted twice");
            assert_eq!(again.fingerprint, req.fingerprint, "fingerprint not deterministic for {event}");

            let reordered = Request::parse(reversed(&event), config)
                .unwrap_or_else(|e| panic!("reordering keys made {event} invalid: {e}"));
            assert_eq!(reordered.fingerprint, req.fingerprint, "key order changed the fingerprint of {event}");

            let plain = Request::parse(unpaged_event(&event), config)
                .unwrap_or_else(|e| panic!("dropping paging fields made {event} invalid: {e}"));
            assert_eq!(plain.fingerprint, req.fingerprint, "paging fields changed the fingerprint of {event}");

            // A token minted for the request (continuing its last stream, or its last key) is
            // accepted with it and decodes to the cursor it was minted from.
            let position = match &req.operation {
                // Neither a get, a write nor an export continues with a token.
                Operation::Get(_)
                | Operation::Export(_)
                | Operation::ExportStatus(_)
                | Operation::Put(_)
                | Operation::Update(_)
                | Operation::Delete(_)
                | Operation::BatchWrite(_)
                | Operation::TransactWrite(_) => return,
                Operation::BatchGet(BatchGet { keys, .. }) => Position::KeyOffset(keys.len() - 1),
                op => Position::Streams(StreamCursors {
                    page_limit: Some(7),
                    cursors: vec![(op.stream_count() - 1, Cursor::default())],
                }),
            };
            let t = token::encode(&req.fingerprint, &req.region, &position).expect("encode");
            let mut continued = unpaged_event(&event);
            continued.as_object_mut().expect("a request is an object").insert("next_token".into(), Value::String(t));
            let resumed =
                Request::parse(continued, config).unwrap_or_else(|e| panic!("own token rejected for {event}: {e}"));
            assert_eq!(resumed.fingerprint, req.fingerprint);
            match (&resumed.operation, position) {
                (Operation::BatchGet(b), Position::KeyOffset(o)) => assert_eq!(b.offset, o),
                (op, Position::Streams(s)) => assert_eq!(op.read().and_then(|r| r.resume.as_ref()), Some(&s)),
                (op, p) => panic!("{p:?} resumed {op:?}"),
            }
        }
    }
}

/// The event without its paging fields.
fn unpaged_event(event: &Value) -> Value {
    let mut unpaged = event.clone();
    for k in ["next_token", "limit", "page_size"] {
        unpaged.as_object_mut().expect("a request is an object").remove(k);
    }
    unpaged
}
