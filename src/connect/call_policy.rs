//! How every AWS call the function makes is retried and timed out: the SDK's standard retry policy
//! and timeouts suited to a function that must answer before its deadline. Every client (STS for
//! the AssumeRole, DynamoDB) is built on this configuration, and shares its one HTTPS connector
//! (`https`).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::http::HttpConnectorSettings;

use crate::connect::https::shared_client;

/// Attempts per call, the first one included.
pub const MAX_ATTEMPTS: u32 = 5;
/// One attempt that takes longer is abandoned and retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The execution role's credentials from the environment, with this retry and timeout policy, and
/// one HTTPS connector (its TLS configuration and root certificates loaded now, during init).
pub async fn base_config() -> SdkConfig {
    let connector = HttpConnectorSettings::builder().connect_timeout(CONNECT_TIMEOUT).build();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(shared_client(connector))
        // Throttling (and transient 5xx / connection errors) are retried with the SDK's jittered
        // exponential backoff.
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        )
        .load()
        .await
}
