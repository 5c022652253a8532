//! `export` and `export_status`: a whole-table export into the consumer's bucket, checked before
//! anything is sent (the window, the times, the prefix), and the status of one export by its ARN.
//!
//! Exports are enabled exactly when EXPORT_BUCKET is set: an export does not write the table, so
//! ALLOW_WRITES does not govern it, but it writes the bucket, which only a deployment that has one
//! (and a role granted to write it) may do.

use std::time::{Duration, SystemTime};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::Value;

use super::checks;
use super::event::{Op, Wire, WireExportFormat, WireExportType};
use super::{Operation, Request, RequestDefaults};
use crate::wire::error::AppError;

/// The incremental export period DynamoDB accepts: "from 15 minutes up to 24 hours" (AWS Database
/// Blog, "Introducing incremental export from Amazon DynamoDB to Amazon S3").
pub(super) const MIN_INCREMENTAL_WINDOW: Duration = Duration::from_secs(15 * 60);
pub(super) const MAX_INCREMENTAL_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The longest point-in-time recovery period (35 days): an export time before it cannot exist.
pub(super) const MAX_PITR_AGE: Duration = Duration::from_secs(35 * 24 * 3600);
/// S3Prefix's maximum length in ExportTableToPointInTime.
const MAX_S3_PREFIX_BYTES: usize = 1024;

/// Where exports go (EXPORT_BUCKET, EXPORT_BUCKET_OWNER, EXPORT_PREFIX); `None` in the defaults
/// means exports are disabled.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTarget {
    pub bucket: String,
    /// The account that owns the bucket (the consumer's), sent as S3BucketOwner.
    pub bucket_owner: String,
    /// The part of the bucket this deployment writes (its bucket policy grants only this), without
    /// a trailing `/`; may be empty (the whole bucket).
    pub prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    DynamodbJson,
    Ion,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::DynamodbJson => "DYNAMODB_JSON",
            ExportFormat::Ion => "ION",
        }
    }
}

/// A full snapshot (at `export_time`, or the latest restorable time), or the changes in `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportKind {
    Full { export_time: Option<DateTime> },
    Incremental { from: DateTime, to: DateTime },
}

impl ExportKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ExportKind::Full { .. } => "FULL_EXPORT",
            ExportKind::Incremental { .. } => "INCREMENTAL_EXPORT",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The region of the table (its ARN is built from it and the main account).
    pub table_region: String,
    pub bucket: String,
    pub bucket_owner: String,
    /// The full S3Prefix: EXPORT_PREFIX, then the request's `prefix` (default: the table's name).
    pub s3_prefix: String,
    pub format: ExportFormat,
    pub kind: ExportKind,
    /// ExportTableToPointInTime's ClientToken: set for a scheduled run (from its event's id), so
    /// DynamoDB answers a retry of the run with the export the first attempt started.
    pub client_token: Option<String>,
}

/// ClientToken allows 1 to 64 characters, none of them `$`; an EventBridge event id is a UUID.
pub fn export_client_token(event_id: &str) -> String {
    let token: String = event_id.chars().filter(|c| *c != '$').take(64).collect();
    if token.is_empty() {
        "scheduled".into()
    } else {
        token
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportStatus {
    pub export_arn: String,
}

/// Builds an export or export_status request; `now` bounds the times (a parameter for the tests).
pub(super) fn parse(wire: Wire, defaults: &RequestDefaults, now: SystemTime) -> Result<Request, AppError> {
    let Some(target) = defaults.exports.as_ref() else {
        return Err(AppError::ExportsDisabled { op: wire.op.name() });
    };
    let (table, operation) = match wire.op {
        Op::ExportStatus => {
            if wire.table.is_some() {
                return Err(AppError::invalid(
                    "table",
                    "not used by op `export_status` (the export ARN names the table)",
                ));
            }
            let (table, export_arn) = export_arn(wire.export_arn, &defaults.table_region)?;
            (table, Operation::ExportStatus(ExportStatus { export_arn }))
        }
        _ => {
            let table = checks::table(wire.table.as_deref(), defaults)?;
            let plain = table.rsplit_once(":table/").map_or(table.as_str(), |(_, name)| name);
            let s3_prefix = s3_prefix(&target.prefix, wire.prefix.as_deref(), plain)?;
            let format = match wire.format {
                None | Some(WireExportFormat::DynamodbJson) => ExportFormat::DynamodbJson,
                Some(WireExportFormat::Ion) => ExportFormat::Ion,
            };
            let kind = kind(&wire, now)?;
            let export = Export {
                table_region: defaults.table_region.clone(),
                bucket: target.bucket.clone(),
                bucket_owner: target.bucket_owner.clone(),
                s3_prefix,
                format,
                kind,
                client_token: None,
            };
            (table, Operation::Export(export))
        }
    };
    let region = defaults.table_region.clone();
    Ok(Request { fingerprint: super::fingerprint(&table, &operation), table, region, operation })
}

/// The export's kind from `type`, `export_time`, `from` and `to`, each checked against `now`.
fn kind(wire: &Wire, now: SystemTime) -> Result<ExportKind, AppError> {
    let now_secs = DateTime::from(now).secs();
    let oldest = now_secs - MAX_PITR_AGE.as_secs() as i64;
    match wire.export_type {
        None | Some(WireExportType::FullExport) => {
            for (field, v) in [("from", &wire.from), ("to", &wire.to)] {
                if v.is_some() {
                    return Err(AppError::invalid(field, "only for `type`: \"INCREMENTAL_EXPORT\""));
                }
            }
            let export_time = wire.export_time.as_ref().map(|v| time("export_time", v)).transpose()?;
            if let Some(t) = export_time {
                in_the_past("export_time", t, now_secs)?;
                if t.secs() < oldest {
                    return Err(AppError::invalid(
                        "export_time",
                        "older than 35 days, the longest point-in-time recovery period",
                    ));
                }
            }
            Ok(ExportKind::Full { export_time })
        }
        Some(WireExportType::IncrementalExport) => {
            if wire.export_time.is_some() {
                return Err(AppError::invalid(
                    "export_time",
                    "only for a full export; an incremental export takes `from` and `to`",
                ));
            }
            let required = |field: &str, v: &Option<Value>| match v {
                Some(v) => time(field, v),
                None => Err(AppError::invalid(
                    field,
                    "required for an incremental export: an RFC 3339 time or epoch seconds",
                )),
            };
            let from = required("from", &wire.from)?;
            let to = required("to", &wire.to)?;
            in_the_past("to", to, now_secs)?;
            if from.secs() < oldest {
                return Err(AppError::invalid("from", "older than 35 days, the longest point-in-time recovery period"));
            }
            let window = to.secs() - from.secs();
            if window <= 0 {
                return Err(AppError::invalid("from", "must be before `to`"));
            }
            let (min, max) = (MIN_INCREMENTAL_WINDOW.as_secs() as i64, MAX_INCREMENTAL_WINDOW.as_secs() as i64);
            if !(min..=max).contains(&window) {
                return Err(AppError::invalid(
                    "to",
                    format!(
                        "the window from `from` to `to` is {window} s; DynamoDB exports 15 minutes to 24 hours \
                         ({min} to {max} s) incrementally: split a longer window into several exports"
                    ),
                ));
            }
            Ok(ExportKind::Incremental { from, to })
        }
    }
}

/// A time as an RFC 3339 string (`2026-12-01T10:00:00Z`, offsets allowed) or integer epoch seconds.
fn time(field: &str, v: &Value) -> Result<DateTime, AppError> {
    let expected = "expected an RFC 3339 time like \"2026-12-01T10:00:00Z\" or epoch seconds";
    match v {
        Value::String(s) => DateTime::from_str(s, Format::DateTimeWithOffset)
            .map_err(|e| AppError::invalid(field, format!("{expected}, got `{s}` ({e})"))),
        Value::Number(n) => match n.as_i64() {
            Some(secs) if secs > 0 => Ok(DateTime::from_secs(secs)),
            _ => Err(AppError::invalid(field, format!("{expected} (a positive integer), got {n}"))),
        },
        other => Err(AppError::invalid(field, format!("{expected}, got {other}"))),
    }
}

fn in_the_past(field: &str, t: DateTime, now_secs: i64) -> Result<(), AppError> {
    if t.secs() > now_secs {
        return Err(AppError::invalid(
            field,
            format!("is in the future ({} s from now); DynamoDB exports only the past", t.secs() - now_secs),
        ));
    }
    Ok(())
}

/// EXPORT_PREFIX, then the request's prefix (default: the table's name), joined by `/`. The
/// request's part may not climb out of EXPORT_PREFIX: the bucket policy grants only what is below.
fn s3_prefix(root: &str, prefix: Option<&str>, table: &str) -> Result<String, AppError> {
    let own = match prefix {
        Some(p) => {
            let bad_segment = p.split('/').any(|s| s.is_empty() || s == "." || s == "..");
            let bad_char = p.bytes().any(|b| !(b.is_ascii_alphanumeric() || b"!-_.*'()=/".contains(&b)));
            if bad_segment || bad_char {
                return Err(AppError::invalid(
                    "prefix",
                    format!(
                        "expected path segments of letters, digits and !-_.*'()= separated by single `/` \
                         (no leading, trailing or empty segment, no `.` or `..`), got `{p}`"
                    ),
                ));
            }
            p
        }
        None => table,
    };
    let full = if root.is_empty() { own.to_string() } else { format!("{root}/{own}") };
    if full.len() > MAX_S3_PREFIX_BYTES {
        return Err(AppError::invalid(
            "prefix",
            format!("the S3 prefix `{root}/…` would be {} bytes; at most {MAX_S3_PREFIX_BYTES}", full.len()),
        ));
    }
    Ok(full)
}

/// `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/export/ID`, in the tables' region; returns
/// the table's name (for the log line) and the ARN.
fn export_arn(arn: Option<String>, region: &str) -> Result<(String, String), AppError> {
    let expected = "expected an export ARN like arn:aws:dynamodb:us-east-1:111111111111:table/NAME/export/01234567890123-abcdef12, as `export` returns";
    let Some(arn) = arn else {
        return Err(AppError::invalid("export_arn", format!("required for `export_status`: {expected}")));
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let resource: Vec<&str> = parts.get(5).map(|r| r.split('/').collect()).unwrap_or_default();
    let well_formed = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "dynamodb"
        && crate::wire::ids::is_account_id(parts[4])
        && resource.len() == 4
        && resource[0] == "table"
        && resource[2] == "export"
        && !resource[1].is_empty()
        && !resource[3].is_empty();
    if !well_formed {
        return Err(AppError::invalid("export_arn", format!("{expected}, got `{arn}`")));
    }
    if parts[3] != region {
        return Err(AppError::invalid(
            "export_arn",
            format!("the export is in region {}, the function reads tables in {region} (TABLE_REGION)", parts[3]),
        ));
    }
    Ok((resource[1].to_string(), arn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn defaults(exports: bool) -> RequestDefaults {
        RequestDefaults {
            table_region: "us-east-1".into(),
            default_table: Some("orders".into()),
            allow_writes: false,
            table_account: None,
            exports: exports.then(|| ExportTarget {
                bucket: "consumer-exports".into(),
                bucket_owner: "222222222222".into(),
                prefix: "exports/dev".into(),
            }),
        }
    }

    fn at_now(event: Value, exports: bool) -> Result<Request, AppError> {
        let wire = Wire::read(event)?;
        checks::fields_fit_op(&wire)?;
        parse(wire, &defaults(exports), SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
    }

    fn export_of(event: Value) -> Export {
        match at_now(event, true).unwrap().operation {
            Operation::Export(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn field_of(event: Value) -> (String, String) {
        match at_now(event.clone(), true) {
            Err(AppError::InvalidRequest { field: Some(f), message, .. }) => (f, message),
            other => panic!("{event}: {other:?}"),
        }
    }

    #[test]
    fn a_full_export_goes_under_the_configured_prefix_with_the_consumer_as_owner() {
        let e = export_of(json!({"op": "export"}));
        assert_eq!(e.bucket, "consumer-exports");
        assert_eq!(e.bucket_owner, "222222222222");
        assert_eq!(e.s3_prefix, "exports/dev/orders", "default prefix: the table's name");
        assert_eq!(e.format, ExportFormat::DynamodbJson);
        assert_eq!(e.kind, ExportKind::Full { export_time: None });
        let e = export_of(json!({"op": "export", "table": "ledger", "prefix": "nightly/2026", "format": "ION",
            "type": "FULL_EXPORT", "export_time": "2027-01-15T07:00:00+01:00"}));
        assert_eq!(e.s3_prefix, "exports/dev/nightly/2026");
        assert_eq!(e.format, ExportFormat::Ion);
        assert_eq!(e.kind, ExportKind::Full { export_time: Some(DateTime::from_secs(NOW as i64 - 7200)) });
        let e = export_of(json!({"op": "export", "export_time": NOW - 60}));
        assert_eq!(e.kind, ExportKind::Full { export_time: Some(DateTime::from_secs(NOW as i64 - 60)) });
    }

    #[test]
    fn an_incremental_export_takes_a_window_of_15_minutes_to_24_hours_in_the_past() {
        let e = export_of(json!({"op": "export", "type": "INCREMENTAL_EXPORT",
            "from": "2027-01-14T08:00:00Z", "to": NOW}));
        assert_eq!(
            e.kind,
            ExportKind::Incremental {
                from: DateTime::from_secs(NOW as i64 - 86_400),
                to: DateTime::from_secs(NOW as i64)
            }
        );
        let e = export_of(json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 1200, "to": NOW - 300}));
        assert!(matches!(e.kind, ExportKind::Incremental { .. }));
        let cases = [
            (json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 86_401, "to": NOW}), "to", "24 hours"),
            (json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 899, "to": NOW}), "to", "15 minutes"),
            (
                json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW, "to": NOW - 1000}),
                "from",
                "before `to`",
            ),
            (json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 1000, "to": NOW + 10}), "to", "future"),
            (json!({"op": "export", "type": "INCREMENTAL_EXPORT", "to": NOW}), "from", "required"),
            (json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 1000}), "to", "required"),
            (
                json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": NOW - 3000, "to": NOW, "export_time": NOW}),
                "export_time",
                "full export",
            ),
            (json!({"op": "export", "from": NOW - 3000}), "from", "INCREMENTAL_EXPORT"),
            (json!({"op": "export", "export_time": NOW + 1}), "export_time", "future"),
            (json!({"op": "export", "export_time": NOW - 36 * 86_400}), "export_time", "35 days"),
            (json!({"op": "export", "export_time": "yesterday"}), "export_time", "RFC 3339"),
            (json!({"op": "export", "export_time": 1.5}), "export_time", "positive integer"),
            (json!({"op": "export", "export_time": true}), "export_time", "RFC 3339"),
            (json!({"op": "export", "type": "DELTA"}), "type", "FULL_EXPORT"),
            (json!({"op": "export", "format": "CSV"}), "format", "DYNAMODB_JSON"),
        ];
        for (event, field, says) in cases {
            let (f, message) = field_of(event.clone());
            assert_eq!(f, field, "{event}: {message}");
            assert!(message.contains(says), "{event}: {message}");
        }
    }

    #[test]
    fn a_prefix_stays_below_the_configured_one() {
        for bad in ["", "/abs", "a//b", "a/", "../up", "a/./b", "a b", "a\\b", "ü"] {
            let (f, message) = field_of(json!({"op": "export", "prefix": bad}));
            assert_eq!(f, "prefix", "{bad}: {message}");
        }
        let (f, message) = field_of(json!({"op": "export", "prefix": "p/".repeat(600) + "p"}));
        assert_eq!(f, "prefix");
        assert!(message.contains("1024"), "{message}");
        assert_eq!(
            export_of(json!({"op": "export", "prefix": "a-b/c_d.e/(x)=1"})).s3_prefix,
            "exports/dev/a-b/c_d.e/(x)=1"
        );
    }

    #[test]
    fn export_status_takes_an_export_arn_in_the_tables_region() {
        let arn = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/01700000000000-abcd1234";
        let req = at_now(json!({"op": "export_status", "export_arn": arn}), true).unwrap();
        assert_eq!(req.table, "orders");
        assert_eq!(req.operation, Operation::ExportStatus(ExportStatus { export_arn: arn.into() }));
        for (event, field, says) in [
            (json!({"op": "export_status"}), "export_arn", "required"),
            (
                json!({"op": "export_status", "export_arn": "arn:aws:dynamodb:us-east-1:111111111111:table/orders"}),
                "export_arn",
                "export ARN",
            ),
            (
                json!({"op": "export_status", "export_arn": arn.replace("us-east-1", "eu-west-1")}),
                "export_arn",
                "TABLE_REGION",
            ),
            (json!({"op": "export_status", "export_arn": arn, "table": "orders"}), "table", "names the table"),
            (json!({"op": "export_status", "export_arn": arn, "prefix": "x"}), "prefix", "not used"),
            (json!({"op": "scan", "export_arn": arn}), "export_arn", "not used"),
            (json!({"op": "export", "key": {"pk": "a"}}), "key", "not used"),
        ] {
            let (f, message) = field_of(event.clone());
            assert_eq!(f, field, "{event}: {message}");
            assert!(message.contains(says), "{event}: {message}");
        }
    }

    #[test]
    fn without_export_bucket_exports_are_disabled_and_say_which_setting_enables_them() {
        for op in ["export", "export_status"] {
            let e = at_now(json!({"op": op}), false).unwrap_err();
            assert_eq!(e.error_type(), "ExportsDisabled");
            assert!(e.to_string().contains("EXPORT_BUCKET") && e.to_string().contains(op), "{e}");
        }
    }
}
