//! The one HTTPS connector every AWS client of the process uses (STS for the AssumeRole and
//! GetCallerIdentity, DynamoDB in every region): the SDK's own hyper 1 + rustls (aws-lc-rs) stack,
//! built once, during init.
//!
//! Why not the SDK's default: every client built on an `SdkConfig` without an HTTP client gets an
//! HTTP client of its own, and each builds its rustls configuration twice (once when the client is
//! built, again for its first call), parsing every root certificate of the system bundle each
//! time, and keeps its own connection pool: with the STS and the home region's DynamoDB client, four
//! times per cold start, two of them in the first invocation. One connector parses the roots once,
//! during init, and keeps one pool, so clients that reach the same host (one endpoint for STS and
//! DynamoDB, as locally) share a TLS connection; on AWS the hosts differ and each opens its own.

use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;

/// An HTTP client that hands out one connector whatever the call's settings: every client of this
/// process is built on `call_policy::base_config`, so their connector settings (the connect
/// timeout) are the same ones this connector was built with.
#[derive(Debug, Clone)]
struct OneConnector(SharedHttpConnector);

impl HttpClient for OneConnector {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        self.0.clone()
    }
}

/// The connector with `settings` (a connect timeout), proxies from the environment as the SDK's
/// default client reads them, rustls with aws-lc-rs and the system's roots (SSL_CERT_FILE when set).
pub(crate) fn shared_client(settings: HttpConnectorSettings) -> SharedHttpClient {
    let mut builder = Connector::builder().connector_settings(settings).proxy_config(ProxyConfig::from_env());
    // The connect timeout needs a sleep; the SDK's default client takes the runtime's, which is this one.
    builder.set_sleep_impl(default_async_sleep());
    let connector = builder.tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build();
    OneConnector(SharedHttpConnector::new(connector)).into_shared()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_credential_types::{provider::SharedCredentialsProvider, Credentials};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const STS_BODY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:sts::222222222222:assumed-role/r/s</Arn><UserId>AROA:s</UserId><Account>222222222222</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";

    /// A plain HTTP/1.1 endpoint that keeps connections open, answers STS GetCallerIdentity and
    /// DynamoDB ListTables, and counts the connections it accepted.
    async fn endpoint() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Ok(n) = socket.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        // One whole request: the headers, then Content-Length bytes of body.
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        if buf.len() < end + 4 + length {
                            continue;
                        }
                        let (kind, body) = if head.contains("x-amz-target: dynamodb") {
                            ("application/x-amz-json-1.0", "{\"TableNames\":[]}")
                        } else {
                            ("text/xml", STS_BODY)
                        };
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        socket.write_all(reply.as_bytes()).await.unwrap();
                        buf.drain(..end + 4 + length);
                    }
                });
            }
        });
        (url, accepted)
    }

    /// An STS call, then a DynamoDB call, each on its own client built from `base` as the function
    /// builds them; the connections the endpoint accepted.
    async fn connections_for_sts_then_dynamodb(shared: bool) -> usize {
        let (url, accepted) = endpoint().await;
        let mut base = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()));
        if shared {
            base.set_http_client(Some(shared_client(
                HttpConnectorSettings::builder().connect_timeout(Duration::from_secs(3)).build(),
            )));
        }
        let base = base.build();
        let identity = aws_sdk_sts::Client::new(&base).get_caller_identity().send().await.unwrap();
        assert_eq!(identity.account(), Some("222222222222"));
        let tables = aws_sdk_dynamodb::Client::new(&base).list_tables().send().await.unwrap();
        assert!(tables.table_names().is_empty());
        accepted.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn clients_on_one_endpoint_share_one_connection() {
        // The SDK's default: each client its own HTTP client and pool, so a connection each.
        assert_eq!(connections_for_sts_then_dynamodb(false).await, 2);
        assert_eq!(connections_for_sts_then_dynamodb(true).await, 1);
    }
}
