//! The request model: the event's JSON, checked field by field into a typed `Request`. Every
//! rejection names the field and what was expected.
//!
//! `event` reads the JSON shape, `checks` holds the field checks, `fingerprint` the hash a
//! `next_token` is bound to. A token is decoded here, while parsing, into the typed cursor of the
//! operation it continues.

mod checks;
mod event;
mod export;
mod fingerprint;
mod write;

use std::collections::HashMap;

use serde_json::Value;

use crate::wire::convert::Item;
use crate::wire::cursor::{Position, StreamCursors};
use crate::wire::error::AppError;
use crate::wire::token::{self, Fingerprint};
use event::{Op, Wire};

pub use export::{export_client_token, Export, ExportFormat, ExportKind, ExportStatus, ExportTarget};
pub use fingerprint::fingerprint;
pub use write::{
    Action, ActionKind, BatchWrite, Conditions, Delete, Put, ReturnValues, TransactWrite, Update, MAX_TRANSACT_ACTIONS,
};

/// The `op` of the pre-flight check: not a data request, but a name the parser knows (see `Request::parse`).
pub const CHECK_OP: &str = "check";

/// Parallel segments a single invocation may scan at once.
pub const MAX_SEGMENTS: u32 = 64;
/// DynamoDB's TotalSegments maximum.
pub const MAX_TOTAL_SEGMENTS: u32 = 1_000_000;

/// What parsing takes from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestDefaults {
    /// The region of the tables (the client's region); a table ARN must be in it.
    pub table_region: String,
    /// The table of a request that names none.
    pub default_table: Option<String>,
    /// ALLOW_WRITES: without it every write is refused before anything is sent.
    pub allow_writes: bool,
    /// ACCESS_MODE=resource_policy: the main account, whose tables are addressed by ARN.
    pub table_account: Option<String>,
    /// EXPORT_BUCKET and its owner and prefix; `None`: exports are disabled.
    pub exports: Option<ExportTarget>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Plain table name (an ARN is reduced to its name after its region is checked).
    pub table: String,
    /// The region whose client makes the calls (every table of the request is in it).
    pub region: String,
    pub operation: Operation,
    /// Hash of everything that defines the result set; a next_token is only valid for the same one.
    pub fingerprint: Fingerprint,
}

/// One variant per operation, each with only the fields it uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    Scan(Scan),
    Query(Query),
    Get(Get),
    BatchGet(BatchGet),
    Put(Put),
    Update(Update),
    Delete(Delete),
    BatchWrite(BatchWrite),
    TransactWrite(TransactWrite),
    Export(Export),
    ExportStatus(ExportStatus),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub read: Read,
    pub segmentation: Segmentation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub read: Read,
    pub key_condition: String,
    pub scan_forward: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Get {
    pub key: Item,
    pub attributes: Attributes,
    pub consistent_read: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchGet {
    pub keys: Vec<Item>,
    pub attributes: Attributes,
    pub consistent_read: bool,
    /// Index of the first key to fetch (from next_token; 0 at the start).
    pub offset: usize,
}

/// What scan and query share: the paged read of an index or table.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub index: Option<String>,
    pub filter: Option<String>,
    /// `:value` placeholders; never empty.
    pub values: Option<Item>,
    pub attributes: Attributes,
    pub consistent_read: bool,
    pub select: Select,
    /// DynamoDB `Limit` per request.
    pub page_size: Option<i32>,
    /// Where the previous response stopped (from next_token).
    pub resume: Option<StreamCursors>,
}

/// Which attributes come back, and the `#name` placeholders every expression may use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes {
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// At most `limit` items this invocation.
    Items { limit: Option<usize> },
    /// Only the number of matching items.
    Count,
}

impl Select {
    pub fn limit(self) -> Option<usize> {
        match self {
            Select::Items { limit } => limit,
            Select::Count => None,
        }
    }
}

/// How a scan is split into DynamoDB segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmentation {
    /// One sequential scan (or a query).
    Single,
    /// `segments: n` — all n segments, in parallel inside this invocation.
    Parallel(u32),
    /// `segment: i, total_segments: n` — one slice; the other slices are other invocations.
    Slice { segment: u32, total: u32 },
}

impl Segmentation {
    /// (Segment, TotalSegments) of each stream this invocation runs.
    pub fn streams(self) -> Vec<Option<(i32, i32)>> {
        match self {
            Segmentation::Single => vec![None],
            Segmentation::Parallel(n) => (0..n as i32).map(|i| Some((i, n as i32))).collect(),
            Segmentation::Slice { segment, total } => vec![Some((segment as i32, total as i32))],
        }
    }
}

impl Operation {
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Scan(_) => "scan",
            Operation::Query(_) => "query",
            Operation::Get(_) => "get",
            Operation::BatchGet(_) => "batch_get",
            Operation::Put(_) => "put",
            Operation::Update(_) => "update",
            Operation::Delete(_) => "delete",
            Operation::BatchWrite(_) => "batch_write",
            Operation::TransactWrite(_) => "transact_write",
            Operation::Export(_) => "export",
            Operation::ExportStatus(_) => "export_status",
        }
    }

    /// Streams this operation reads in one invocation (what a cursor may name).
    pub fn stream_count(&self) -> u32 {
        match self {
            Operation::Scan(Scan { segmentation: Segmentation::Parallel(n), .. }) => *n,
            _ => 1,
        }
    }

    /// The shared paged read of a scan or query.
    pub fn read(&self) -> Option<&Read> {
        match self {
            Operation::Scan(Scan { read, .. }) | Operation::Query(Query { read, .. }) => Some(read),
            _ => None,
        }
    }
}

impl Request {
    pub fn op_name(&self) -> &'static str {
        self.operation.name()
    }

    pub fn parse(event: Value, defaults: &RequestDefaults) -> Result<Request, AppError> {
        let wire = Wire::read(event)?;
        if wire.op == Op::Check {
            // The handler answers a check before parsing; this is SCHEDULED_REQUEST, which must be data.
            return Err(AppError::invalid(
                "op",
                "`check` is not a data request: send {\"op\": \"check\"} itself (a schedule's input may be it)",
            ));
        }
        if wire.op.writes() && !defaults.allow_writes {
            return Err(AppError::WritesDisabled { op: wire.op.name() });
        }
        checks::fields_fit_op(&wire)?;
        if matches!(wire.op, Op::Export | Op::ExportStatus) {
            return export::parse(wire, defaults, std::time::SystemTime::now());
        }
        let region = checks::region(&wire, defaults)?;
        let table = checks::table_in(wire.table.as_deref(), &region, defaults)?;
        checks::no_empty_strings(&wire)?;
        checks::names(wire.names.as_ref())?;
        let values = checks::values(wire.values.as_ref())?;
        let select = checks::select(&wire)?;
        let page_size = checks::page_size(wire.page_size)?;
        let segmentation = checks::segmentation(&wire)?;
        let next_token = wire.next_token.clone();
        let operation = operation(wire, values, select, page_size, segmentation, (&table, &region), defaults)?;
        let mut request = Request { fingerprint: fingerprint(&table, &operation), table, region, operation };
        if let Some(token) = next_token {
            request.resume_from(&token, &defaults.table_region)?;
        }
        Ok(request)
    }

    /// Decodes `next_token` against this request and keeps where it continues. `table_region`:
    /// where a token issued before requests named regions continues.
    fn resume_from(&mut self, token: &str, table_region: &str) -> Result<(), AppError> {
        let binding = token::Binding { fingerprint: &self.fingerprint, region: &self.region, table_region };
        let position = token::decode(token, &binding, self.operation.stream_count())?;
        match (&mut self.operation, position) {
            (Operation::Scan(Scan { read, .. }) | Operation::Query(Query { read, .. }), Position::Streams(s)) => {
                read.resume = Some(s);
            }
            (Operation::BatchGet(batch), Position::KeyOffset(o)) if o < batch.keys.len() => batch.offset = o,
            (Operation::BatchGet(_), _) => {
                return Err(AppError::invalid(
                    "next_token",
                    "the token does not fit this batch_get's keys; pass it with the same request",
                ))
            }
            (_, Position::KeyOffset(_)) => {
                return Err(AppError::invalid("next_token", "this token belongs to a batch_get, not a scan or query"))
            }
            (other, _) => return Err(AppError::invalid("next_token", format!("not used by op `{}`", other.name()))),
        }
        Ok(())
    }
}

/// The operation the checked wire fields describe.
fn operation(
    wire: Wire,
    values: Option<Item>,
    select: Select,
    page_size: Option<i32>,
    segmentation: Segmentation,
    (table, region): (&str, &str),
    defaults: &RequestDefaults,
) -> Result<Operation, AppError> {
    if matches!(wire.op, Op::Put | Op::Update | Op::Delete) {
        return single_write(wire, values);
    }
    let attributes = Attributes { projection: wire.projection, names: wire.names };
    // Absent and DynamoDB's default mean the same request.
    let consistent_read = wire.consistent_read.unwrap_or(false);
    let read = |attributes| Read {
        index: wire.index,
        filter: wire.filter,
        values,
        attributes,
        consistent_read,
        select,
        page_size,
        resume: None,
    };
    Ok(match wire.op {
        Op::Scan => Operation::Scan(Scan { read: read(attributes), segmentation }),
        Op::Query => {
            let key_condition = checks::key_condition(wire.key_condition)?;
            Operation::Query(Query {
                read: read(attributes),
                key_condition,
                scan_forward: wire.scan_forward.unwrap_or(true),
            })
        }
        Op::Get => Operation::Get(Get { key: checks::key(wire.key.as_ref())?, attributes, consistent_read }),
        Op::BatchGet => Operation::BatchGet(BatchGet {
            keys: checks::keys(wire.keys.as_deref())?,
            attributes,
            consistent_read,
            offset: 0,
        }),
        Op::BatchWrite => Operation::BatchWrite(write::batch_write(wire.puts.as_deref(), wire.deletes.as_deref())?),
        Op::TransactWrite => Operation::TransactWrite(write::transact_write(
            wire.actions,
            wire.client_request_token,
            table,
            region,
            defaults,
        )?),
        // Built above, before the read fields are taken (exports in Request::parse).
        Op::Put | Op::Update | Op::Delete | Op::Export | Op::ExportStatus | Op::Check => {
            return Err(AppError::invalid("op", "not a read"))
        }
    })
}

/// put, update or delete from their wire fields.
fn single_write(wire: Wire, values: Option<Item>) -> Result<Operation, AppError> {
    let conditions =
        write::conditions("", wire.condition, wire.names, values, wire.return_values_on_condition_check_failure)?;
    let fields = write::WriteFields {
        item: wire.item,
        key: wire.key,
        update: wire.update,
        conditions,
        return_values: wire.return_values,
    };
    Ok(match wire.op {
        Op::Put => Operation::Put(fields.put("")?),
        Op::Update => Operation::Update(fields.update("")?),
        _ => Operation::Delete(fields.delete("")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use serde_json::json;

    fn config() -> RequestDefaults {
        RequestDefaults {
            table_region: "us-east-1".into(),
            default_table: Some("orders".into()),
            allow_writes: true,
            table_account: None,
            exports: None,
        }
    }

    fn field_of(v: Value) -> String {
        match Request::parse(v.clone(), &config()) {
            Err(AppError::InvalidRequest { field: Some(f), message, .. }) => {
                assert!(!message.is_empty());
                f
            }
            Err(AppError::InvalidRequest { field: None, message, .. }) => format!("<root> {message}"),
            other => panic!("{v} should be rejected, got {other:?}"),
        }
    }

    #[test]
    fn a_full_scan_request_parses() {
        let r = Request::parse(
            json!({"op": "scan", "index": "by_status", "filter": "#s = :s", "names": {"#s": "status"},
            "values": {":s": "open"}, "limit": 10, "page_size": 5, "segments": 4}),
            &config(),
        )
        .unwrap();
        assert_eq!(r.table, "orders");
        match r.operation {
            Operation::Scan(Scan { read, segmentation }) => {
                assert_eq!(segmentation, Segmentation::Parallel(4));
                assert_eq!((read.select.limit(), read.page_size), (Some(10), Some(5)));
                assert_eq!(read.index.as_deref(), Some("by_status"));
                assert_eq!(read.values.unwrap()[":s"], AttributeValue::S("open".into()));
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn bad_requests_name_their_field() {
        let cases = [
            (json!({"op": "drop"}), "op"),
            (json!({"table": "orders"}), "<root> missing field `op`"),
            (json!({"op": "scan", "limit": 0}), "limit"),
            (json!({"op": "scan", "limit": -3}), "limit"),
            (json!({"op": "scan", "limit": "ten"}), "limit"),
            (json!({"op": "scan", "limit": 1.5}), "limit"),
            (json!({"op": "scan", "page_size": 0}), "page_size"),
            (json!({"op": "scan", "segment": 4, "total_segments": 4}), "segment"),
            (json!({"op": "scan", "segment": -1, "total_segments": 4}), "segment"),
            (json!({"op": "scan", "segment": 1}), "total_segments"),
            (json!({"op": "scan", "segments": 65}), "segments"),
            (json!({"op": "scan", "segments": 2, "segment": 0, "total_segments": 2}), "segments"),
            (json!({"op": "query"}), "key_condition"),
            (json!({"op": "get"}), "key"),
            (json!({"op": "get", "key": "pk"}), "key"),
            (json!({"op": "get", "key": {}}), "key"),
            (json!({"op": "get", "key": {"pk": "a"}, "limit": 1}), "limit"),
            (json!({"op": "batch_get"}), "keys"),
            (json!({"op": "batch_get", "keys": []}), "keys"),
            (json!({"op": "batch_get", "keys": [{"pk": "a"}, {"pk": "a"}]}), "keys[1]"),
            (json!({"op": "batch_get", "keys": [{"pk": {"$B": "%%"}}]}), "keys[0].pk.$B"),
            (json!({"op": "scan", "table": "a b"}), "table"),
            (json!({"op": "scan", "table": "arn:aws:dynamodb:Mars:111111111111:table/orders"}), "table"),
            (json!({"op": "scan", "region": "Mars"}), "region"),
            (json!({"op": "scan", "region": ""}), "region"),
            (json!({"op": "scan", "region": 2}), "region"),
            (
                json!({"op": "scan", "region": "us-east-1",
                       "table": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"}),
                "region",
            ),
            (json!({"op": "export", "region": "us-west-2"}), "region"),
            (
                json!({"op": "transact_write", "region": "us-west-2", "actions": [{"put": {"item": {"pk": 1},
                       "table": "arn:aws:dynamodb:us-east-1:111111111111:table/orders"}}]}),
                "actions[0].put.table",
            ),
            (json!({"op": "scan", "values": {"v": 1}}), "values.v"),
            (json!({"op": "scan", "names": {"n": "x"}}), "names.n"),
            (json!({"op": "scan", "select": "all"}), "select"),
            (json!({"op": "scan", "select": "count", "projection": "pk"}), "projection"),
            (json!({"op": "scan", "consistent_read": "yes"}), "consistent_read"),
            (json!({"op": "scan", "scan_forward": false}), "scan_forward"),
            (json!({"op": "scan", "filter": ""}), "filter"),
        ];
        for (v, field) in cases {
            assert_eq!(field_of(v.clone()), field, "{v}");
        }
        let e = Request::parse(json!({"op": "scan", "tabel": "orders"}), &config()).unwrap_err().to_string();
        assert!(e.contains("unknown field `tabel`") && e.contains("`table`"), "{e}");
        assert!(field_of(json!([1])).contains("expected a JSON object"));
    }

    #[test]
    fn writes_parse_into_their_own_variants() {
        let parse = |v: Value| Request::parse(v, &config()).unwrap().operation;
        match parse(json!({"op": "put", "table": "ledger", "item": {"pk": "a", "n": 1},
            "condition": "attribute_not_exists(pk)", "return_values": "all_old",
            "return_values_on_condition_check_failure": "all_old"}))
        {
            Operation::Put(p) => {
                assert_eq!(p.item["n"], AttributeValue::N("1".into()));
                assert_eq!(p.return_values, ReturnValues::AllOld);
                assert!(p.conditions.old_item_on_failure);
                assert_eq!(p.conditions.condition.as_deref(), Some("attribute_not_exists(pk)"));
            }
            o => panic!("{o:?}"),
        }
        match parse(json!({"op": "update", "key": {"pk": "a"}, "update": "SET #n = :n",
            "names": {"#n": "n"}, "values": {":n": 2}, "return_values": "updated_new"}))
        {
            Operation::Update(u) => {
                assert_eq!((u.update.as_str(), u.return_values), ("SET #n = :n", ReturnValues::UpdatedNew));
                assert_eq!(u.conditions.values.unwrap()[":n"], AttributeValue::N("2".into()));
                assert!(!u.conditions.old_item_on_failure);
            }
            o => panic!("{o:?}"),
        }
        match parse(json!({"op": "batch_write", "puts": [{"pk": "a"}], "deletes": [{"pk": "b"}, {"pk": "c"}]})) {
            Operation::BatchWrite(b) => assert_eq!((b.puts.len(), b.deletes.len()), (1, 2)),
            o => panic!("{o:?}"),
        }
        match parse(json!({"op": "transact_write", "client_request_token": "t1", "actions": [
            {"put": {"item": {"pk": "a"}}},
            {"condition_check": {"table": "customers", "key": {"pk": "b"}, "condition": "attribute_exists(pk)"}}]}))
        {
            Operation::TransactWrite(t) => {
                assert_eq!(t.client_request_token.as_deref(), Some("t1"));
                assert_eq!(t.actions[0].table, "orders", "DEFAULT_TABLE when the action names none");
                assert_eq!(t.actions[1].table, "customers");
                assert!(matches!(t.actions[1].kind, ActionKind::ConditionCheck { .. }));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn bad_writes_name_their_field() {
        let put = |pk: usize| json!({"put": {"item": {"pk": pk}}});
        let many: Vec<Value> = (0..=MAX_TRANSACT_ACTIONS).map(put).collect();
        let cases = [
            (json!({"op": "put"}), "item"),
            (json!({"op": "put", "item": {}}), "item"),
            (json!({"op": "put", "key": {"pk": "a"}}), "key"),
            (json!({"op": "put", "item": {"pk": "a"}, "return_values": "all_new"}), "return_values"),
            (json!({"op": "put", "item": {"pk": "a"}, "return_values": "everything"}), "return_values"),
            (json!({"op": "delete"}), "key"),
            (json!({"op": "delete", "key": {"pk": "a"}, "return_values": "updated_new"}), "return_values"),
            (json!({"op": "delete", "key": {"pk": "a"}, "update": "SET a = :a"}), "update"),
            (json!({"op": "update", "key": {"pk": "a"}}), "update"),
            (json!({"op": "update", "update": "SET a = :a"}), "key"),
            (json!({"op": "update", "key": {"pk": "a"}, "update": " "}), "update"),
            (
                json!({"op": "update", "key": {"pk": "a"}, "update": "SET a = :a",
                    "return_values_on_condition_check_failure": "all_new"}),
                "return_values_on_condition_check_failure",
            ),
            (json!({"op": "put", "item": {"pk": "a"}, "projection": "pk"}), "projection"),
            (json!({"op": "put", "item": {"pk": "a"}, "consistent_read": true}), "consistent_read"),
            (json!({"op": "put", "item": {"pk": "a"}, "next_token": "x"}), "next_token"),
            (json!({"op": "batch_write"}), "puts"),
            (json!({"op": "batch_write", "puts": [], "deletes": []}), "puts"),
            (json!({"op": "batch_write", "puts": [{}]}), "puts[0]"),
            (json!({"op": "batch_write", "deletes": [{"pk": "a"}, {"pk": {"$B": "%"}}]}), "deletes[1].pk.$B"),
            (json!({"op": "batch_write", "puts": [{"pk": "a"}], "return_values": "all_old"}), "return_values"),
            (json!({"op": "batch_write", "puts": [{"pk": "a"}], "condition": "x"}), "condition"),
            (json!({"op": "transact_write"}), "actions"),
            (json!({"op": "transact_write", "actions": []}), "actions"),
            (json!({"op": "transact_write", "actions": many}), "actions"),
            (json!({"op": "transact_write", "actions": [put(1)], "client_request_token": ""}), "client_request_token"),
            (json!({"op": "transact_write", "actions": [{"put": {}}]}), "actions[0].put.item"),
            (json!({"op": "transact_write", "actions": [{"drop": {}}]}), "actions[0]"),
            (
                json!({"op": "transact_write", "actions": [put(1), {"delete": {"item": {"pk": 1}}}]}),
                "actions[1].delete.item",
            ),
            (json!({"op": "transact_write", "actions": [{"update": {"key": {"pk": 1}}}]}), "actions[0].update.update"),
            (
                json!({"op": "transact_write", "actions": [{"condition_check": {"key": {"pk": 1}}}]}),
                "actions[0].condition_check.condition",
            ),
            (
                json!({"op": "transact_write", "actions": [{"put": {"item": {"pk": 1}, "return_values": "all_old"}}]}),
                "actions[0].put.return_values",
            ),
            (
                json!({"op": "transact_write", "actions": [{"put": {"item": {"pk": 1}, "values": {"v": 1}}}]}),
                "actions[0].put.values.v",
            ),
            (
                json!({"op": "transact_write", "actions": [{"put": {"item": {"pk": 1}, "table": "a b"}}]}),
                "actions[0].put.table",
            ),
            (json!({"op": "transact_write", "actions": [put(1)], "values": {":v": 1}}), "values"),
        ];
        for (v, field) in cases {
            assert_eq!(field_of(v.clone()), field, "{v}");
        }
    }

    #[test]
    fn writes_are_refused_unless_allowed_and_the_error_names_the_setting() {
        let off = RequestDefaults { allow_writes: false, ..config() };
        for op in ["put", "update", "delete", "batch_write", "transact_write"] {
            let e = Request::parse(json!({"op": op}), &off).unwrap_err();
            assert_eq!(e.error_type(), "WritesDisabled", "{op}: {e}");
            assert!(e.to_string().contains("ALLOW_WRITES=true") && e.to_string().contains(op), "{e}");
        }
        Request::parse(json!({"op": "scan"}), &off).expect("reads are not affected");
    }

    #[test]
    fn a_request_reads_its_region_its_arns_region_or_table_region() {
        let parse = |e: Value| Request::parse(e, &config());
        let region = |event: Value| parse(event).unwrap().region;
        assert_eq!(region(json!({"op": "scan"})), "us-east-1", "TABLE_REGION by default");
        assert_eq!(region(json!({"op": "scan", "region": "us-west-2"})), "us-west-2");
        let west = "arn:aws:dynamodb:us-west-2:111111111111:table/orders";
        let r = parse(json!({"op": "scan", "table": west})).unwrap();
        assert_eq!((r.table.as_str(), r.region.as_str()), ("orders", "us-west-2"));
        assert_eq!(region(json!({"op": "get", "table": west, "region": "us-west-2", "key": {"pk": "a"}})), "us-west-2");
        // The same request in two regions shares a fingerprint: the token's region tells them apart.
        let fp = |e: Value| parse(e).unwrap().fingerprint;
        assert_eq!(fp(json!({"op": "scan", "region": "us-west-2"})), fp(json!({"op": "scan", "table": west})));
    }

    #[test]
    fn a_token_is_refused_in_another_region() {
        let parse = |e: Value| Request::parse(e, &config());
        let west = parse(json!({"op": "scan", "region": "us-west-2"})).unwrap();
        let position = Position::Streams(StreamCursors {
            page_limit: None,
            cursors: vec![(0, crate::wire::cursor::Cursor { start_key: None, skip: 1 })],
        });
        let token = token::encode(&west.fingerprint, &west.region, &position).unwrap();
        assert!(parse(json!({"op": "scan", "region": "us-west-2", "next_token": token})).is_ok());
        let e = parse(json!({"op": "scan", "next_token": token})).unwrap_err().to_string();
        assert!(e.contains("`next_token`") && e.contains("us-west-2") && e.contains("us-east-1"), "{e}");
    }

    #[test]
    fn table_arn_in_the_table_region_is_reduced_to_its_name() {
        let r = Request::parse(
            json!({"op": "scan", "table": "arn:aws:dynamodb:us-east-1:111111111111:table/orders"}),
            &config(),
        )
        .unwrap();
        assert_eq!(r.table, "orders");
    }

    #[test]
    fn fingerprint_ignores_pagination_fields_only() {
        let fp = |v: Value| Request::parse(v, &config()).unwrap().fingerprint;
        let base = fp(json!({"op": "scan", "table": "orders"}));
        assert_eq!(base, fp(json!({"op": "scan"})), "DEFAULT_TABLE resolves to the same table");
        let token = token_for(base, 1);
        assert_eq!(base, fp(json!({"op": "scan", "limit": 3, "page_size": 7, "next_token": token})));
        assert_ne!(base, fp(json!({"op": "scan", "table": "customers"})));
        assert_ne!(base, fp(json!({"op": "scan", "filter": "a = :a", "values": {":a": 1}})));
        assert_ne!(base, fp(json!({"op": "scan", "segments": 2})));
    }

    /// A token for a scan with `streams` streams, continuing the last one.
    fn token_for(fingerprint: Fingerprint, streams: u32) -> String {
        let position = Position::Streams(StreamCursors {
            page_limit: Some(7),
            cursors: vec![(streams - 1, crate::wire::cursor::Cursor::default())],
        });
        token::encode(&fingerprint, "us-east-1", &position).unwrap()
    }

    #[test]
    fn requests_that_mean_the_same_accept_each_others_tokens() {
        let parse = |v: Value| Request::parse(v, &config());
        let plain = parse(json!({"op": "scan"})).unwrap();
        let spelled_out = parse(json!({"op": "scan", "consistent_read": false})).unwrap();
        assert_eq!(plain.fingerprint, spelled_out.fingerprint);
        let from_plain = token_for(plain.fingerprint, 1);
        let from_spelled_out = token_for(spelled_out.fingerprint, 1);
        parse(json!({"op": "scan", "consistent_read": false, "next_token": from_plain}))
            .expect("accepts the other's token");
        parse(json!({"op": "scan", "next_token": from_spelled_out})).expect("accepts the other's token");
        // ...while a request that reads differently does not
        let strong = parse(json!({"op": "scan", "consistent_read": true, "next_token": from_plain})).unwrap_err();
        assert!(
            strong.to_string().contains("`next_token`") && strong.to_string().contains("different request"),
            "{strong}"
        );
        let same = |a: Value, b: Value| {
            assert_eq!(parse(a.clone()).unwrap().fingerprint, parse(b.clone()).unwrap().fingerprint, "{a} ~ {b}")
        };
        same(json!({"op": "scan", "select": "items"}), json!({"op": "scan"}));
        same(
            json!({"op": "query", "key_condition": "pk = :p", "values": {":p": 1}, "scan_forward": true}),
            json!({"op": "query", "key_condition": "pk = :p", "values": {":p": {"$N": "1"}}}),
        );
        same(json!({"op": "scan", "values": {}}), json!({"op": "scan"}));
    }

    #[test]
    fn a_token_is_decoded_while_parsing_into_the_operations_cursor() {
        let parse = |v: Value| Request::parse(v, &config());
        let scan = parse(json!({"op": "scan", "segments": 3})).unwrap();
        let token = token_for(scan.fingerprint, 3);
        let resumed = parse(json!({"op": "scan", "segments": 3, "next_token": token})).unwrap();
        let cursors = resumed.operation.read().and_then(|r| r.resume.clone()).expect("a cursor");
        assert_eq!(cursors.page_limit, Some(7));
        assert_eq!(cursors.cursors.iter().map(|c| c.0).collect::<Vec<_>>(), vec![2]);
        let e = parse(json!({"op": "scan", "next_token": "not a token!"})).unwrap_err();
        assert!(matches!(&e, AppError::InvalidRequest { field: Some(f), .. } if f == "next_token"), "{e:?}");
        let batch = parse(json!({"op": "batch_get", "keys": [{"pk": "a"}, {"pk": "b"}]})).unwrap();
        let at = |o| token::encode(&batch.fingerprint, "us-east-1", &Position::KeyOffset(o)).unwrap();
        let resumed =
            parse(json!({"op": "batch_get", "keys": [{"pk": "a"}, {"pk": "b"}], "next_token": at(1)})).unwrap();
        assert!(matches!(resumed.operation, Operation::BatchGet(BatchGet { offset: 1, .. })));
        let e = parse(json!({"op": "batch_get", "keys": [{"pk": "a"}, {"pk": "b"}], "next_token": at(2)})).unwrap_err();
        assert!(e.to_string().contains("does not fit"), "{e}");
    }

    #[test]
    fn key_order_changes_neither_the_fingerprint_nor_duplicate_detection() {
        let parse = |text: &str| Request::parse(serde_json::from_str(text).unwrap(), &config());
        let a = parse(
            r#"{"op": "scan", "table": "orders", "filter": "a = :a", "values": {":a": 1, ":b": {"x": 1, "y": 2}}}"#,
        );
        let b = parse(
            r#"{"values": {":b": {"y": 2, "x": 1}, ":a": 1}, "filter": "a = :a", "table": "orders", "op": "scan"}"#,
        );
        assert_eq!(a.unwrap().fingerprint, b.unwrap().fingerprint);
        let dup = parse(r#"{"op": "batch_get", "keys": [{"pk": "a", "sk": "b"}, {"sk": "b", "pk": "a"}]}"#);
        assert!(matches!(&dup, Err(AppError::InvalidRequest { field: Some(f), .. }) if f == "keys[1]"), "{dup:?}");
    }
}
