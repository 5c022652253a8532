//! The checks a request's fields must pass, each naming the field it rejects and what was expected.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::event::{Op, Wire, WireSelect};
use super::{RequestDefaults, Segmentation, Select, MAX_SEGMENTS, MAX_TOTAL_SEGMENTS};
use crate::wire::convert::{json_map_to_item, Item};
use crate::wire::error::AppError;
use crate::wire::table_ref::{request_region, table_address};

/// Fields that only some operations use; any other operation rejects them.
pub(super) fn fields_fit_op(wire: &Wire) -> Result<(), AppError> {
    use Op::*;
    let op = wire.op;
    let only = |field: &str, present: bool, allowed: &[Op]| -> Result<(), AppError> {
        if present && !allowed.contains(&op) {
            let names: Vec<&str> = allowed.iter().map(|o| o.name()).collect();
            return Err(AppError::invalid(
                field,
                format!("not used by op `{}` (only by {})", op.name(), names.join(", ")),
            ));
        }
        Ok(())
    };
    const SINGLE_WRITES: &[Op] = &[Put, Update, Delete];
    // Exports run in TABLE_REGION: their bucket and grant are set up for the home region.
    only(
        "region",
        wire.region.is_some(),
        &[Scan, Query, Get, BatchGet, Put, Update, Delete, BatchWrite, TransactWrite],
    )?;
    only("index", wire.index.is_some(), &[Scan, Query])?;
    only("key", wire.key.is_some(), &[Get, Update, Delete])?;
    only("item", wire.item.is_some(), &[Put])?;
    only("update", wire.update.is_some(), &[Update])?;
    only("condition", wire.condition.is_some(), SINGLE_WRITES)?;
    only("return_values", wire.return_values.is_some(), SINGLE_WRITES)?;
    only(
        "return_values_on_condition_check_failure",
        wire.return_values_on_condition_check_failure.is_some(),
        SINGLE_WRITES,
    )?;
    only("puts", wire.puts.is_some(), &[BatchWrite])?;
    only("deletes", wire.deletes.is_some(), &[BatchWrite])?;
    only("actions", wire.actions.is_some(), &[TransactWrite])?;
    only("client_request_token", wire.client_request_token.is_some(), &[TransactWrite])?;
    // A transaction's actions carry their own placeholders; a batch write takes no expressions.
    only("names", wire.names.is_some(), &[Scan, Query, Get, BatchGet, Put, Update, Delete])?;
    only("values", wire.values.is_some(), &[Scan, Query, Get, BatchGet, Put, Update, Delete])?;
    only("projection", wire.projection.is_some(), &[Scan, Query, Get, BatchGet])?;
    only("consistent_read", wire.consistent_read.is_some(), &[Scan, Query, Get, BatchGet])?;
    only("keys", wire.keys.is_some(), &[BatchGet])?;
    only("key_condition", wire.key_condition.is_some(), &[Query])?;
    only("filter", wire.filter.is_some(), &[Scan, Query])?;
    only("scan_forward", wire.scan_forward.is_some(), &[Query])?;
    only("select", wire.select.is_some(), &[Scan, Query])?;
    only("limit", wire.limit.is_some(), &[Scan, Query])?;
    only("page_size", wire.page_size.is_some(), &[Scan, Query])?;
    only("segments", wire.segments.is_some(), &[Scan])?;
    only("segment", wire.segment.is_some(), &[Scan])?;
    only("total_segments", wire.total_segments.is_some(), &[Scan])?;
    only("next_token", wire.next_token.is_some(), &[Scan, Query, BatchGet])?;
    only("prefix", wire.prefix.is_some(), &[Export])?;
    only("format", wire.format.is_some(), &[Export])?;
    only("type", wire.export_type.is_some(), &[Export])?;
    only("from", wire.from.is_some(), &[Export])?;
    only("to", wire.to.is_some(), &[Export])?;
    only("export_time", wire.export_time.is_some(), &[Export])?;
    only("export_arn", wire.export_arn.is_some(), &[ExportStatus])
}

/// The request's table, or DEFAULT_TABLE, as a plain name in TABLE_REGION.
pub(super) fn table(table: Option<&str>, defaults: &RequestDefaults) -> Result<String, AppError> {
    table_in(table, &defaults.table_region, defaults)
}

/// The request's table, or DEFAULT_TABLE, as the DynamoDB calls in `region` name it.
pub(super) fn table_in(table: Option<&str>, region: &str, defaults: &RequestDefaults) -> Result<String, AppError> {
    match table.or(defaults.default_table.as_deref()) {
        Some(t) => table_address(t, region, defaults.table_account.as_deref()),
        None => Err(AppError::invalid("table", "required: the request names no table and DEFAULT_TABLE is not set")),
    }
}

/// The region the request reads: `region`, else its table's ARN (or DEFAULT_TABLE's), else TABLE_REGION.
pub(super) fn region(wire: &Wire, defaults: &RequestDefaults) -> Result<String, AppError> {
    let table = wire.table.as_deref().or(defaults.default_table.as_deref());
    request_region(wire.region.as_deref(), table, &defaults.table_region)
}

/// An empty expression or token is a mistake, not a way of leaving it out.
pub(super) fn no_empty_strings(wire: &Wire) -> Result<(), AppError> {
    for (field, v) in [
        ("index", &wire.index),
        ("key_condition", &wire.key_condition),
        ("filter", &wire.filter),
        ("projection", &wire.projection),
        ("next_token", &wire.next_token),
        ("update", &wire.update),
        ("condition", &wire.condition),
    ] {
        non_empty(field, v.as_deref())?;
    }
    Ok(())
}

pub(super) fn non_empty(field: &str, v: Option<&str>) -> Result<(), AppError> {
    if v.is_some_and(|s| s.trim().is_empty()) {
        return Err(AppError::invalid(field, "must not be empty (omit it instead)"));
    }
    Ok(())
}

/// An item to write: a non-empty object of attributes (the primary key among them).
pub(super) fn item(item: Option<&Map<String, Value>>, field: &str) -> Result<Item, AppError> {
    match item {
        Some(item) if !item.is_empty() => json_map_to_item(item, field),
        Some(_) => Err(AppError::invalid(field, "expected an item with at least its primary key, got {}")),
        None => Err(AppError::invalid(field, "required for `put`: the item to write, with its full primary key")),
    }
}

/// The full primary key of the item a write changes (`op` names the operation for the message).
pub(super) fn write_key(key: Option<&Map<String, Value>>, field: &str, op: &str) -> Result<Item, AppError> {
    match key {
        Some(key) if !key.is_empty() => json_map_to_item(key, field),
        Some(_) => {
            Err(AppError::invalid(field, "expected the full primary key, e.g. {\"pk\": \"a\", \"sk\": \"b\"}, got {}"))
        }
        None => Err(AppError::invalid(
            field,
            format!("required for `{op}`: the item's full primary key, e.g. {{\"pk\": \"a\"}}"),
        )),
    }
}

pub(super) fn names(names: Option<&HashMap<String, String>>) -> Result<(), AppError> {
    for (k, v) in names.into_iter().flatten() {
        if !k.starts_with('#') || k.len() < 2 {
            return Err(AppError::invalid(
                format!("names.{k}"),
                "placeholder names start with `#`, e.g. {\"#s\": \"status\"}",
            ));
        }
        if v.is_empty() {
            return Err(AppError::invalid(format!("names.{k}"), "expected an attribute name, got an empty string"));
        }
    }
    Ok(())
}

/// The `:value` placeholders as attribute values; `None` when absent or empty (DynamoDB rejects an
/// empty ExpressionAttributeValues).
pub(super) fn values(values: Option<&Map<String, Value>>) -> Result<Option<Item>, AppError> {
    let Some(map) = values else { return Ok(None) };
    for k in map.keys() {
        if !k.starts_with(':') || k.len() < 2 {
            return Err(AppError::invalid(
                format!("values.{k}"),
                "placeholder values start with `:`, e.g. {\":pk\": \"c1\"}",
            ));
        }
    }
    let item = json_map_to_item(map, "values")?;
    Ok((!item.is_empty()).then_some(item))
}

fn positive(field: &str, v: Option<i64>, max: i64) -> Result<Option<i64>, AppError> {
    match v {
        Some(n) if n < 1 || n > max => {
            Err(AppError::invalid(field, format!("expected an integer from 1 to {max}, got {n}")))
        }
        other => Ok(other),
    }
}

/// `select` with the `limit` it allows: a count returns no items, so it takes neither a limit nor a
/// projection.
pub(super) fn select(wire: &Wire) -> Result<Select, AppError> {
    if wire.select == Some(WireSelect::Count) {
        if wire.projection.is_some() {
            return Err(AppError::invalid(
                "projection",
                "not used with select `count` (nothing is returned to project)",
            ));
        }
        if wire.limit.is_some() {
            return Err(AppError::invalid(
                "limit",
                "not used with select `count`: a count returns no items (use page_size to bound reads)",
            ));
        }
        return Ok(Select::Count);
    }
    let limit = positive("limit", wire.limit, i64::from(u32::MAX))?.map(|n| n as usize);
    Ok(Select::Items { limit })
}

pub(super) fn page_size(page_size: Option<i64>) -> Result<Option<i32>, AppError> {
    Ok(positive("page_size", page_size, i64::from(i32::MAX))?.map(|n| n as i32))
}

pub(super) fn segmentation(wire: &Wire) -> Result<Segmentation, AppError> {
    Ok(match (wire.segments, wire.segment, wire.total_segments) {
        (None, None, None) => Segmentation::Single,
        (Some(n), None, None) => {
            Segmentation::Parallel(positive("segments", Some(n), i64::from(MAX_SEGMENTS))?.unwrap_or(1) as u32)
        }
        (Some(_), _, _) => {
            return Err(AppError::invalid(
                "segments",
                "use either `segments` (parallel inside this invocation) or `segment` + `total_segments` (one slice), not both",
            ))
        }
        (None, Some(_), None) => return Err(AppError::invalid("total_segments", "required with `segment`")),
        (None, None, Some(_)) => return Err(AppError::invalid("segment", "required with `total_segments`")),
        (None, Some(i), Some(n)) => {
            let total = positive("total_segments", Some(n), i64::from(MAX_TOTAL_SEGMENTS))?.unwrap_or(1) as u32;
            if i < 0 || i >= i64::from(total) {
                return Err(AppError::invalid(
                    "segment",
                    format!("expected an integer from 0 to total_segments - 1 ({}), got {i}", total - 1),
                ));
            }
            Segmentation::Slice { segment: i as u32, total }
        }
    })
}

pub(super) fn key_condition(key_condition: Option<String>) -> Result<String, AppError> {
    key_condition.ok_or_else(|| {
        AppError::invalid("key_condition", "required for op `query`, e.g. \"pk = :pk\" with values {\":pk\": ...}")
    })
}

/// get's `key`: the item's full primary key.
pub(super) fn key(key: Option<&Map<String, Value>>) -> Result<Item, AppError> {
    match key {
        Some(key) if !key.is_empty() => json_map_to_item(key, "key"),
        Some(_) => {
            Err(AppError::invalid("key", "expected the full primary key, e.g. {\"pk\": \"a\", \"sk\": \"b\"}, got {}"))
        }
        None => {
            Err(AppError::invalid("key", "required for op `get`: the item's full primary key, e.g. {\"pk\": \"a\"}"))
        }
    }
}

/// batch_get's `keys`: at least one, each once.
pub(super) fn keys(keys: Option<&[Map<String, Value>]>) -> Result<Vec<Item>, AppError> {
    let Some(keys) = keys else {
        return Err(AppError::invalid("keys", "required for op `batch_get`: a list of primary keys"));
    };
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
    Ok(out)
}
