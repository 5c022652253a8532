//! The event as sent: its JSON shape, read with serde. Unknown fields are rejected by name.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::wire::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Op {
    Scan,
    Query,
    Get,
    BatchGet,
    Put,
    Update,
    Delete,
    BatchWrite,
    TransactWrite,
    Export,
    ExportStatus,
    /// The pre-flight (`check`): answered by the handler before a `Request` is parsed; listed here
    /// so an unknown op's error names it too.
    Check,
}

impl Op {
    /// Whether the operation writes (refused unless ALLOW_WRITES is set).
    pub(super) fn writes(self) -> bool {
        matches!(self, Op::Put | Op::Update | Op::Delete | Op::BatchWrite | Op::TransactWrite)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Scan => "scan",
            Op::Query => "query",
            Op::Get => "get",
            Op::BatchGet => "batch_get",
            Op::Put => "put",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::BatchWrite => "batch_write",
            Op::TransactWrite => "transact_write",
            Op::Export => "export",
            Op::ExportStatus => "export_status",
            Op::Check => super::CHECK_OP,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum WireSelect {
    Items,
    Count,
}

/// Integers are read as i64 so `0` or `-1` get our message, not serde's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Wire {
    pub op: Op,
    pub table: Option<String>,
    /// The region of the table (default: the table ARN's region, else TABLE_REGION).
    pub region: Option<String>,
    pub index: Option<String>,
    pub key: Option<Map<String, Value>>,
    pub keys: Option<Vec<Map<String, Value>>>,
    pub key_condition: Option<String>,
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<Map<String, Value>>,
    pub consistent_read: Option<bool>,
    pub scan_forward: Option<bool>,
    pub select: Option<WireSelect>,
    pub limit: Option<i64>,
    pub page_size: Option<i64>,
    pub segments: Option<i64>,
    pub segment: Option<i64>,
    pub total_segments: Option<i64>,
    pub next_token: Option<String>,
    pub item: Option<Map<String, Value>>,
    pub update: Option<String>,
    pub condition: Option<String>,
    pub return_values: Option<WireReturnValues>,
    pub return_values_on_condition_check_failure: Option<WireReturnValues>,
    pub puts: Option<Vec<Map<String, Value>>>,
    pub deletes: Option<Vec<Map<String, Value>>>,
    pub actions: Option<Vec<WireAction>>,
    pub client_request_token: Option<String>,
    // export / export_status (request/export.rs)
    pub prefix: Option<String>,
    pub format: Option<WireExportFormat>,
    #[serde(rename = "type")]
    pub export_type: Option<WireExportType>,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub export_time: Option<Value>,
    pub export_arn: Option<String>,
}

/// ExportFormat, spelled as DynamoDB spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum WireExportFormat {
    DynamodbJson,
    Ion,
}

/// ExportType, spelled as DynamoDB spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum WireExportType {
    FullExport,
    IncrementalExport,
}

/// DynamoDB's ReturnValues, spelled in snake case; which ones an operation takes is checked later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum WireReturnValues {
    None,
    AllOld,
    UpdatedOld,
    AllNew,
    UpdatedNew,
}

/// One action of a transact_write: `{"put": {...}}`, `{"update": {...}}`, `{"delete": {...}}` or
/// `{"condition_check": {...}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum WireAction {
    Put(WireActionFields),
    Update(WireActionFields),
    Delete(WireActionFields),
    ConditionCheck(WireActionFields),
}

/// The fields of one transaction action; which ones its kind takes is checked later.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireActionFields {
    pub table: Option<String>,
    pub item: Option<Map<String, Value>>,
    pub key: Option<Map<String, Value>>,
    pub update: Option<String>,
    pub condition: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<Map<String, Value>>,
    pub return_values_on_condition_check_failure: Option<WireReturnValues>,
}

impl Wire {
    /// Reads the event; a mistake names the field (its JSON path) where serde found it.
    pub(super) fn read(event: Value) -> Result<Wire, AppError> {
        if !event.is_object() {
            return Err(AppError::invalid_request(format!(
                "expected a JSON object like {{\"op\": \"scan\", \"table\": \"NAME\"}}, got {}",
                kind_of(&event)
            )));
        }
        serde_path_to_error::deserialize(event).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            if path == "." || path.is_empty() {
                AppError::invalid_request(message)
            } else {
                AppError::invalid(path, message)
            }
        })
    }
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
