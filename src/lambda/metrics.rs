//! CloudWatch Embedded Metric Format (EMF): the invocation's one log line also carries the `_aws`
//! block that makes CloudWatch Logs extract its numbers as metrics, with no API call.
//!
//! The metric values are fields the line already has (`items`, `pages`, `duration_ms`, ...; EMF wants
//! them as top-level members, which `flatten_event` gives). What EMF adds is the `_aws` object, and
//! tracing's JSON formatter can only write field values as strings or numbers, never as an object.
//! So [`EmfFormat`] wraps that formatter and writes `"_aws":{...},` right after the line's opening
//! brace, straight into the line's buffer: no second line, no allocation. Hand-written because the
//! EMF libraries (metrique's EMF writer) emit records through a sink of their own, i.e. a second
//! line per invocation beside the tracing one; here the block is a fixed string plus a timestamp.
//!
//! Which events carry metrics is decided by the event's static name (`name: metrics::REQUEST`),
//! which the JSON line does not show, so the log fields stay exactly as they were.

use std::fmt;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Event name of a completed request's line: items, scanned_count, pages, consumed_capacity,
/// duration_ms by op and table.
pub const REQUEST: &str = "metrics:request";
/// Event name of a failed request's line: `errors` (1) by op and table and by error_type.
pub const FAILURE: &str = "metrics:failure";

pub const DEFAULT_NAMESPACE: &str = "DdbCrossAccountReader";

/// Every metric: the log field it is read from (also its name in CloudWatch) and its EMF unit.
pub const REQUEST_METRICS: &[(&str, &str)] = &[
    ("items", "Count"),
    ("scanned_count", "Count"),
    ("pages", "Count"),
    ("consumed_capacity", "Count"),
    ("duration_ms", "Milliseconds"),
];
pub const FAILURE_METRICS: &[(&str, &str)] = &[("errors", "Count")];
/// Only when DynamoDB reported capacity: EMF requires every metric it names to be in the line.
const OPTIONAL_METRIC: &str = "consumed_capacity";

/// METRICS / METRICS_NAMESPACE, as read by `config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    Off,
    On { namespace: String },
}

impl Settings {
    /// `metrics`: METRICS (`on` or `off`, unset: on); `namespace`: METRICS_NAMESPACE.
    /// Errors name the variable and what is expected.
    pub fn parse(metrics: Option<&str>, namespace: Option<&str>) -> Result<Settings, (&'static str, String)> {
        let on = match metrics.map(str::to_ascii_lowercase).as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => return Err(("METRICS", format!("expected `on` or `off`, got `{other}`"))),
        };
        let namespace = namespace.unwrap_or(DEFAULT_NAMESPACE);
        if !is_namespace(namespace) {
            return Err((
                "METRICS_NAMESPACE",
                format!(
                    "expected a CloudWatch namespace: 1-255 characters of letters, digits and . - _ / # : space, not starting with `AWS/`, got `{namespace}`"
                ),
            ));
        }
        Ok(if on { Settings::On { namespace: namespace.to_string() } } else { Settings::Off })
    }
}

/// CloudWatch's namespace rule (PutMetricData); the `AWS/` prefix is reserved for AWS services.
fn is_namespace(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && !s.starts_with("AWS/")
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_/#: ".contains(&b))
}

/// The `_aws` objects' text after `"Timestamp":N`, one per line shape, built once at start.
struct Directives {
    request: String,
    request_without_capacity: String,
    failure: String,
    failure_without_request: String,
}

static DIRECTIVES: OnceLock<Directives> = OnceLock::new();

/// Turns metrics on for every later line (main calls it once the configuration is read).
pub fn install(settings: &Settings) {
    if let Settings::On { namespace } = settings {
        let _ = DIRECTIVES.set(Directives::new(namespace));
    }
}

impl Directives {
    fn new(namespace: &str) -> Directives {
        let measured = |m: &&(&str, &str)| m.0 != OPTIONAL_METRIC;
        Directives {
            request: directive(namespace, &[&["op", "table"]], REQUEST_METRICS.iter()),
            request_without_capacity: directive(
                namespace,
                &[&["op", "table"]],
                REQUEST_METRICS.iter().filter(measured),
            ),
            failure: directive(namespace, &[&["op", "table"], &["error_type"]], FAILURE_METRICS.iter()),
            // The request did not parse: op and table are empty, and CloudWatch rejects an empty
            // dimension value, so such an error counts by error_type only.
            failure_without_request: directive(namespace, &[&["error_type"]], FAILURE_METRICS.iter()),
        }
    }
}

fn directive<'a>(
    namespace: &str,
    dimensions: &[&[&str]],
    metrics: impl Iterator<Item = &'a (&'a str, &'a str)>,
) -> String {
    let metrics: Vec<_> = metrics.map(|(name, unit)| serde_json::json!({"Name": name, "Unit": unit})).collect();
    let body = serde_json::json!([{"Namespace": namespace, "Dimensions": dimensions, "Metrics": metrics}]);
    format!(",\"CloudWatchMetrics\":{body}}}")
}

/// What the `_aws` block of an event depends on: whether the line has consumed_capacity, and
/// whether op is empty.
#[derive(Default)]
struct Shape {
    has_capacity: bool,
    empty_op: bool,
}

impl Visit for Shape {
    fn record_f64(&mut self, field: &Field, _: f64) {
        self.has_capacity |= field.name() == OPTIONAL_METRIC;
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "op" {
            self.empty_op = value.is_empty();
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn fmt::Debug) {}
}

fn tail_for(event: &Event<'_>) -> Option<&'static str> {
    let name = event.metadata().name();
    if name != REQUEST && name != FAILURE {
        return None;
    }
    let d = DIRECTIVES.get()?;
    let mut shape = Shape::default();
    event.record(&mut shape);
    Some(match (name == REQUEST, shape.has_capacity, shape.empty_op) {
        (true, true, _) => &d.request,
        (true, false, _) => &d.request_without_capacity,
        (false, _, false) => &d.failure,
        (false, _, true) => &d.failure_without_request,
    })
}

/// The event formatter: the inner (JSON) formatter's line, with `_aws` first in metric events.
pub struct EmfFormat<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for EmfFormat<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let Some(tail) = tail_for(event) else { return self.0.format_event(ctx, writer, event) };
        let timestamp_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
        let mut splice = AfterBrace { out: &mut writer, timestamp_ms, tail: Some(tail) };
        self.0.format_event(ctx, Writer::new(&mut splice), event)
    }
}

/// Passes the line through, writing `"_aws":{...},` after its first character, the object's `{`.
/// The JSON formatter always writes timestamp and level, so a member follows and the comma is right.
struct AfterBrace<'a, 'w> {
    out: &'a mut Writer<'w>,
    timestamp_ms: u128,
    tail: Option<&'static str>,
}

impl fmt::Write for AfterBrace<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match (self.tail, s.strip_prefix('{')) {
            (Some(tail), Some(rest)) => {
                self.tail = None;
                write!(self.out, "{{\"_aws\":{{\"Timestamp\":{}{tail},", self.timestamp_ms)?;
                self.out.write_str(rest)
            }
            _ => self.out.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::io;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl io::Write for Buffer {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    /// The lines `emit` logs through the project's own subscriber (`logging::subscriber`).
    fn lines(emit: impl FnOnce()) -> Vec<Value> {
        install(&Settings::On { namespace: "Test/Ns".into() });
        let buffer = Buffer::default();
        let subscriber = crate::lambda::logging::subscriber(tracing_subscriber::EnvFilter::new("info"), buffer.clone());
        tracing::subscriber::with_default(subscriber, emit);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
    }

    const UNITS: &[&str] = &[
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];

    /// The EMF specification's rules for one log line; returns (namespace, dimension sets, metric names).
    fn check_emf(line: &Value) -> (String, Vec<Vec<String>>, Vec<String>) {
        let root = line.as_object().expect("a line is a JSON object");
        let aws = root["_aws"].as_object().expect("_aws is an object");
        assert!(aws["Timestamp"].as_u64().expect("Timestamp: ms since the epoch") > 1_600_000_000_000);
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics is an array");
        assert_eq!(directives.len(), 1);
        let d = directives[0].as_object().unwrap();
        let namespace = d["Namespace"].as_str().expect("Namespace is a string").to_string();
        assert!(is_namespace(&namespace));
        let mut sets = Vec::new();
        for set in d["Dimensions"].as_array().expect("Dimensions is an array") {
            let set: Vec<String> = set.as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
            assert!(!set.is_empty() && set.len() <= 30, "a dimension set has 1-30 keys: {set:?}");
            for k in &set {
                let v = root.get(k).unwrap_or_else(|| panic!("dimension `{k}` is a top-level member"));
                let v = v.as_str().unwrap_or_else(|| panic!("dimension `{k}` is a string"));
                assert!(!v.is_empty() && v.len() <= 1024, "dimension `{k}` value of 1-1024 characters");
            }
            sets.push(set);
        }
        let metrics = d["Metrics"].as_array().expect("Metrics is an array");
        assert!(!metrics.is_empty() && metrics.len() <= 100, "1-100 metrics");
        let mut names = Vec::new();
        for m in metrics {
            let name = m["Name"].as_str().expect("metric Name").to_string();
            assert!(UNITS.contains(&m["Unit"].as_str().expect("metric Unit")), "unit of {name}");
            assert!(root.get(&name).is_some_and(Value::is_number), "metric `{name}` is a top-level number");
            names.push(name);
        }
        (namespace, sets, names)
    }

    #[test]
    fn a_request_line_carries_its_metrics_and_keeps_its_fields() {
        let l = lines(|| {
            tracing::info!(name: REQUEST, request_id = "r1", op = "scan", table = "orders", items = 3u64, count = 3u64,
                scanned_count = 5u64, pages = 2u64, consumed_capacity = 1.5f64, more = false, duration_ms = 4.25f64, "request complete");
        });
        let (ns, sets, names) = check_emf(&l[0]);
        assert_eq!(ns, "Test/Ns");
        assert_eq!(sets, vec![vec!["op", "table"]]);
        assert_eq!(names, ["items", "scanned_count", "pages", "consumed_capacity", "duration_ms"]);
        let mut fields = l[0].as_object().unwrap().clone();
        fields.remove("_aws");
        fields.remove("timestamp");
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"level": "INFO", "target": "ddb_cross_account_reader::lambda::metrics::tests",
                "message": "request complete", "request_id": "r1", "op": "scan", "table": "orders", "items": 3,
                "count": 3, "scanned_count": 5, "pages": 2, "consumed_capacity": 1.5, "more": false, "duration_ms": 4.25})
        );
    }

    #[test]
    fn no_capacity_no_capacity_metric() {
        let l = lines(|| {
            tracing::info!(name: REQUEST, op = "get", table = "t", items = 0u64, scanned_count = 0u64, pages = 1u64,
                consumed_capacity = None::<f64>, duration_ms = 1.0f64, "request complete");
        });
        let (_, _, names) = check_emf(&l[0]);
        assert_eq!(names, ["items", "scanned_count", "pages", "duration_ms"]);
    }

    #[test]
    fn failures_count_by_op_and_table_and_by_error_type() {
        let l = lines(|| {
            tracing::warn!(name: FAILURE, op = "query", table = "orders", error_type = "AccessDenied", errors = 1u64, "request failed");
            tracing::warn!(name: FAILURE, op = "", table = "", error_type = "InvalidRequest", errors = 1u64, "request failed");
        });
        let (_, sets, names) = check_emf(&l[0]);
        assert_eq!(sets, vec![vec!["op", "table"], vec!["error_type"]]);
        assert_eq!(names, ["errors"]);
        let (_, sets, _) = check_emf(&l[1]);
        assert_eq!(sets, vec![vec!["error_type"]], "an unparsed request has no op or table to count by");
    }

    #[test]
    fn other_lines_have_no_emf_block() {
        let l = lines(|| tracing::info!(items = 3u64, "something else"));
        assert!(l[0].get("_aws").is_none());
        assert_eq!(l[0]["items"], 3);
    }

    #[test]
    fn settings_name_the_variable_at_fault() {
        assert_eq!(Settings::parse(None, None), Ok(Settings::On { namespace: DEFAULT_NAMESPACE.into() }));
        assert_eq!(Settings::parse(Some("OFF"), None), Ok(Settings::Off));
        assert_eq!(
            Settings::parse(Some("on"), Some("Team/Reader")),
            Ok(Settings::On { namespace: "Team/Reader".into() })
        );
        assert_eq!(Settings::parse(Some("yes"), None).unwrap_err().0, "METRICS");
        assert_eq!(Settings::parse(None, Some("AWS/Lambda")).unwrap_err().0, "METRICS_NAMESPACE");
        assert_eq!(Settings::parse(None, Some(&"x".repeat(256))).unwrap_err().0, "METRICS_NAMESPACE");
        assert_eq!(Settings::parse(None, Some("bad{ns}")).unwrap_err().0, "METRICS_NAMESPACE");
    }
}
