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
//! - a next_token minted for the request decodes for it.
#![no_main]

use ddb_cross_account_reader::config::Config;
use ddb_cross_account_reader::error::AppError;
use ddb_cross_account_reader::request::{Kind, Request, Segmentation};
use ddb_cross_account_reader::token::{self, Cursor, Position};
use ddb_cross_account_reader_fuzz::{arbitrary::Unstructured, request};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

fn configs() -> &'static [Config; 2] {
    static C: OnceLock<[Config; 2]> = OnceLock::new();
    C.get_or_init(|| {
        let make = |default_table: Option<&str>| {
            Config::from_env(|k| match k {
                "ROLE_ARN" => {
                    Some("arn:aws:iam::111111111111:role/local-ddb_cross_acc_access_role-222222222222".into())
                }
                "AWS_REGION" => Some("us-east-1".into()),
                "DEFAULT_TABLE" => default_table.map(str::to_string),
                _ => None,
            })
            .expect("fuzz config is valid")
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

fuzz_target!(|data: &[u8]| {
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
        Err(AppError::InvalidRequest { field, message }) => {
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

            let mut unpaged = event.clone();
            for k in ["next_token", "limit", "page_size"] {
                unpaged.as_object_mut().expect("a request is an object").remove(k);
            }
            let plain = Request::parse(unpaged, config)
                .unwrap_or_else(|e| panic!("dropping paging fields made {event} invalid: {e}"));
            assert_eq!(plain.fingerprint, req.fingerprint, "paging fields changed the fingerprint of {event}");

            let streams = match &req.kind {
                Kind::Scan(s) | Kind::Query(s) => match s.segmentation {
                    Segmentation::Parallel(n) => n,
                    _ => 1,
                },
                _ => 1,
            };
            let position = Position::Streams { page_limit: Some(7), cursors: vec![(streams - 1, Cursor::default())] };
            let t = token::encode(&req.fingerprint, &position).expect("encode");
            assert_eq!(token::decode(&t, &req.fingerprint, streams).expect("own token decodes"), position);
        }
    }
});
