//! Credentials: the main account's role, assumed with `assume_role::AssumeRole` (AssumeRole with
//! the SourceIdentity and session tags of `attribution`), signing the DynamoDB clients of every
//! region (`clients`).
//!
//! The provider does not cache; the clients' one lazy identity cache does (refreshed shortly before
//! expiry), so every warm invocation, in any region, shares one STS AssumeRole per credential
//! lifetime. That is why the clients are built once in `main` and lent to the handler (inside
//! `TableAccess`).

use std::fmt;
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::assume_role::{AssumeRole, AssumeRoleParams};
use crate::call_policy::base_config;
use crate::clients::Clients;
use crate::config::Config;
use crate::role::RoleSource;
use crate::table::TableAccess;

/// STS caps a session assumed by a role (role chaining, as from a Lambda execution role) at 1 h.
const ROLE_CHAINING_MAX: Duration = Duration::from_secs(3600);

/// Why the function could not set up its DynamoDB access at start.
#[derive(Debug)]
pub enum ConnectError {
    /// CONSUMER_ACCOUNT_ID is not set and STS GetCallerIdentity failed.
    CallerIdentity(Box<SdkError<GetCallerIdentityError>>),
    /// GetCallerIdentity answered without an account id.
    NoAccount,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::CallerIdentity(e) => write!(
                f,
                "CONSUMER_ACCOUNT_ID is not set and STS GetCallerIdentity failed, so the role ARN cannot be derived: {}",
                DisplayErrorContext(e)
            ),
            ConnectError::NoAccount => f.write_str("GetCallerIdentity returned no account"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::CallerIdentity(e) => Some(e.as_ref()),
            ConnectError::NoAccount => None,
        }
    }
}

/// How AccessDenied names the signer in ACCESS_MODE=resource_policy (its ARN is not known
/// without an STS call, which that mode avoids).
pub const EXECUTION_ROLE: &str = "the execution role (ACCESS_MODE=resource_policy)";

/// Builds the table access. Only the role lookup (GetCallerIdentity, when the consumer account is not
/// configured) talks to AWS here; the AssumeRole itself happens on first use or in `warm_up`.
pub async fn connect(config: &Config) -> Result<TableAccess, ConnectError> {
    connect_with(config, &base_config().await).await
}

/// `connect` on a given base configuration (tests inject HTTP clients and time sources here).
pub async fn connect_with(config: &Config, base: &SdkConfig) -> Result<TableAccess, ConnectError> {
    // assume_role: our AssumeRole provider signs; resource_policy: the default provider chain
    // (the execution role) of `base` signs, and no STS client is made.
    let (role_arn, assume_role) = match config.access.role() {
        None => (EXECUTION_ROLE.to_string(), None),
        Some(role) => {
            let role_arn = role_arn(role, base).await?;
            if config.session_duration > ROLE_CHAINING_MAX {
                tracing::warn!(
                    seconds = config.session_duration.as_secs(),
                    "SESSION_DURATION_SECONDS is above 3600: STS rejects it when the caller is itself a role (role chaining, as in Lambda)"
                );
            }
            let provider = AssumeRole::new(
                base,
                AssumeRoleParams {
                    role_arn: role_arn.clone(),
                    session_name: config.session_name.clone(),
                    session_length: config.session_duration,
                    external_id: config.external_id.clone(),
                    attribution: config.attribution.clone(),
                },
            );
            (role_arn, Some(provider))
        }
    };
    // One template for every region's client: one identity cache, and the provider set once (one
    // cache partition); see `clients`. No provider (resource_policy) keeps `base`'s default chain.
    let mut template = aws_sdk_dynamodb::config::Builder::from(base).identity_cache(IdentityCache::lazy().build());
    template.set_credentials_provider(assume_role.clone().map(SharedCredentialsProvider::new));
    let access = TableAccess::new(Clients::new(template, &config.requests.table_region), role_arn);
    // The check's own STS call goes through a copy of the same provider (it does not cache).
    Ok(match assume_role {
        Some(provider) => access.with_assume_role(provider),
        None => access,
    })
}

/// The configured role's ARN; with the naming rules and no CONSUMER_ACCOUNT_ID, the caller's own
/// account (GetCallerIdentity, signed with the execution role) is the consumer.
async fn role_arn(role: &RoleSource, base: &SdkConfig) -> Result<String, ConnectError> {
    if let Some(arn) = role.arn(None) {
        return Ok(arn);
    }
    let identity = aws_sdk_sts::Client::new(base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ConnectError::CallerIdentity(Box::new(e)))?;
    role.arn(identity.account()).ok_or(ConnectError::NoAccount)
}
