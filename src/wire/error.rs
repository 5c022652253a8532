//! Errors returned to the caller. Each variant becomes the Lambda error's `errorType`; messages say
//! what to fix (the field, the role, the action, the table) and never carry credentials.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// How AccessDenied names the signer in ACCESS_MODE=resource_policy (its ARN is not known
/// without an STS call, which that mode avoids).
pub const EXECUTION_ROLE: &str = "the execution role (ACCESS_MODE=resource_policy)";

/// What caused an error, kept for `std::error::Error::source` (the SDK error, the credentials error,
/// the JSON error). Shared so an error can be logged and returned.
pub type Cause = Arc<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong, as the caller should read it. `error_type` is the reader Lambda's
/// `errorType`; the `Display` text says what to fix (the field, the role, the action, the table)
/// and never carries credentials; `source` keeps the underlying error (the SDK's, the JSON
/// parser's) where there is one.
#[derive(Clone)]
pub enum AppError {
    /// The request (or a configured SCHEDULED_REQUEST) is malformed. `field` is the JSON path.
    InvalidRequest {
        /// The JSON path of the field at fault (`key.pk`, `values[:v]`); `None`: the request as a whole.
        field: Option<String>,
        /// What is wrong and what was expected.
        message: String,
        /// Set when DynamoDB is the one that rejected the request (ValidationException).
        source: Option<Cause>,
    },
    /// AWS refused a call to the role (its policy, or the table's resource policy).
    AccessDenied {
        /// The main-account role the call was made as (or the execution role's description).
        role_arn: String,
        /// The refused action, e.g. `dynamodb:Query`.
        action: String,
        /// The table the call named.
        table: String,
        /// The region of the call (a table name is per region). A thin box: one `String` more would
        /// make every `Result<_, AppError>` larger than clippy's limit (128 bytes).
        region: Box<String>,
        /// AWS's own code and message.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// KMS refused the table's customer-managed key to the role (DynamoDB's "KMS key access
    /// denied"). The key and the refused KMS action are read from `message` where AWS names them.
    KmsAccessDenied {
        /// The main-account role the call was made as.
        role_arn: String,
        /// The DynamoDB action that needed the key.
        action: String,
        /// The table the call named.
        table: String,
        /// The region of the call.
        region: Box<String>,
        /// AWS's own code and message.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// STS AssumeRole of the main account's role failed (trust policy, ExternalId, permissions).
    AssumeRoleFailed {
        /// The role that could not be assumed.
        role_arn: String,
        /// What STS (or the connection to it) said.
        message: String,
        /// The credentials error.
        source: Option<Cause>,
    },
    /// The table does not exist in that region of the main account.
    TableNotFound {
        /// The table the call named.
        table: String,
        /// The region it was looked up in.
        region: Box<String>,
        /// AWS's message.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// Still throttled after the SDK's retries (or after our UnprocessedKeys backoff).
    Throttled {
        /// Which call, on which table, and AWS's message.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// The invocation's deadline arrived before any page could be read (errorType `Timeout`). Not
    /// to be confused with one DynamoDB call timing out, which is a `DynamoDb` error with code
    /// `RequestTimeout`.
    DeadlineReached {
        /// What to change (the timeout, the page size).
        message: String,
    },
    /// Any other DynamoDB error, or a call that got no answer (`RequestTimeout`, `ConnectionFailed`).
    DynamoDb {
        /// DynamoDB's error code, or `RequestTimeout` / `ConnectionFailed` / `Unknown`.
        code: String,
        /// AWS's message, or the SDK's account of the failure.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// A defect of the function itself.
    Internal {
        /// What it was doing, and the error.
        message: String,
        /// The error that caused it.
        source: Option<Cause>,
    },
    /// A write arrived while ALLOW_WRITES is off.
    WritesDisabled {
        /// The refused op.
        op: &'static str,
    },
    /// A put / update / delete's condition failed. `key` and `old_item` are plain JSON text.
    ConditionFailed {
        /// The table written to.
        table: String,
        /// The item's key, as plain JSON text.
        key: String,
        /// The item as it is, when the request asked for it (plain JSON text).
        old_item: Option<String>,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// A transact_write was cancelled; nothing of it was written. One reason per action.
    TransactionCanceled {
        /// One reason per action, in the request's order.
        reasons: Vec<String>,
        /// The SDK error.
        source: Option<Cause>,
    },
    /// A batch_write stopped with some items not written: `message` lists them.
    BatchWriteIncomplete {
        /// What was written, and which items were not.
        message: String,
        /// The error that stopped it, if one did.
        source: Option<Cause>,
    },
    /// An export or export_status arrived while EXPORT_BUCKET is not set.
    ExportsDisabled {
        /// The refused op.
        op: &'static str,
    },
    /// The table cannot be exported: point-in-time recovery is off.
    PointInTimeRecoveryDisabled {
        /// The table.
        table: String,
        /// AWS's message.
        message: String,
        /// The SDK error.
        source: Option<Cause>,
    },
}

impl AppError {
    /// An invalid request, naming the field at fault.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidRequest { field: Some(field.into()), message: message.into(), source: None }
    }

    /// An invalid request as a whole (no one field to name).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        AppError::InvalidRequest { field: None, message: message.into(), source: None }
    }

    /// A defect of the function itself: `doing` what, and the error that caused it.
    pub fn internal(doing: &str, source: impl StdError + Send + Sync + 'static) -> Self {
        AppError::Internal { message: format!("{doing}: {source}"), source: Some(Arc::new(source)) }
    }

    /// The kind of error as one word: the reader Lambda's `errorType` (`InvalidRequest`,
    /// `AccessDenied`, `Timeout`, ...).
    pub fn error_type(&self) -> &'static str {
        match self {
            AppError::InvalidRequest { .. } => "InvalidRequest",
            AppError::AccessDenied { .. } => "AccessDenied",
            AppError::KmsAccessDenied { .. } => "KmsAccessDenied",
            AppError::AssumeRoleFailed { .. } => "AssumeRoleFailed",
            AppError::TableNotFound { .. } => "TableNotFound",
            AppError::Throttled { .. } => "Throttled",
            AppError::DeadlineReached { .. } => "Timeout",
            AppError::DynamoDb { .. } => "DynamoDbError",
            AppError::Internal { .. } => "Internal",
            AppError::WritesDisabled { .. } => "WritesDisabled",
            AppError::ConditionFailed { .. } => "ConditionFailed",
            AppError::TransactionCanceled { .. } => "TransactionCanceled",
            AppError::BatchWriteIncomplete { .. } => "BatchWriteIncomplete",
            AppError::ExportsDisabled { .. } => "ExportsDisabled",
            AppError::PointInTimeRecoveryDisabled { .. } => "PointInTimeRecoveryDisabled",
        }
    }

    /// Prefix the field path of an InvalidRequest (used when validating SCHEDULED_REQUEST etc.).
    pub fn in_field(self, parent: &str) -> Self {
        match self {
            AppError::InvalidRequest { field, message, source } => AppError::InvalidRequest {
                field: Some(match field {
                    Some(f) => format!("{parent}.{f}"),
                    None => parent.to_string(),
                }),
                message,
                source,
            },
            other => other,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::InvalidRequest { field: Some(field), message, .. } => {
                write!(f, "invalid request: field `{field}`: {message}")
            }
            AppError::InvalidRequest { field: None, message, .. } => write!(f, "invalid request: {message}"),
            AppError::AccessDenied { role_arn, action, table, region, message, .. } => write!(
                f,
                "access denied: role {role_arn} is not allowed {action} on table `{table}` in region {region} ({}); AWS said: {message}",
                missing_grant(role_arn, message)
            ),
            AppError::KmsAccessDenied { role_arn, action, table, region, message, .. } => {
                let (key_arn, denied) = (crate::wire::kms::key_arn_in(message), crate::wire::kms::denied_action_in(message));
                let key = key_arn
                    .as_deref()
                    .unwrap_or("(AWS does not name it: DescribeTable shows it in SSEDescription.KMSMasterKeyArn)");
                write!(
                    f,
                    "access denied by KMS: role {role_arn} may not use the KMS key {key} of table `{table}` in region {region} for {action}"
                )?;
                if let Some(denied) = denied {
                    write!(f, " (refused: {denied})")?;
                }
                write!(
                    f,
                    "; it needs {} on that key via dynamodb.{region}.amazonaws.com, in the role's policy for the \
                     table (Terraform: the table entry's kms_key_arn) and in the key's policy (delegating to the \
                     main account's IAM or naming the role); AWS said: {message}",
                    crate::wire::kms::needed_for(action).join(", ")
                )
            }
            AppError::AssumeRoleFailed { role_arn, message, .. } => write!(
                f,
                "could not assume role {role_arn}: {message} (check the role's trust policy, the \
                 ExternalId, and that the execution role may call sts:AssumeRole on it)"
            ),
            AppError::TableNotFound { table, region, message, .. } => {
                write!(f, "table `{table}` not found in region {region} of the main account: {message}")
            }
            AppError::Throttled { message, .. } => write!(f, "throttled: {message}"),
            AppError::DeadlineReached { message } => write!(f, "timeout: {message}"),
            AppError::DynamoDb { code, message, .. } => write!(f, "DynamoDB error {code}: {message}"),
            AppError::Internal { message, .. } => write!(f, "internal error: {message}"),
            AppError::WritesDisabled { op } => write!(
                f,
                "writes are disabled: op `{op}` needs ALLOW_WRITES=true in the function's configuration \
                 (Terraform: function.allow_writes = true); nothing was written"
            ),
            AppError::ConditionFailed { table, key, old_item, .. } => {
                write!(f, "condition failed on table `{table}` for key {key}; nothing was written")?;
                match old_item {
                    Some(item) => write!(f, "; the item is {item}"),
                    None => Ok(()),
                }
            }
            AppError::TransactionCanceled { reasons, .. } => {
                write!(f, "transaction canceled, nothing was written; reasons: {}", reasons.join("; "))
            }
            AppError::BatchWriteIncomplete { message, .. } => write!(f, "batch_write incomplete: {message}"),
            AppError::ExportsDisabled { op } => write!(
                f,
                "exports are disabled: op `{op}` needs EXPORT_BUCKET in the function's configuration \
                 (Terraform: the consumer root's export_bucket); nothing was exported"
            ),
            AppError::PointInTimeRecoveryDisabled { table, message, .. } => write!(
                f,
                "table `{table}` cannot be exported: point-in-time recovery is not enabled on it; enable it in \
                 the main account (Terraform: point_in_time_recovery on the table); AWS said: {message}"
            ),
        }
    }
}

/// lambda_runtime logs every handler error with `{:?}` at ERROR; make that line read like the message
/// the caller gets instead of a struct dump that looks like a panic.
impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.error_type())
    }
}

impl StdError for AppError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let cause = match self {
            AppError::InvalidRequest { source, .. }
            | AppError::AccessDenied { source, .. }
            | AppError::KmsAccessDenied { source, .. }
            | AppError::AssumeRoleFailed { source, .. }
            | AppError::TableNotFound { source, .. }
            | AppError::Throttled { source, .. }
            | AppError::DynamoDb { source, .. }
            | AppError::Internal { source, .. }
            | AppError::ConditionFailed { source, .. }
            | AppError::TransactionCanceled { source, .. }
            | AppError::BatchWriteIncomplete { source, .. }
            | AppError::PointInTimeRecoveryDisabled { source, .. } => source.as_ref(),
            AppError::DeadlineReached { .. } | AppError::WritesDisabled { .. } | AppError::ExportsDisabled { .. } => {
                None
            }
        };
        cause.map(|c| c.as_ref() as &(dyn StdError + 'static))
    }
}

impl From<AppError> for lambda_runtime::Diagnostic {
    fn from(e: AppError) -> Self {
        lambda_runtime::Diagnostic { error_type: e.error_type().to_string(), error_message: e.to_string() }
    }
}

/// Which policy most likely lacks the grant, from AWS's wording. Across accounts (resource_policy
/// mode) both the execution role's identity policy and the table's resource policy must allow.
fn missing_grant(role: &str, message: &str) -> &'static str {
    if message.contains("resource-based policy") {
        "the table's resource-based policy in the main account does not grant it to the execution role"
    } else if role == EXECUTION_ROLE {
        "the execution role's identity policy does not grant it on the main account's table (both policies must allow)"
    } else {
        "grant it in the main account's policy for this table"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every errorType the function can return is in the table of docs/errors.md (one row each).
    #[test]
    fn the_errors_page_documents_every_error_type() {
        let page = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md"));
        let all = [
            AppError::invalid("f", "m"),
            AppError::AccessDenied {
                role_arn: String::new(),
                action: String::new(),
                table: String::new(),
                region: Box::default(),
                message: String::new(),
                source: None,
            },
            AppError::KmsAccessDenied {
                role_arn: String::new(),
                action: String::new(),
                table: String::new(),
                region: Box::default(),
                message: String::new(),
                source: None,
            },
            AppError::AssumeRoleFailed { role_arn: String::new(), message: String::new(), source: None },
            AppError::TableNotFound {
                table: String::new(),
                region: Box::default(),
                message: String::new(),
                source: None,
            },
            AppError::Throttled { message: String::new(), source: None },
            AppError::DeadlineReached { message: String::new() },
            AppError::DynamoDb { code: String::new(), message: String::new(), source: None },
            AppError::Internal { message: String::new(), source: None },
            AppError::WritesDisabled { op: "put" },
            AppError::ConditionFailed { table: String::new(), key: String::new(), old_item: None, source: None },
            AppError::TransactionCanceled { reasons: Vec::new(), source: None },
            AppError::BatchWriteIncomplete { message: String::new(), source: None },
            AppError::ExportsDisabled { op: "export" },
            AppError::PointInTimeRecoveryDisabled { table: String::new(), message: String::new(), source: None },
        ];
        for e in all {
            // A new variant fails to compile here until it is added to `all` (and to docs/errors.md).
            match e {
                AppError::InvalidRequest { .. }
                | AppError::AccessDenied { .. }
                | AppError::KmsAccessDenied { .. }
                | AppError::AssumeRoleFailed { .. }
                | AppError::TableNotFound { .. }
                | AppError::Throttled { .. }
                | AppError::DeadlineReached { .. }
                | AppError::DynamoDb { .. }
                | AppError::Internal { .. }
                | AppError::WritesDisabled { .. }
                | AppError::ConditionFailed { .. }
                | AppError::TransactionCanceled { .. }
                | AppError::BatchWriteIncomplete { .. }
                | AppError::ExportsDisabled { .. }
                | AppError::PointInTimeRecoveryDisabled { .. } => {}
            }
            let row = format!("| `{}` |", e.error_type());
            assert_eq!(page.matches(&row).count(), 1, "docs/errors.md's errorType table needs one row {row}");
        }
    }

    #[test]
    fn access_denied_says_which_policy_is_likely_missing() {
        let denied = |role: &str, message: &str| {
            AppError::AccessDenied {
                role_arn: role.into(),
                action: "dynamodb:GetItem".into(),
                table: "orders".into(),
                region: Box::new("us-east-1".into()),
                message: message.into(),
                source: None,
            }
            .to_string()
        };
        let exec = EXECUTION_ROLE;
        assert!(denied(exec, "because no resource-based policy allows the dynamodb:GetItem action")
            .contains("the table's resource-based policy"));
        assert!(denied(exec, "because no identity-based policy allows the dynamodb:GetItem action")
            .contains("the execution role's identity policy"));
        assert!(denied("arn:aws:iam::111111111111:role/r", "because no identity-based policy allows")
            .contains("the main account's policy for this table"));
    }
}
