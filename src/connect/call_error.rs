//! What a failed AWS call means to the caller: an SDK error of any DynamoDB operation mapped to the
//! `AppError` that names the role, the action, the table and its region. The SDK error stays the
//! result's `source`.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::wire::error::{AppError, Cause};

/// What a DynamoDB call was doing, so a failure can name it.
pub struct CallContext<'a> {
    /// The role the call was made as (`CrossAccount::role_arn`).
    pub role_arn: &'a str,
    /// The DynamoDB action, e.g. `dynamodb:Query`.
    pub action: &'a str,
    /// The table the call named.
    pub table: &'a str,
    /// The region the call went to.
    pub region: &'a str,
}

/// Map an SDK error of any DynamoDB operation to what the caller can act on. The SDK error stays
/// the result's `source`.
pub fn from_sdk<E, R>(err: SdkError<E, R>, ctx: &CallContext<'_>) -> AppError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let service = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            Some((e.code().unwrap_or("Unknown").to_string(), e.message().unwrap_or_default().to_string()))
        }
        _ => None,
    };
    // Credentials are resolved lazily by the client: an AssumeRole failure surfaces here, wrapped.
    let credentials = service.is_none().then(|| credentials_failure(&err)).flatten();
    let detail = DisplayErrorContext(&err).to_string();
    let timeout = matches!(err, SdkError::TimeoutError(_));
    let dispatch = matches!(err, SdkError::DispatchFailure(_));
    let source: Option<Cause> = Some(Arc::new(err));
    if let Some((code, message)) = service {
        return match code.as_str() {
            "AccessDeniedException" if crate::wire::kms::is_key_denial(&message) => AppError::KmsAccessDenied {
                role_arn: ctx.role_arn.to_string(),
                action: ctx.action.to_string(),
                table: ctx.table.to_string(),
                region: Box::new(ctx.region.into()),
                message: format!("{code}: {message}"),
                source,
            },
            "AccessDeniedException" | "AccessDenied" | "UnrecognizedClientException" => AppError::AccessDenied {
                role_arn: ctx.role_arn.to_string(),
                action: ctx.action.to_string(),
                table: ctx.table.to_string(),
                region: Box::new(ctx.region.into()),
                message: format!("{code}: {message}"),
                source,
            },
            "ResourceNotFoundException" => AppError::TableNotFound {
                table: ctx.table.to_string(),
                region: Box::new(ctx.region.into()),
                message,
                source,
            },
            "ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded" => {
                AppError::Throttled {
                    message: format!("{code} on {} `{}` after retries: {message}", ctx.action, ctx.table),
                    source,
                }
            }
            "ValidationException" => AppError::InvalidRequest {
                field: None,
                message: format!("DynamoDB rejected {} on `{}`: {message}", ctx.action, ctx.table),
                source,
            },
            _ => AppError::DynamoDb { code, message, source },
        };
    }
    if let Some(message) = credentials {
        return AppError::AssumeRoleFailed { role_arn: ctx.role_arn.to_string(), message, source };
    }
    let code = if timeout {
        "RequestTimeout"
    } else if dispatch {
        "ConnectionFailed"
    } else {
        "Unknown"
    };
    AppError::DynamoDb { code: code.into(), message: detail, source }
}

/// The credentials error somewhere in `err`'s source chain, as text.
fn credentials_failure(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(s) = source {
        if let Some(cred) = s.downcast_ref::<CredentialsError>() {
            return Some(DisplayErrorContext(cred).to_string());
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::scan::ScanError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    fn ctx() -> CallContext<'static> {
        CallContext {
            role_arn: "arn:aws:iam::111111111111:role/r",
            action: "dynamodb:Scan",
            table: "orders",
            region: "us-east-1",
        }
    }

    #[test]
    fn an_sdk_timeout_is_a_request_timeout_not_the_deadline() {
        let err: SdkError<ScanError, Response> = SdkError::timeout_error("attempt timed out after 10 s");
        let e = from_sdk(err, &ctx());
        assert!(matches!(&e, AppError::DynamoDb { code, .. } if code == "RequestTimeout"), "{e:?}");
        assert_eq!(e.error_type(), "DynamoDbError");
        let source = StdError::source(&e).expect("the SDK error is kept");
        assert!(source.downcast_ref::<SdkError<ScanError, Response>>().is_some());
        let deadline = AppError::DeadlineReached { message: "m".into() };
        assert_eq!(deadline.error_type(), "Timeout");
    }

    #[test]
    fn a_service_error_keeps_the_sdk_error_as_its_source() {
        let body = r#"{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "gone"}"#;
        let raw = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body));
        let err = SdkError::service_error(ScanError::unhandled("ResourceNotFoundException"), raw);
        let e = from_sdk(err, &ctx());
        assert!(StdError::source(&e).is_some(), "{e:?}");
        let internal = AppError::internal("encoding", serde_json::from_str::<u8>("x").unwrap_err());
        assert!(StdError::source(&internal).is_some() && internal.to_string().contains("encoding: "), "{internal}");
    }

    #[test]
    fn a_kms_refusal_names_the_key_and_what_the_role_needs() {
        let denied = |message: &str, action: &'static str| {
            let body =
                serde_json::json!({"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message});
            let raw = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body.to_string()));
            let meta = aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message(message)
                .build();
            let err = SdkError::service_error(ScanError::generic(meta), raw);
            from_sdk(err, &CallContext { action, ..ctx() })
        };
        let key = "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-aaaa-bbbb-cccc-123456789012";
        let e = denied(
            &format!("KMS key access denied error: User: u is not authorized to perform: kms:Decrypt on resource: {key} because"),
            "dynamodb:Scan",
        );
        assert_eq!(e.error_type(), "KmsAccessDenied");
        let text = e.to_string();
        assert!(text.contains(key) && text.contains("(refused: kms:Decrypt)") && text.contains("`orders`"), "{text}");
        assert!(text.contains("it needs kms:Decrypt, kms:DescribeKey on that key"), "{text}");
        // AWS's own wording names no key: the message says where to find it; a write needs more.
        let e = denied(
            "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: ...",
            "dynamodb:PutItem",
        );
        let text = e.to_string();
        assert!(text.contains("SSEDescription.KMSMasterKeyArn") && text.contains("kms:GenerateDataKey*"), "{text}");
        // Any other AccessDeniedException stays AccessDenied.
        let e = denied("User: u is not authorized to perform: dynamodb:Scan on resource: t", "dynamodb:Scan");
        assert_eq!(e.error_type(), "AccessDenied");
    }

    #[test]
    fn errors_that_name_a_table_name_its_region() {
        let west = CallContext { region: "us-west-2", ..ctx() };
        let service = |code: &str| {
            let body =
                serde_json::json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": "m"});
            let raw = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body.to_string()));
            let meta = aws_smithy_types::error::ErrorMetadata::builder().code(code).message("m").build();
            SdkError::service_error(ScanError::generic(meta), raw)
        };
        let e = from_sdk(service("ResourceNotFoundException"), &west);
        assert_eq!(e.error_type(), "TableNotFound");
        assert!(e.to_string().contains("table `orders` not found in region us-west-2"), "{e}");
        let e = from_sdk(service("AccessDeniedException"), &west);
        assert!(e.to_string().contains("on table `orders` in region us-west-2"), "{e}");
        let e = from_sdk(service("AccessDeniedException"), &ctx());
        assert!(e.to_string().contains("on table `orders` in region us-east-1"), "{e}");
    }
}
