//! `export` (ExportTableToPointInTime into the consumer's bucket; returns at once, without waiting)
//! and `export_status` (DescribeExport). The answer is the read shape with one item: the export's
//! description as plain JSON.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    ExportDescription, ExportFormat as SdkFormat, ExportType, IncrementalExportSpecification,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{json, Value};

use super::{Outcome, TableAccess};
use crate::connect::call_error::from_sdk;
use crate::wire::error::AppError;
use crate::wire::request::{Export, ExportFormat, ExportKind, ExportStatus};

impl TableAccess {
    pub(super) async fn export(&self, table: &str, export: &Export) -> Result<Outcome, AppError> {
        let action = "dynamodb:ExportTableToPointInTime";
        let table_arn = self.table_arn(table, &export.table_region)?;
        let (export_time, incremental) = match &export.kind {
            ExportKind::Full { export_time } => (*export_time, None),
            ExportKind::Incremental { from, to } => (
                None,
                Some(IncrementalExportSpecification::builder().export_from_time(*from).export_to_time(*to).build()),
            ),
        };
        let out = self
            .client
            .export_table_to_point_in_time()
            .table_arn(&table_arn)
            .s3_bucket(&export.bucket)
            .s3_bucket_owner(&export.bucket_owner)
            .s3_prefix(&export.s3_prefix)
            .export_format(match export.format {
                ExportFormat::DynamodbJson => SdkFormat::DynamodbJson,
                ExportFormat::Ion => SdkFormat::Ion,
            })
            .export_type(match export.kind {
                ExportKind::Full { .. } => ExportType::FullExport,
                ExportKind::Incremental { .. } => ExportType::IncrementalExport,
            })
            .set_export_time(export_time)
            .set_incremental_export_specification(incremental)
            .set_client_token(export.client_token.clone())
            .send()
            .await
            .map_err(|e| export_error(e, self, action, table))?;
        let description = out.export_description().ok_or_else(|| AppError::DynamoDb {
            code: "MissingExportDescription".into(),
            message: format!("ExportTableToPointInTime on `{table}` answered without an export description"),
            source: None,
        })?;
        one_item(describe(description, Some(&export.bucket)))
    }

    pub(super) async fn export_status(&self, table: &str, status: &ExportStatus) -> Result<Outcome, AppError> {
        let out = self
            .client
            .describe_export()
            .export_arn(&status.export_arn)
            .send()
            .await
            .map_err(|e| export_error(e, self, "dynamodb:DescribeExport", table))?;
        let description = out.export_description().ok_or_else(|| AppError::DynamoDb {
            code: "MissingExportDescription".into(),
            message: format!("DescribeExport of {} answered without a description", status.export_arn),
            source: None,
        })?;
        one_item(describe(description, None))
    }

    /// ExportTableToPointInTime takes the table's ARN: a name is placed in the main account (the
    /// account of the role the calls are made as) and the tables' region.
    fn table_arn(&self, table: &str, region: &str) -> Result<String, AppError> {
        if table.starts_with("arn:") {
            return Ok(table.to_string());
        }
        let parts: Vec<&str> = self.role_arn().splitn(6, ':').collect();
        match parts.as_slice() {
            [_, partition, _, _, account, _] if crate::wire::ids::is_account_id(account) => {
                Ok(format!("arn:{partition}:dynamodb:{region}:{account}:table/{table}"))
            }
            _ => Err(AppError::Internal {
                message: format!(
                    "cannot place table `{table}` in an account: the role `{}` is no ARN",
                    self.role_arn()
                ),
                source: None,
            }),
        }
    }
}

/// The errors an export's caller can act on get their own message; the rest map like any call's.
fn export_error<E, R>(err: SdkError<E, R>, tables: &TableAccess, action: &str, table: &str) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (code, message) = match &err {
        SdkError::ServiceError(s) => {
            (s.err().code().unwrap_or_default().to_string(), s.err().message().unwrap_or_default().to_string())
        }
        _ => (String::new(), String::new()),
    };
    let own = matches!(
        code.as_str(),
        "PointInTimeRecoveryUnavailableException"
            | "TableNotFoundException"
            | "InvalidExportTimeException"
            | "ExportNotFoundException"
    );
    if !own {
        return from_sdk(err, &tables.ctx(action, table));
    }
    let source = Some(std::sync::Arc::new(err) as crate::wire::error::Cause);
    match code.as_str() {
        "PointInTimeRecoveryUnavailableException" => {
            AppError::PointInTimeRecoveryDisabled { table: table.to_string(), message, source }
        }
        "TableNotFoundException" => AppError::TableNotFound {
            table: table.to_string(),
            region: Box::new(tables.region().into()),
            message,
            source,
        },
        "InvalidExportTimeException" => AppError::InvalidRequest {
            field: None,
            message: format!(
                "DynamoDB rejected the export time of `{table}` (`export_time`, or `from` / `to`): {message}; \
                 it must lie within the table's point-in-time recovery window"
            ),
            source,
        },
        // ExportNotFoundException, the last of `own`.
        _ => AppError::InvalidRequest {
            field: Some("export_arn".into()),
            message: format!("no such export: {message}"),
            source,
        },
    }
}

/// What the caller should do about a failed export, for the failure codes that have one answer.
fn hint(failure_code: &str) -> Option<&'static str> {
    Some(match failure_code {
        "S3NoSuchBucket" => {
            "EXPORT_BUCKET names a bucket that does not exist (or not in EXPORT_BUCKET_OWNER's account)"
        }
        "S3AccessDenied" => {
            "the bucket's policy must allow the main account's role s3:PutObject and s3:AbortMultipartUpload \
             under EXPORT_PREFIX, and the role's own policy must grant them too"
        }
        _ => return None,
    })
}

fn time(t: Option<&DateTime>) -> Value {
    t.and_then(|t| t.fmt(Format::DateTime).ok()).map_or(Value::Null, Value::String)
}

/// The description as plain JSON; `bucket` when DynamoDB's answer may lack it.
fn describe(d: &ExportDescription, bucket: Option<&str>) -> Value {
    let bucket = d.s3_bucket().or(bucket);
    let uri = |key: Option<&str>| match (bucket, key) {
        (Some(b), Some(k)) => Value::String(format!("s3://{b}/{k}")),
        _ => Value::Null,
    };
    let incremental = d.incremental_export_specification();
    json!({
        "export_arn": d.export_arn(),
        "status": d.export_status().map(|s| s.as_str()),
        "table_arn": d.table_arn(),
        "type": d.export_type().map(|t| t.as_str()),
        "format": d.export_format().map(|f| f.as_str()),
        "bucket": bucket,
        "bucket_owner": d.s3_bucket_owner(),
        "prefix": d.s3_prefix(),
        "export_time": time(d.export_time()),
        "from": time(incremental.and_then(|i| i.export_from_time())),
        "to": time(incremental.and_then(|i| i.export_to_time())),
        "start_time": time(d.start_time()),
        "end_time": time(d.end_time()),
        "item_count": d.item_count(),
        "billed_size_bytes": d.billed_size_bytes(),
        "manifest": uri(d.export_manifest()),
        "failure_code": d.failure_code(),
        "failure_message": d.failure_message(),
        "hint": d.failure_code().and_then(hint),
    })
}

fn one_item(item: Value) -> Result<Outcome, AppError> {
    let raw = serde_json::value::to_raw_value(&item).map_err(|e| AppError::internal("encoding the export", e))?;
    let mut outcome = Outcome { pages: 1, ..Default::default() };
    outcome.results.items.push(&raw);
    outcome.results.count = 1;
    Ok(outcome)
}
