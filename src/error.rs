//! Errors returned to the caller. Each variant becomes the Lambda error's `errorType`; messages say
//! what to fix (the field, the role, the action, the table) and never carry credentials.

use std::error::Error as StdError;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

#[derive(Clone, PartialEq)]
pub enum AppError {
    /// The request (or a configured SCHEDULED_REQUEST) is malformed. `field` is the JSON path.
    InvalidRequest {
        field: Option<String>,
        message: String,
    },
    AccessDenied {
        role_arn: String,
        action: String,
        table: String,
        message: String,
    },
    AssumeRoleFailed {
        role_arn: String,
        message: String,
    },
    TableNotFound {
        table: String,
        message: String,
    },
    /// Still throttled after the SDK's retries (or after our UnprocessedKeys backoff).
    Throttled {
        message: String,
    },
    /// The invocation's deadline arrived before any page could be read.
    Timeout {
        message: String,
    },
    DynamoDb {
        code: String,
        message: String,
    },
    Internal {
        message: String,
    },
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidRequest { field: Some(field.into()), message: message.into() }
    }

    pub fn error_type(&self) -> &'static str {
        match self {
            AppError::InvalidRequest { .. } => "InvalidRequest",
            AppError::AccessDenied { .. } => "AccessDenied",
            AppError::AssumeRoleFailed { .. } => "AssumeRoleFailed",
            AppError::TableNotFound { .. } => "TableNotFound",
            AppError::Throttled { .. } => "Throttled",
            AppError::Timeout { .. } => "Timeout",
            AppError::DynamoDb { .. } => "DynamoDbError",
            AppError::Internal { .. } => "Internal",
        }
    }

    /// Prefix the field path of an InvalidRequest (used when validating SCHEDULED_REQUEST etc.).
    pub fn in_field(self, parent: &str) -> Self {
        match self {
            AppError::InvalidRequest { field, message } => AppError::InvalidRequest {
                field: Some(match field {
                    Some(f) => format!("{parent}.{f}"),
                    None => parent.to_string(),
                }),
                message,
            },
            other => other,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::InvalidRequest { field: Some(field), message } => {
                write!(f, "invalid request: field `{field}`: {message}")
            }
            AppError::InvalidRequest { field: None, message } => write!(f, "invalid request: {message}"),
            AppError::AccessDenied { role_arn, action, table, message } => write!(
                f,
                "access denied: role {role_arn} is not allowed {action} on table `{table}` \
                 (grant it in the main account's policy for this table); AWS said: {message}"
            ),
            AppError::AssumeRoleFailed { role_arn, message } => write!(
                f,
                "could not assume role {role_arn}: {message} (check the role's trust policy, the \
                 ExternalId, and that the execution role may call sts:AssumeRole on it)"
            ),
            AppError::TableNotFound { table, message } => {
                write!(f, "table `{table}` not found in the main account's region: {message}")
            }
            AppError::Throttled { message } => write!(f, "throttled: {message}"),
            AppError::Timeout { message } => write!(f, "timeout: {message}"),
            AppError::DynamoDb { code, message } => write!(f, "DynamoDB error {code}: {message}"),
            AppError::Internal { message } => write!(f, "internal error: {message}"),
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

impl StdError for AppError {}

impl From<AppError> for lambda_runtime::Diagnostic {
    fn from(e: AppError) -> Self {
        lambda_runtime::Diagnostic { error_type: e.error_type().to_string(), error_message: e.to_string() }
    }
}

/// What a DynamoDB call was doing, so a failure can name it.
pub struct CallContext<'a> {
    pub role_arn: &'a str,
    pub action: &'a str,
    pub table: &'a str,
}

/// Map an SDK error of any DynamoDB operation to what the caller can act on.
pub fn from_sdk<E, R>(err: SdkError<E, R>, ctx: &CallContext<'_>) -> AppError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &err {
        let e = service.err();
        let code = e.code().unwrap_or("Unknown").to_string();
        let message = e.message().unwrap_or_default().to_string();
        return match code.as_str() {
            "AccessDeniedException" | "AccessDenied" | "UnrecognizedClientException" => AppError::AccessDenied {
                role_arn: ctx.role_arn.to_string(),
                action: ctx.action.to_string(),
                table: ctx.table.to_string(),
                message: format!("{code}: {message}"),
            },
            "ResourceNotFoundException" => AppError::TableNotFound { table: ctx.table.to_string(), message },
            "ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded" => {
                AppError::Throttled {
                    message: format!("{code} on {} `{}` after retries: {message}", ctx.action, ctx.table),
                }
            }
            "ValidationException" => AppError::InvalidRequest {
                field: None,
                message: format!("DynamoDB rejected {} on `{}`: {message}", ctx.action, ctx.table),
            },
            _ => AppError::DynamoDb { code, message },
        };
    }
    // Credentials are resolved lazily by the client: an AssumeRole failure surfaces here, wrapped.
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(s) = source {
        if let Some(cred) = s.downcast_ref::<CredentialsError>() {
            return AppError::AssumeRoleFailed {
                role_arn: ctx.role_arn.to_string(),
                message: DisplayErrorContext(cred).to_string(),
            };
        }
        source = s.source();
    }
    let detail = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::TimeoutError(_) => AppError::DynamoDb { code: "Timeout".into(), message: detail },
        SdkError::DispatchFailure(_) => AppError::DynamoDb { code: "ConnectionFailed".into(), message: detail },
        _ => AppError::DynamoDb { code: "Unknown".into(), message: detail },
    }
}
