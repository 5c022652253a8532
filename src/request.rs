//! The request model: the event's JSON, checked field by field into a typed `Request`.
//! Every rejection names the field and what was expected.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::convert::{json_map_to_item, Item};
use crate::error::AppError;

/// Parallel segments a single invocation may scan at once.
pub const MAX_SEGMENTS: u32 = 64;
/// DynamoDB's TotalSegments maximum.
pub const MAX_TOTAL_SEGMENTS: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Scan,
    Query,
    Get,
    BatchGet,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Scan => "scan",
            Op::Query => "query",
            Op::Get => "get",
            Op::BatchGet => "batch_get",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Select {
    Items,
    Count,
}

/// The event as sent. Integers are read as i64 so `0` or `-1` get our message, not serde's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    op: Op,
    table: Option<String>,
    index: Option<String>,
    key: Option<Map<String, Value>>,
    keys: Option<Vec<Map<String, Value>>>,
    key_condition: Option<String>,
    filter: Option<String>,
    projection: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<Map<String, Value>>,
    consistent_read: Option<bool>,
    scan_forward: Option<bool>,
    select: Option<Select>,
    limit: Option<i64>,
    page_size: Option<i64>,
    segments: Option<i64>,
    segment: Option<i64>,
    total_segments: Option<i64>,
    next_token: Option<String>,
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

#[derive(Debug, Clone, PartialEq)]
pub struct ReadSpec {
    pub index: Option<String>,
    pub filter: Option<String>,
    pub count_only: bool,
    pub limit: Option<usize>,
    pub page_size: Option<i32>,
    /// Query only.
    pub key_condition: Option<String>,
    pub scan_forward: Option<bool>,
    pub segmentation: Segmentation,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Scan(ReadSpec),
    Query(ReadSpec),
    Get { key: Item },
    BatchGet { keys: Vec<Item> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub op: Op,
    /// Plain table name (an ARN is reduced to its name after its region is checked).
    pub table: String,
    pub kind: Kind,
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<Item>,
    pub consistent_read: Option<bool>,
    pub next_token: Option<String>,
    /// Hash of everything that defines the result set; a next_token is only valid for the same one.
    pub fingerprint: [u8; 8],
}

impl Request {
    pub fn op_name(&self) -> &'static str {
        self.op.name()
    }

    pub fn parse(event: Value, config: &Config) -> Result<Request, AppError> {
        if !event.is_object() {
            return Err(AppError::InvalidRequest {
                field: None,
                message: format!(
                    "expected a JSON object like {{\"op\": \"scan\", \"table\": \"NAME\"}}, got {}",
                    kind_of(&event)
                ),
            });
        }
        let fingerprint_source = event.clone();
        let wire: Wire = serde_path_to_error::deserialize(event).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            if path == "." || path.is_empty() {
                AppError::InvalidRequest { field: None, message }
            } else {
                AppError::invalid(path, message)
            }
        })?;
        let op = wire.op;
        let not_for = |field: &str, present: bool, allowed: &[Op]| -> Result<(), AppError> {
            if present && !allowed.contains(&op) {
                let names: Vec<&str> = allowed.iter().map(|o| o.name()).collect();
                return Err(AppError::invalid(
                    field,
                    format!("not used by op `{}` (only by {})", op.name(), names.join(", ")),
                ));
            }
            Ok(())
        };
        use Op::*;
        not_for("index", wire.index.is_some(), &[Scan, Query])?;
        not_for("key", wire.key.is_some(), &[Get])?;
        not_for("keys", wire.keys.is_some(), &[BatchGet])?;
        not_for("key_condition", wire.key_condition.is_some(), &[Query])?;
        not_for("filter", wire.filter.is_some(), &[Scan, Query])?;
        not_for("scan_forward", wire.scan_forward.is_some(), &[Query])?;
        not_for("select", wire.select.is_some(), &[Scan, Query])?;
        not_for("limit", wire.limit.is_some(), &[Scan, Query])?;
        not_for("page_size", wire.page_size.is_some(), &[Scan, Query])?;
        not_for("segments", wire.segments.is_some(), &[Scan])?;
        not_for("segment", wire.segment.is_some(), &[Scan])?;
        not_for("total_segments", wire.total_segments.is_some(), &[Scan])?;
        not_for("next_token", wire.next_token.is_some(), &[Scan, Query, BatchGet])?;

        let table = match wire.table.as_deref().or(config.default_table.as_deref()) {
            Some(t) => parse_table(t)?,
            None => {
                return Err(AppError::invalid(
                    "table",
                    "required: the request names no table and DEFAULT_TABLE is not set",
                ))
            }
        };
        let table = match table {
            TableRef::Name(n) => n,
            TableRef::Arn { region, name, .. } => {
                if region != config.table_region {
                    return Err(AppError::invalid(
                        "table",
                        format!(
                            "the table ARN is in region {region} but this function reads region {} (TABLE_REGION)",
                            config.table_region
                        ),
                    ));
                }
                name
            }
        };

        for (field, v) in [
            ("index", &wire.index),
            ("key_condition", &wire.key_condition),
            ("filter", &wire.filter),
            ("projection", &wire.projection),
            ("next_token", &wire.next_token),
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                return Err(AppError::invalid(field, "must not be empty (omit it instead)"));
            }
        }
        if let Some(names) = &wire.names {
            for (k, v) in names {
                if !k.starts_with('#') || k.len() < 2 {
                    return Err(AppError::invalid(
                        format!("names.{k}"),
                        "placeholder names start with `#`, e.g. {\"#s\": \"status\"}",
                    ));
                }
                if v.is_empty() {
                    return Err(AppError::invalid(
                        format!("names.{k}"),
                        "expected an attribute name, got an empty string",
                    ));
                }
            }
        }
        let values = match &wire.values {
            Some(map) => {
                for k in map.keys() {
                    if !k.starts_with(':') || k.len() < 2 {
                        return Err(AppError::invalid(
                            format!("values.{k}"),
                            "placeholder values start with `:`, e.g. {\":pk\": \"c1\"}",
                        ));
                    }
                }
                Some(json_map_to_item(map, "values")?)
            }
            None => None,
        };

        let positive = |field: &str, v: Option<i64>, max: i64| -> Result<Option<i64>, AppError> {
            match v {
                Some(n) if n < 1 || n > max => {
                    Err(AppError::invalid(field, format!("expected an integer from 1 to {max}, got {n}")))
                }
                other => Ok(other),
            }
        };
        let count_only = wire.select == Some(Select::Count);
        if count_only && wire.projection.is_some() {
            return Err(AppError::invalid(
                "projection",
                "not used with select `count` (nothing is returned to project)",
            ));
        }
        if count_only && wire.limit.is_some() {
            return Err(AppError::invalid(
                "limit",
                "not used with select `count`: a count returns no items (use page_size to bound reads)",
            ));
        }
        let limit = positive("limit", wire.limit, i64::from(u32::MAX))?.map(|n| n as usize);
        let page_size = positive("page_size", wire.page_size, i64::from(i32::MAX))?.map(|n| n as i32);

        let segmentation = match (wire.segments, wire.segment, wire.total_segments) {
            (None, None, None) => Segmentation::Single,
            (Some(n), None, None) => Segmentation::Parallel(positive("segments", Some(n), i64::from(MAX_SEGMENTS))?.unwrap_or(1) as u32),
            (Some(_), _, _) => return Err(AppError::invalid("segments", "use either `segments` (parallel inside this invocation) or `segment` + `total_segments` (one slice), not both")),
            (None, Some(_), None) => return Err(AppError::invalid("total_segments", "required with `segment`")),
            (None, None, Some(_)) => return Err(AppError::invalid("segment", "required with `total_segments`")),
            (None, Some(i), Some(n)) => {
                let total = positive("total_segments", Some(n), i64::from(MAX_TOTAL_SEGMENTS))?.unwrap_or(1) as u32;
                if i < 0 || i >= i64::from(total) {
                    return Err(AppError::invalid("segment", format!("expected an integer from 0 to total_segments - 1 ({}), got {i}", total - 1)));
                }
                Segmentation::Slice { segment: i as u32, total }
            }
        };

        let spec = ReadSpec {
            index: wire.index.clone(),
            filter: wire.filter.clone(),
            count_only,
            limit,
            page_size,
            key_condition: wire.key_condition.clone(),
            scan_forward: wire.scan_forward,
            segmentation,
        };
        let kind = match op {
            Scan => Kind::Scan(spec),
            Query => {
                if spec.key_condition.is_none() {
                    return Err(AppError::invalid(
                        "key_condition",
                        "required for op `query`, e.g. \"pk = :pk\" with values {\":pk\": ...}",
                    ));
                }
                Kind::Query(spec)
            }
            Get => match &wire.key {
                Some(key) if !key.is_empty() => Kind::Get { key: json_map_to_item(key, "key")? },
                Some(_) => {
                    return Err(AppError::invalid(
                        "key",
                        "expected the full primary key, e.g. {\"pk\": \"a\", \"sk\": \"b\"}, got {}",
                    ))
                }
                None => {
                    return Err(AppError::invalid(
                        "key",
                        "required for op `get`: the item's full primary key, e.g. {\"pk\": \"a\"}",
                    ))
                }
            },
            BatchGet => {
                let keys = wire.keys.as_deref().unwrap_or_default();
                if wire.keys.is_none() {
                    return Err(AppError::invalid("keys", "required for op `batch_get`: a list of primary keys"));
                }
                if keys.is_empty() {
                    return Err(AppError::invalid("keys", "expected at least one key"));
                }
                // BatchGetItem rejects a request containing the same key twice; say which one.
                let mut seen = HashSet::with_capacity(keys.len());
                let mut out = Vec::with_capacity(keys.len());
                for (i, key) in keys.iter().enumerate() {
                    let path = format!("keys[{i}]");
                    if key.is_empty() {
                        return Err(AppError::invalid(path, "expected a primary key object, got {}"));
                    }
                    let mut canonical = Value::Object(key.clone());
                    canonical.sort_all_objects();
                    if !seen.insert(serde_json::to_string(&canonical).unwrap_or_default()) {
                        return Err(AppError::invalid(path, "duplicate key (each key may appear once)"));
                    }
                    out.push(json_map_to_item(key, &path)?);
                }
                Kind::BatchGet { keys: out }
            }
        };

        Ok(Request {
            op,
            fingerprint: fingerprint(fingerprint_source, &table),
            table,
            kind,
            projection: wire.projection,
            names: wire.names,
            values,
            consistent_read: wire.consistent_read,
            next_token: wire.next_token,
        })
    }
}

/// Hash of the request minus the fields that only steer pagination (`next_token`, `limit`,
/// `page_size`), with the table resolved. Keys are sorted explicitly: serde_json's Map keeps insertion
/// order whenever any crate in the build enables its `preserve_order` feature (the SDK's test-util
/// does, so `cargo test` builds of this binary have it), and a token must not depend on key order.
fn fingerprint(mut event: Value, table: &str) -> [u8; 8] {
    if let Some(obj) = event.as_object_mut() {
        for k in ["next_token", "limit", "page_size"] {
            obj.remove(k);
        }
        obj.insert("table".into(), Value::String(table.to_string()));
    }
    event.sort_all_objects();
    let digest = Sha256::digest(serde_json::to_vec(&event).unwrap_or_default());
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableRef {
    Name(String),
    Arn { region: String, account: String, name: String },
}

fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// A table name, or `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`.
pub fn parse_table(s: &str) -> Result<TableRef, AppError> {
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_partition, "dynamodb", region, account, resource] = parts[..] {
            if let Some(name) = resource.strip_prefix("table/") {
                if is_table_name(name) && !region.is_empty() && account.len() == 12 {
                    return Ok(TableRef::Arn { region: region.into(), account: account.into(), name: name.into() });
                }
            }
        }
        return Err(AppError::invalid(
            "table",
            format!("expected a table ARN like arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, got `{s}`"),
        ));
    }
    if is_table_name(s) {
        Ok(TableRef::Name(s.to_string()))
    } else {
        Err(AppError::invalid(
            "table",
            format!("expected a table name (3-255 characters of A-Z a-z 0-9 _ . -) or a table ARN, got `{s}`"),
        ))
    }
}

/// An attribute map → `HashMap` for the SDK; `None` when absent or empty.
pub fn non_empty(m: &Option<Item>) -> Option<HashMap<String, AttributeValue>> {
    m.as_ref().filter(|m| !m.is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Config {
        Config::from_env(|k| match k {
            "ROLE_ARN" => Some("arn:aws:iam::111111111111:role/r".into()),
            "AWS_REGION" => Some("us-east-1".into()),
            "DEFAULT_TABLE" => Some("orders".into()),
            _ => None,
        })
        .unwrap()
    }

    fn field_of(v: Value) -> String {
        match Request::parse(v.clone(), &config()) {
            Err(AppError::InvalidRequest { field: Some(f), message }) => {
                assert!(!message.is_empty());
                f
            }
            Err(AppError::InvalidRequest { field: None, message }) => format!("<root> {message}"),
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
        match r.kind {
            Kind::Scan(spec) => {
                assert_eq!(spec.segmentation, Segmentation::Parallel(4));
                assert_eq!((spec.limit, spec.page_size), (Some(10), Some(5)));
                assert_eq!(spec.index.as_deref(), Some("by_status"));
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(r.values.unwrap()[":s"], AttributeValue::S("open".into()));
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
            (json!({"op": "scan", "table": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"}), "table"),
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
        assert_eq!(base, fp(json!({"op": "scan", "limit": 3, "page_size": 7, "next_token": "x"})));
        assert_ne!(base, fp(json!({"op": "scan", "table": "customers"})));
        assert_ne!(base, fp(json!({"op": "scan", "filter": "a = :a", "values": {":a": 1}})));
        assert_ne!(base, fp(json!({"op": "scan", "segments": 2})));
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
