//! Credentials and clients: one DynamoDB client per process, signed with the main account's role.
//!
//! `AssumeRoleProvider` does not cache; the client's lazy identity cache does (refreshed shortly before
//! expiry), so every warm invocation shares one STS AssumeRole per credential lifetime. That is why the
//! client is built once in `main` and lent to the handler.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::Client;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::config::Config;
use crate::error::{from_sdk, CallContext};

pub struct Clients {
    pub dynamodb: Client,
    /// The main-account role every DynamoDB call is made as (named in AccessDenied messages).
    pub role_arn: String,
}

/// Base configuration: the execution role's credentials from the environment, with retry and
/// timeouts suited to a function that must answer before its deadline.
pub async fn base_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        // Throttling (and transient 5xx / connection errors) are retried with jittered exponential backoff.
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}

/// Builds the DynamoDB client. Only the role lookup (GetCallerIdentity, when the consumer account is not
/// configured) talks to AWS here; the AssumeRole itself happens on first use or in `warm_up`.
pub async fn connect(config: &Config) -> Result<Clients, String> {
    connect_with(config, &base_config().await).await
}

/// `connect` on a given base configuration (tests inject HTTP clients and time sources here).
pub async fn connect_with(config: &Config, base: &SdkConfig) -> Result<Clients, String> {
    let role_arn = match config.role.arn(None) {
        Some(arn) => arn,
        None => {
            let identity = aws_sdk_sts::Client::new(base)
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| format!(
                    "CONSUMER_ACCOUNT_ID is not set and STS GetCallerIdentity failed, so the role ARN cannot be derived: {}",
                    DisplayErrorContext(&e)
                ))?;
            let account = identity.account().unwrap_or_default();
            config.role.arn(Some(account)).ok_or("GetCallerIdentity returned no account")?
        }
    };
    if config.session_duration > Duration::from_secs(3600) {
        tracing::warn!(
            seconds = config.session_duration.as_secs(),
            "SESSION_DURATION_SECONDS is above 3600: STS rejects it when the caller is itself a role (role chaining, as in Lambda)"
        );
    }
    let provider = AssumeRoleProvider::builder(role_arn.clone())
        .session_name(config.session_name.clone())
        .session_length(config.session_duration)
        .configure(base);
    let provider = match &config.external_id {
        Some(id) => provider.external_id(id.clone()),
        None => provider,
    }
    .build()
    .await;
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(base)
        .region(Region::new(config.table_region.clone()))
        .credentials_provider(provider)
        .build();
    Ok(Clients { dynamodb: Client::from_conf(dynamodb), role_arn })
}

impl Clients {
    /// Pays the AssumeRole and the STS / DynamoDB TLS handshakes during init instead of in the first
    /// invocation. A failure is only logged: the first invocation retries and reports it properly.
    pub async fn warm_up(&self, table: Option<&str>) {
        let Some(table) = table else {
            tracing::info!("no DEFAULT_TABLE: skipping the warm-up; the first invocation assumes the role");
            return;
        };
        let started = Instant::now();
        let call = self.dynamodb.describe_table().table_name(table).send();
        match tokio::time::timeout(Duration::from_secs(4), call).await {
            Ok(Ok(_)) => {
                tracing::info!(table, role_arn = %self.role_arn, duration_ms = started.elapsed().as_millis() as u64, "warm-up done: role assumed, connections open")
            }
            Ok(Err(e)) => {
                let e = from_sdk(e, &CallContext { role_arn: &self.role_arn, action: "dynamodb:DescribeTable", table });
                tracing::warn!(table, error_type = e.error_type(), error = %e, "warm-up failed; invocations will retry");
            }
            Err(_) => tracing::warn!(table, "warm-up timed out after 4 s; invocations will retry"),
        }
    }
}
