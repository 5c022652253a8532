//! The fingerprint a `next_token` is bound to: a hash of the typed request, so two events that mean
//! the same request (keys in another order, a default spelled out, DEFAULT_TABLE or its name, a
//! number as `1` or `{"$N": "1"}`) share their tokens. The fields that only steer paging (`limit`,
//! `page_size`, the token itself) are left out.
//!
//! Every value is written with its length or a presence byte in front, so no two requests write the
//! same bytes; map entries are written in key order, so the order of keys in the event never counts.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};

use super::{Attributes, Operation, Read, Segmentation, Select};
use crate::wire::convert::Item;
use crate::wire::token::Fingerprint;

pub fn fingerprint(table: &str, operation: &Operation) -> Fingerprint {
    let mut w = Writer(Sha256::new());
    // The plain name: ACCESS_MODE=resource_policy addresses the same table by ARN, and a token
    // must stay valid across the two modes (a migration switches mode between two pages).
    w.str(table.rsplit_once(":table/").map_or(table, |(_, name)| name));
    match operation {
        Operation::Scan(scan) => {
            w.str("scan");
            w.read(&scan.read);
            w.segmentation(scan.segmentation);
        }
        Operation::Query(query) => {
            w.str("query");
            w.read(&query.read);
            w.str(&query.key_condition);
            w.bool(query.scan_forward);
        }
        Operation::Get(get) => {
            w.str("get");
            w.item(&get.key);
            w.attributes(&get.attributes);
            w.bool(get.consistent_read);
        }
        Operation::BatchGet(batch) => {
            w.str("batch_get");
            w.len(batch.keys.len());
            batch.keys.iter().for_each(|k| w.item(k));
            w.attributes(&batch.attributes);
            w.bool(batch.consistent_read);
        }
        // Writes and exports take no next_token, so nothing is ever bound to their fingerprint.
        Operation::Put(_)
        | Operation::Update(_)
        | Operation::Delete(_)
        | Operation::BatchWrite(_)
        | Operation::TransactWrite(_)
        | Operation::Export(_)
        | Operation::ExportStatus(_) => w.str(operation.name()),
    }
    let digest = w.0.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    Fingerprint(out)
}

struct Writer(Sha256);

impl Writer {
    fn len(&mut self, n: usize) {
        self.0.update((n as u64).to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.update(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn bool(&mut self, b: bool) {
        self.0.update([u8::from(b)]);
    }

    fn opt<T: ?Sized>(&mut self, v: Option<&T>, write: impl FnOnce(&mut Self, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            write(self, v);
        }
    }

    fn opt_str(&mut self, s: Option<&str>) {
        self.opt(s, |w, s| w.str(s));
    }

    fn read(&mut self, read: &Read) {
        self.opt_str(read.index.as_deref());
        self.opt_str(read.filter.as_deref());
        self.opt(read.values.as_ref(), Self::item);
        self.attributes(&read.attributes);
        self.bool(read.consistent_read);
        // The limit only steers paging; items or count is what the results are.
        self.bool(matches!(read.select, Select::Count));
    }

    fn attributes(&mut self, a: &Attributes) {
        self.opt_str(a.projection.as_deref());
        self.opt(a.names.as_ref(), |w, names: &HashMap<String, String>| {
            let mut entries: Vec<_> = names.iter().collect();
            entries.sort();
            w.len(entries.len());
            for (k, v) in entries {
                w.str(k);
                w.str(v);
            }
        });
    }

    fn segmentation(&mut self, s: Segmentation) {
        let (kind, a, b) = match s {
            Segmentation::Single => (0u8, 0, 0),
            Segmentation::Parallel(n) => (1, n, 0),
            Segmentation::Slice { segment, total } => (2, segment, total),
        };
        self.0.update([kind]);
        self.0.update(a.to_le_bytes());
        self.0.update(b.to_le_bytes());
    }

    fn item(&mut self, item: &Item) {
        let mut entries: Vec<_> = item.iter().collect();
        entries.sort_by(|x, y| x.0.cmp(y.0));
        self.len(entries.len());
        for (k, v) in entries {
            self.str(k);
            self.attr(v);
        }
    }

    fn list<T>(&mut self, items: &[T], each: impl Fn(&mut Self, &T)) {
        self.len(items.len());
        items.iter().for_each(|i| each(self, i));
    }

    fn attr(&mut self, v: &AttributeValue) {
        self.0.update([type_tag(v)]);
        match v {
            AttributeValue::S(s) | AttributeValue::N(s) => self.str(s),
            AttributeValue::B(b) => self.bytes(b.as_ref()),
            AttributeValue::Bool(b) | AttributeValue::Null(b) => self.bool(*b),
            AttributeValue::L(list) => self.list(list, Self::attr),
            AttributeValue::M(m) => self.item(m),
            AttributeValue::Ss(set) | AttributeValue::Ns(set) => self.list(set, |w, s| w.str(s)),
            AttributeValue::Bs(set) => self.list(set, |w, b| w.bytes(b.as_ref())),
            _ => {}
        }
    }
}

fn type_tag(v: &AttributeValue) -> u8 {
    match v {
        AttributeValue::S(_) => 1,
        AttributeValue::N(_) => 2,
        AttributeValue::B(_) => 3,
        AttributeValue::Bool(_) => 4,
        AttributeValue::Null(_) => 5,
        AttributeValue::L(_) => 6,
        AttributeValue::M(_) => 7,
        AttributeValue::Ss(_) => 8,
        AttributeValue::Ns(_) => 9,
        AttributeValue::Bs(_) => 10,
        // Requests are built by `convert`, which makes none of the SDK's other variants.
        _ => 0,
    }
}
