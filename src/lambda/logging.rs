//! JSON logs (one object per line) at the level Lambda's advanced logging controls ask for.

use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::lambda::metrics::EmfFormat;

/// SDK and HTTP crates are capped at INFO whatever level is asked for: their DEBUG output includes
/// the access key id of resolved credentials (`Credentials`' Debug) and request headers.
const CAPPED: &[&str] = &[
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sigv4",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sdk_sts",
    "aws_sdk_dynamodb",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
];

pub fn init() {
    // AWS_LAMBDA_LOG_LEVEL is TRACE/DEBUG/INFO/WARN/ERROR/FATAL; RUST_LOG wins when set.
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .map(|l| if l.eq_ignore_ascii_case("fatal") { "error".to_string() } else { l.to_lowercase() })
        .unwrap_or_else(|_| "info".into());
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&level));
    for target in CAPPED {
        if let Ok(d) = format!("{target}=info").parse() {
            filter = filter.add_directive(d);
        }
    }
    // try_init, as before: also routes the `log` crate's records into tracing.
    let _ = subscriber(filter, std::io::stdout).try_init();
}

/// One JSON object per line, the event's fields at top level (CloudWatch's EMF reads metrics there);
/// metric events get their `_aws` block from `metrics::EmfFormat`.
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let json =
        tracing_subscriber::fmt::format().json().with_current_span(false).with_span_list(false).flatten_event(true);
    tracing_subscriber::fmt()
        .fmt_fields(JsonFields::new())
        .event_format(EmfFormat(json))
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}
