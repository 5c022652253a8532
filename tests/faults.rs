//! Faults between the function and AWS, end to end through the real client stack.
//!
//! Unlike tests/table_access.rs (aws-smithy-mocks, no STS), these build the clients the way `main` does
//! — `CrossAccount::connect_with` on `call_policy::base_config()` (the function's own retry and timeout
//! policy), a real `AssumeRoleProvider` and the client's identity cache — and swap only the HTTP layer
//! for `FakeAws`: an in-process STS + DynamoDB that serves a small table, issues short-lived
//! credentials on a controllable clock, records who signed each call, and injects faults per call
//! (HTTP errors, connection resets, hung connections, garbage bodies).
//!
//! Time: every test runs on tokio's paused clock, so retry backoff, the SDK's 10 s attempt timeout and
//! the invocation deadline elapse instantly and deterministically. Credential lifetimes run on a
//! separate manual wall clock (`Clock`) that the fake advances.
//!
//! Each scenario ends with `assert_recovers`: the same `App` (same process, same clients) then serves
//! a clean scan completely — a fault never poisons the next invocation.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, SystemTime};

use aws_config::Region;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_async::time::TimeSource;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::date_time::{DateTime, Format};
use ddb_cross_account_reader::internals::connect::call_policy::base_config;
use ddb_cross_account_reader::internals::lambda::check::{Report, Status};
use ddb_cross_account_reader::internals::lambda::config::Config;
use ddb_cross_account_reader::internals::lambda::handler::{handle, App};
use ddb_cross_account_reader::internals::lambda::response::Answer;
use ddb_cross_account_reader::internals::table::TableAccess;
use ddb_cross_account_reader::internals::wire::error::AppError;
use ddb_cross_account_reader::CrossAccount;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use tokio::time::Instant;

const ROLE: &str = "arn:aws:iam::111111111111:role/local-ddb_cross_acc_access_role-222222222222";
const TABLE: &str = "orders";
const ITEMS: usize = 100;
const EXEC_KEY: &str = "ASIAEXECUTIONROLE000";

// ------------------------------------------------------------------------------------------------
// A manual wall clock for credential expiry
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Clock(Arc<Mutex<SystemTime>>);

impl Clock {
    fn new() -> Self {
        Clock(Arc::new(Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000))))
    }
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

impl TimeSource for Clock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

// ------------------------------------------------------------------------------------------------
// FakeAws: STS + DynamoDB over the SDK's HttpConnector interface
// ------------------------------------------------------------------------------------------------

/// One request as the fault script sees it. A "page" is identified by (op, segment, start key);
/// `attempt` counts earlier requests for the same page, so a script can fail only the first tries.
#[derive(Debug, Clone)]
struct Call {
    op: String,
    segment: Option<i64>,
    start_pk: Option<String>,
    attempt: usize,
}

impl Call {
    /// The n-th page (0-based) of a single-stream scan with `page` items per page.
    fn is_page(&self, n: usize, page: usize) -> bool {
        self.op == "Scan" && self.start_pk == (n > 0).then(|| pk(n * page - 1))
    }
}

#[derive(Debug, Clone)]
enum Fault {
    /// An HTTP response with this status and body instead of the real one.
    Http(u16, String),
    /// The connection is reset before any response byte.
    Reset,
    /// The server accepts the request and never answers.
    Hang,
}

type Script = Box<dyn Fn(&Call) -> Option<Fault> + Send + Sync>;

#[derive(Debug, Clone)]
struct Record {
    call: Call,
    /// Access key id from the SigV4 Authorization header.
    signed_by: String,
    /// The region of the SigV4 credential scope (the client's region).
    signed_for: String,
    /// Manual clock when the request was sent.
    at: SystemTime,
    /// Paused tokio clock when the request was sent (for backoff and timeout checks).
    sent: Instant,
    fault: Option<String>,
}

#[derive(Default)]
struct Log {
    records: Vec<Record>,
    /// Credentials issued by AssumeRole, in order: (access key id, expiration).
    issued: Vec<(String, SystemTime)>,
    /// The form body of each AssumeRole that issued credentials.
    assume_role_bodies: Vec<String>,
    /// How many times each page was requested.
    attempts: HashMap<(String, Option<i64>, Option<String>), usize>,
}

struct FakeAws {
    clock: Clock,
    items: Vec<Value>,
    script: Mutex<Script>,
    log: Mutex<Log>,
    /// Manual-clock time each DynamoDB request takes (to make credentials expire between pages).
    page_time: Mutex<Duration>,
}

impl fmt::Debug for FakeAws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FakeAws")
    }
}

fn pk(i: usize) -> String {
    format!("k{i:05}")
}

fn response(status: u16, content_type: &str, body: String) -> HttpResponse {
    let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    r.headers_mut().insert("content-type", content_type.to_string());
    r
}

fn ddb_error(status: u16, code: &str, message: &str) -> Fault {
    Fault::Http(
        status,
        json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message}).to_string(),
    )
}

fn sts_error(status: u16, code: &str, message: &str) -> Fault {
    Fault::Http(
        status,
        format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>"#
        ),
    )
}

fn form_value<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

impl FakeAws {
    fn new() -> Arc<FakeAws> {
        let items = (0..ITEMS).map(|i| json!({"pk": {"S": pk(i)}, "n": {"N": i.to_string()}})).collect();
        Arc::new(FakeAws {
            clock: Clock::new(),
            items,
            script: Mutex::new(Box::new(|_| None)),
            log: Mutex::new(Log::default()),
            page_time: Mutex::new(Duration::ZERO),
        })
    }

    fn script(&self, f: impl Fn(&Call) -> Option<Fault> + Send + Sync + 'static) {
        *self.script.lock().unwrap() = Box::new(f);
    }

    fn heal(&self) {
        self.script(|_| None);
    }

    fn records(&self) -> Vec<Record> {
        self.log.lock().unwrap().records.clone()
    }

    fn count(&self, op: &str) -> usize {
        self.records().iter().filter(|r| r.call.op == op).count()
    }

    fn issued(&self) -> Vec<(String, SystemTime)> {
        self.log.lock().unwrap().issued.clone()
    }

    fn serve(&self, request: &HttpRequest) -> Result<HttpResponse, Fault> {
        let body = std::str::from_utf8(request.body().bytes().unwrap_or_default()).unwrap_or_default().to_string();
        let target = request.headers().get("x-amz-target").map(str::to_string);
        let (op, input): (String, Value) = match &target {
            Some(t) => (
                t.rsplit('.').next().unwrap_or_default().to_string(),
                serde_json::from_str(&body).unwrap_or(Value::Null),
            ),
            None => (form_value(&body, "Action").unwrap_or("Unknown").to_string(), Value::Null),
        };
        let segment = input.get("Segment").and_then(Value::as_i64);
        // A page is identified by its ExclusiveStartKey; a BatchGetItem chunk by its first key.
        let start_pk = input
            .pointer("/ExclusiveStartKey/pk/S")
            .or_else(|| input.pointer(&format!("/RequestItems/{TABLE}/Keys/0/pk/S")))
            .and_then(Value::as_str)
            .map(str::to_string);
        let scope = request.headers().get("authorization").and_then(|a| a.split("Credential=").nth(1)).unwrap_or("");
        let signed_by = scope.split('/').next().unwrap_or("").to_string();
        let signed_for = scope.split('/').nth(2).unwrap_or("").to_string();

        let call = {
            let mut log = self.log.lock().unwrap();
            let n = log.attempts.entry((op.clone(), segment, start_pk.clone())).or_default();
            *n += 1;
            Call { op: op.clone(), segment, start_pk: start_pk.clone(), attempt: *n - 1 }
        };
        let fault = (self.script.lock().unwrap())(&call);
        self.log.lock().unwrap().records.push(Record {
            call: call.clone(),
            signed_by,
            signed_for,
            at: self.clock.now(),
            sent: Instant::now(),
            fault: fault.as_ref().map(|f| format!("{f:?}")),
        });
        if target.is_some() {
            // Time passes while DynamoDB answers.
            self.clock.advance(*self.page_time.lock().unwrap());
        }
        if let Some(f) = fault {
            return Err(f);
        }
        Ok(match op.as_str() {
            "AssumeRole" => self.assume_role(&body),
            "Scan" => self.scan(&input),
            "BatchGetItem" => self.batch_get(&input),
            "DescribeTable" => {
                response(200, "application/x-amz-json-1.0", json!({"Table": {"TableName": TABLE}}).to_string())
            }
            other => response(
                400,
                "application/x-amz-json-1.0",
                json!({"__type": "UnknownOperationException", "message": other}).to_string(),
            ),
        })
    }

    fn assume_role(&self, body: &str) -> HttpResponse {
        let seconds: u64 = form_value(body, "DurationSeconds").and_then(|s| s.parse().ok()).unwrap_or(3600);
        let expires = self.clock.now() + Duration::from_secs(seconds);
        let mut log = self.log.lock().unwrap();
        let key = format!("ASIAASSUMED{:09}", log.issued.len());
        log.issued.push((key.clone(), expires));
        log.assume_role_bodies.push(body.to_string());
        let expiration = DateTime::from(expires).fmt(Format::DateTime).unwrap();
        response(
            200,
            "text/xml",
            format!(
                r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/r/s</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-of-{key}</SecretAccessKey><SessionToken>token-of-{key}</SessionToken><Expiration>{expiration}</Expiration></Credentials>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>"#
            ),
        )
    }

    /// Scan over a one-partition table: items in key order, segment = index % TotalSegments.
    fn scan(&self, input: &Value) -> HttpResponse {
        let mine: Vec<(usize, &Value)> = self
            .items
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                match (input.get("Segment").and_then(Value::as_u64), input.get("TotalSegments").and_then(Value::as_u64))
                {
                    (Some(s), Some(t)) => *i as u64 % t == s,
                    _ => true,
                }
            })
            .collect();
        let start = match input.pointer("/ExclusiveStartKey/pk/S").and_then(Value::as_str) {
            Some(k) => mine.iter().position(|(i, _)| pk(*i) == k).map_or(mine.len(), |p| p + 1),
            None => 0,
        };
        let limit = input.get("Limit").and_then(Value::as_u64).unwrap_or(1000) as usize;
        let page: Vec<&(usize, &Value)> = mine[start..].iter().take(limit).collect();
        let mut out = json!({
            "Items": page.iter().map(|(_, v)| (*v).clone()).collect::<Vec<_>>(),
            "Count": page.len(), "ScannedCount": page.len(),
            "ConsumedCapacity": {"TableName": TABLE, "CapacityUnits": 0.5},
        });
        if start + page.len() < mine.len() {
            out["LastEvaluatedKey"] = json!({"pk": {"S": pk(page.last().unwrap().0)}});
        }
        response(200, "application/x-amz-json-1.0", out.to_string())
    }
}

impl FakeAws {
    fn batch_get(&self, input: &Value) -> HttpResponse {
        let keys = input
            .pointer(&format!("/RequestItems/{TABLE}/Keys"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let found: Vec<Value> =
            keys.iter().filter_map(|k| self.items.iter().find(|i| i["pk"] == k["pk"]).cloned()).collect();
        response(
            200,
            "application/x-amz-json-1.0",
            json!({"Responses": {TABLE: found}, "UnprocessedKeys": {}}).to_string(),
        )
    }
}

#[derive(Debug, Clone)]
struct Connector(Arc<FakeAws>);

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.0.serve(&request) {
            Ok(r) => HttpConnectorFuture::ready(Ok(r)),
            Err(Fault::Http(status, body)) => {
                let ct = if body.starts_with('<') { "text/xml" } else { "application/x-amz-json-1.0" };
                HttpConnectorFuture::ready(Ok(response(status, ct, body)))
            }
            Err(Fault::Reset) => HttpConnectorFuture::ready(Err(ConnectorError::io(Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset by peer (injected)",
            ))))),
            Err(Fault::Hang) => HttpConnectorFuture::new(std::future::pending()),
        }
    }
}

#[derive(Debug, Clone)]
struct Client(Arc<FakeAws>);

impl HttpClient for Client {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector(self.0.clone()))
    }
}

// ------------------------------------------------------------------------------------------------
// Building the App as main() does
// ------------------------------------------------------------------------------------------------

fn hermetic_env() {
    static ONCE: Once = Once::new();
    // base_config() reads the environment; keep it from finding a profile, IMDS or a real endpoint.
    ONCE.call_once(|| {
        for (k, v) in [
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
        ] {
            std::env::set_var(k, v);
        }
        for k in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"] {
            std::env::remove_var(k);
        }
    });
}

/// `region` must be unique per test: the SDK's retry quota (token bucket) is a process-wide static
/// per service and region, so tests sharing one would drain each other's retries.
async fn app(fake: &Arc<FakeAws>, region: &str, session_seconds: u32) -> App {
    app_with(fake, region, session_seconds, &[]).await
}

/// `app` with more configuration variables.
async fn app_with(fake: &Arc<FakeAws>, region: &str, session_seconds: u32, extra: &[(&str, &str)]) -> App {
    hermetic_env();
    let config = Config::from_env(|k| match k {
        "ROLE_ARN" => Some(ROLE.into()),
        "TABLE_REGION" => Some(region.into()),
        "EXTERNAL_ID" => Some("local-demo-external-id".into()),
        "SESSION_DURATION_SECONDS" => Some(session_seconds.to_string()),
        _ => extra.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string()),
    })
    .unwrap();
    let execution_role =
        Credentials::new(EXEC_KEY, "execution-role-secret", Some("execution-role-token".into()), None, "test");
    let base = base_config()
        .await
        .to_builder()
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(execution_role))
        .http_client(Client(fake.clone()))
        .time_source(fake.clock.clone())
        .build();
    let tables = TableAccess::from(CrossAccount::connect_with(&config.connection, &base).await.unwrap());
    App { config, tables }
}

/// Invokes the handler like the runtime does, with `deadline_in` left before Lambda's deadline.
/// A data answer as its caller reads it (the JSON the handler returns).
#[derive(Debug, serde::Deserialize)]
struct Response {
    items: Vec<Value>,
    count: u64,
    next_token: Option<String>,
}

async fn invoke(app: &App, request: Value, deadline_in: Duration) -> Result<Response, AppError> {
    let mut context = Context::default();
    context.request_id = "fault-test".into();
    context.deadline =
        (SystemTime::now() + deadline_in).duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as u64;
    match handle(app, LambdaEvent::new(request, context)).await? {
        Answer::Data(r) => Ok(serde_json::from_str(r.get()).expect("the answer is a response object")),
        Answer::Check(report) => panic!("a data request answered with a check report: {report:?}"),
    }
}

const LONG: Duration = Duration::from_secs(900);

fn pks(r: &Response) -> Vec<String> {
    r.items.iter().map(|item| item["pk"].as_str().unwrap().to_string()).collect()
}

/// Follows next_token to the end; returns every pk in order of arrival.
async fn follow(app: &App, mut request: Value, mut got: Vec<String>) -> Vec<String> {
    for _ in 0..1000 {
        let r = invoke(app, request.clone(), LONG).await.unwrap_or_else(|e| panic!("{request}: {e}"));
        got.extend(pks(&r));
        match r.next_token {
            Some(t) => request["next_token"] = json!(t),
            None => return got,
        }
    }
    panic!("next_token never became null");
}

fn assert_exactly_once(got: &[String]) {
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "duplicates in {} items", got.len());
    assert_eq!(unique, (0..ITEMS).map(pk).collect::<Vec<_>>().iter().collect(), "items lost");
}

/// The same App serves a clean, complete scan afterwards.
async fn assert_recovers(app: &App, fake: &FakeAws) {
    fake.heal();
    let r =
        invoke(app, json!({"op": "scan", "table": TABLE, "page_size": 30}), LONG).await.expect("next invocation works");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));
}

fn scan(page_size: usize) -> Value {
    json!({"op": "scan", "table": TABLE, "page_size": page_size})
}

// ------------------------------------------------------------------------------------------------
// STS
// ------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn sts_throttling_is_retried_then_the_scan_runs() {
    let fake = FakeAws::new();
    fake.script(|c| (c.op == "AssumeRole" && c.attempt < 2).then(|| sts_error(400, "Throttling", "Rate exceeded")));
    let app = app(&fake, "us-fault-1", 3600).await;
    let r = invoke(&app, scan(40), LONG).await.expect("throttled twice, then assumed");
    assert_exactly_once(&pks(&r));
    assert_eq!(fake.count("AssumeRole"), 3, "two throttled attempts and one success");
    let issued = fake.issued();
    assert_eq!(issued.len(), 1);
    let scans: Vec<Record> = fake.records().into_iter().filter(|r| r.call.op == "Scan").collect();
    assert!(scans.iter().all(|r| r.signed_by == issued[0].0), "DynamoDB is called as the assumed role");
    // AssumeRole itself is signed with the execution role's credentials
    assert!(fake.records().iter().filter(|r| r.call.op == "AssumeRole").all(|r| r.signed_by == EXEC_KEY));
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn sts_throttling_that_outlasts_the_retries_is_reported_and_the_next_invocation_recovers() {
    let fake = FakeAws::new();
    fake.script(|c| (c.op == "AssumeRole").then(|| sts_error(400, "Throttling", "Rate exceeded")));
    let app = app(&fake, "us-fault-2", 3600).await;
    let e = invoke(&app, scan(40), LONG).await.unwrap_err();
    assert_eq!(e.error_type(), "AssumeRoleFailed", "{e}");
    let m = e.to_string();
    assert!(m.contains(ROLE) && m.contains("Rate exceeded"), "{m}");
    assert_eq!(fake.count("AssumeRole"), 5, "the SDK's 5 attempts (base_config's retry policy)");
    assert_eq!(fake.count("Scan"), 0, "nothing is sent unsigned");
    // a failed refresh is not cached: the next invocation assumes the role again
    assert_recovers(&app, &fake).await;
    assert_eq!(fake.issued().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn sts_access_denied_is_not_retried_and_names_the_role() {
    let fake = FakeAws::new();
    let denial = format!(
        "User: arn:aws:sts::222222222222:assumed-role/local-consumer-other/fn is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
    );
    let d = denial.clone();
    fake.script(move |c| (c.op == "AssumeRole").then(|| sts_error(403, "AccessDenied", &d)));
    let app = app(&fake, "us-fault-3", 3600).await;
    let e = invoke(&app, scan(40), LONG).await.unwrap_err();
    assert_eq!(e.error_type(), "AssumeRoleFailed", "{e}");
    let m = e.to_string();
    assert!(
        m.contains(ROLE) && m.contains("not authorized to perform: sts:AssumeRole") && m.contains("trust policy"),
        "{m}"
    );
    assert!(
        !m.contains("execution-role-secret") && !m.contains("execution-role-token") && !m.contains(EXEC_KEY),
        "{m}"
    );
    assert_eq!(fake.count("AssumeRole"), 1, "an authorization failure is not retried");
    // once the trust policy is fixed, the same process works
    assert_recovers(&app, &fake).await;
}

// ------------------------------------------------------------------------------------------------
// DynamoDB throttling
// ------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn dynamodb_throttling_is_retried_with_backoff() {
    let fake = FakeAws::new();
    fake.script(|c| {
        (c.is_page(2, 10) && c.attempt < 3).then(|| {
            ddb_error(
                400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            )
        })
    });
    let app = app(&fake, "us-fault-4", 3600).await;
    let r = invoke(&app, scan(10), LONG).await.expect("retried past three throttles");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));
    let third: Vec<Record> = fake.records().into_iter().filter(|r| r.call.is_page(2, 10)).collect();
    assert_eq!(third.len(), 4, "three throttled attempts and the one that worked");
    // Backoff: attempts are spaced by the SDK's jittered exponential delay, each at most the 2 s cap.
    let gaps: Vec<Duration> = third.windows(2).map(|w| w[1].sent - w[0].sent).collect();
    assert!(gaps.iter().all(|g| *g <= Duration::from_secs(2)), "{gaps:?}");
    assert!(gaps.iter().sum::<Duration>() > Duration::ZERO, "retried without any backoff: {gaps:?}");
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn throttling_on_the_first_page_is_an_error_not_an_empty_answer() {
    let fake = FakeAws::new();
    fake.script(|c| {
        (c.op == "Scan")
            .then(|| ddb_error(400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."))
    });
    let app = app(&fake, "us-fault-5", 3600).await;
    let e = invoke(&app, scan(10), LONG).await.unwrap_err();
    assert_eq!(e.error_type(), "Throttled", "{e}");
    assert!(e.to_string().contains("ThrottlingException") && e.to_string().contains("`orders`"), "{e}");
    assert_eq!(fake.count("Scan"), 5, "the SDK's 5 attempts");
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn throttling_that_outlasts_the_retries_mid_scan_returns_the_pages_read_and_a_resuming_token() {
    let fake = FakeAws::new();
    fake.script(|c| {
        c.is_page(3, 10).then(|| ddb_error(400, "ProvisionedThroughputExceededException", "throughput exceeded"))
    });
    let app = app(&fake, "us-fault-6", 3600).await;
    let r = invoke(&app, scan(10), LONG).await.expect("partial answer");
    let got = pks(&r);
    assert_eq!(got, (0..30).map(pk).collect::<Vec<_>>(), "exactly the three pages read before the failure");
    let token = r.next_token.clone().expect("a partial answer never claims to be complete");
    assert_eq!(fake.records().iter().filter(|r| r.call.is_page(3, 10)).count(), 5);
    fake.heal();
    let all = follow(&app, json!({"op": "scan", "table": TABLE, "page_size": 10, "next_token": token}), got).await;
    assert_exactly_once(&all);
    assert_recovers(&app, &fake).await;
}

// ------------------------------------------------------------------------------------------------
// Connection resets, hung connections, garbage
// ------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_connection_reset_mid_scan_is_retried() {
    let fake = FakeAws::new();
    fake.script(|c| (c.is_page(4, 10) && c.attempt < 2).then_some(Fault::Reset));
    let app = app(&fake, "us-fault-7", 3600).await;
    let r = invoke(&app, scan(10), LONG).await.expect("resets are transient");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));
    assert_eq!(fake.records().iter().filter(|r| r.call.is_page(4, 10)).count(), 3);
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_segment_whose_connection_keeps_resetting_is_resumed_exactly_there() {
    let fake = FakeAws::new();
    // Segment 2 of 4 fails from its second page on; the other segments are fine.
    fake.script(|c| (c.op == "Scan" && c.segment == Some(2) && c.start_pk.is_some()).then_some(Fault::Reset));
    let app = app(&fake, "us-fault-8", 3600).await;
    let request = json!({"op": "scan", "table": TABLE, "segments": 4, "page_size": 5});
    let r = invoke(&app, request.clone(), LONG).await.expect("partial answer");
    let token = r.next_token.clone().expect("segment 2 is unfinished");
    let got = pks(&r);
    assert!(!got.is_empty() && got.len() < ITEMS, "{} items", got.len());
    let failed = fake.records().iter().filter(|r| r.call.segment == Some(2) && r.fault.is_some()).count();
    assert_eq!(failed, 5, "one page, the SDK's 5 attempts");
    fake.heal();
    let mut resume = request;
    resume["next_token"] = json!(token);
    assert_exactly_once(&follow(&app, resume, got).await);
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_hung_connection_times_out_and_is_retried() {
    let fake = FakeAws::new();
    fake.script(|c| (c.is_page(2, 25) && c.attempt == 0).then_some(Fault::Hang));
    let app = app(&fake, "us-fault-9", 3600).await;
    let started = Instant::now();
    let r = invoke(&app, scan(25), LONG).await.expect("the retry after the attempt timeout works");
    assert_exactly_once(&pks(&r));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(15),
        "attempt timeout is 10 s, waited {waited:?}"
    );
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_keeps_hanging_stops_at_the_deadline_with_a_token() {
    let fake = FakeAws::new();
    fake.script(|c| c.is_page(2, 25).then_some(Fault::Hang));
    let app = app(&fake, "us-fault-10", 3600).await;
    let started = Instant::now();
    // 25 s left: the SDK would try for 5 × 10 s, but the function keeps 1 s back and answers first.
    let r = invoke(&app, scan(25), Duration::from_secs(25)).await.expect("partial answer before the deadline");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(25), "answered after the deadline: {waited:?}");
    assert!(waited >= Duration::from_secs(23), "gave up early: {waited:?}");
    let got = pks(&r);
    assert_eq!(got, (0..50).map(pk).collect::<Vec<_>>());
    let token = r.next_token.clone().expect("stopped early, so there must be a token");
    fake.heal();
    assert_exactly_once(
        &follow(&app, json!({"op": "scan", "table": TABLE, "page_size": 25, "next_token": token}), got).await,
    );
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_page_that_times_out_on_every_attempt_ends_the_answer_with_a_token() {
    let fake = FakeAws::new();
    fake.script(|c| c.is_page(1, 25).then_some(Fault::Hang));
    let app = app(&fake, "us-fault-11", 3600).await;
    let r = invoke(&app, scan(25), LONG).await.expect("partial answer");
    assert_eq!(pks(&r).len(), 25);
    assert!(r.next_token.is_some());
    assert_eq!(fake.records().iter().filter(|r| r.call.is_page(1, 25)).count(), 5);
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_garbled_page_is_reported_not_swallowed() {
    let fake = FakeAws::new();
    fake.script(|c| c.is_page(1, 20).then(|| Fault::Http(200, r#"{"Items": [{"pk": {"S": "trunc"#.into())));
    let app = app(&fake, "us-fault-12", 3600).await;
    let r = invoke(&app, scan(20), LONG).await.expect("partial answer");
    assert_eq!(pks(&r), (0..20).map(pk).collect::<Vec<_>>());
    assert!(r.next_token.is_some(), "the garbled page is not counted as read");
    let e =
        invoke(&app, json!({"op": "scan", "table": TABLE, "page_size": 20, "next_token": r.next_token}), LONG).await;
    // still garbled: the resumed call fails on its first page, so it is an error
    let e = e.unwrap_err();
    assert_eq!(e.error_type(), "DynamoDbError", "{e}");
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried() {
    let fake = FakeAws::new();
    fake.script(|c| {
        (c.is_page(1, 20) && c.attempt < 2).then(|| ddb_error(500, "InternalServerError", "Internal server error"))
    });
    let app = app(&fake, "us-fault-13", 3600).await;
    let r = invoke(&app, scan(20), LONG).await.expect("5xx is transient");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn access_revoked_between_pages_returns_what_was_read_and_names_the_grant() {
    let fake = FakeAws::new();
    fake.script(|c| {
        (c.op == "Scan" && c.start_pk.is_some())
            .then(|| ddb_error(400, "AccessDeniedException", "User is not authorized to perform: dynamodb:Scan"))
    });
    let app = app(&fake, "us-fault-14", 3600).await;
    let r = invoke(&app, scan(20), LONG).await.expect("partial answer");
    assert_eq!(pks(&r).len(), 20);
    let token = r.next_token.clone().expect("not complete");
    assert_eq!(fake.records().iter().filter(|r| r.fault.is_some()).count(), 1, "a denial is not retried");
    // resuming while still denied: the first page fails, so the answer is the error itself
    let e = invoke(&app, json!({"op": "scan", "table": TABLE, "page_size": 20, "next_token": token}), LONG)
        .await
        .unwrap_err();
    assert_eq!(e.error_type(), "AccessDenied");
    assert!(
        e.to_string().contains(ROLE) && e.to_string().contains("dynamodb:Scan") && e.to_string().contains("`orders`"),
        "{e}"
    );
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_batch_get_chunk_failing_after_good_chunks_is_an_error_not_a_silent_partial() {
    let fake = FakeAws::new();
    // 150 keys, sent 100 per BatchGetItem: chunk 1 is pk 0..100, chunk 2 starts at "missing0" and is
    // throttled on every attempt.
    let keys: Vec<Value> =
        (0..ITEMS).map(|i| json!({"pk": pk(i)})).chain((0..50).map(|i| json!({"pk": format!("missing{i}")}))).collect();
    fake.script(|c| {
        (c.op == "BatchGetItem" && c.start_pk.as_deref() == Some("missing0"))
            .then(|| ddb_error(400, "ProvisionedThroughputExceededException", "throughput exceeded"))
    });
    let app = app(&fake, "us-fault-16", 3600).await;
    let request = json!({"op": "batch_get", "table": TABLE, "keys": keys});
    let e = invoke(&app, request.clone(), LONG).await.unwrap_err();
    assert_eq!(e.error_type(), "Throttled", "{e}");
    let chunk = |first: &str| fake.records().iter().filter(|r| r.call.start_pk.as_deref() == Some(first)).count();
    assert_eq!(chunk(&pk(0)), 1, "the first chunk was read");
    assert_eq!(chunk("missing0"), 5, "the SDK's 5 attempts on the second");
    fake.heal();
    let r = invoke(&app, request, LONG).await.expect("next invocation works");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));
}

// ------------------------------------------------------------------------------------------------
// Credentials expiring between pages
// ------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn credentials_expiring_between_pages_are_refreshed_and_the_scan_continues() {
    let fake = FakeAws::new();
    // 900 s sessions (the shortest STS allows); every DynamoDB page takes 4 minutes of wall clock,
    // so a 10-page scan outlives about three sessions.
    *fake.page_time.lock().unwrap() = Duration::from_secs(240);
    let app = app(&fake, "us-fault-15", 900).await;
    let r = invoke(&app, scan(10), LONG).await.expect("the scan survives expiring credentials");
    assert!(r.next_token.is_none());
    assert_exactly_once(&pks(&r));

    let issued = fake.issued();
    let scans: Vec<Record> = fake.records().into_iter().filter(|r| r.call.op == "Scan").collect();
    assert_eq!(scans.len(), 10);
    assert!(issued.len() >= 3, "expected refreshes, got {} sessions", issued.len());
    let expiry: HashMap<&str, SystemTime> = issued.iter().map(|(k, e)| (k.as_str(), *e)).collect();
    let mut last = 0;
    for s in &scans {
        let expires =
            expiry.get(s.signed_by.as_str()).unwrap_or_else(|| panic!("signed with unknown key {}", s.signed_by));
        assert!(*expires > s.at, "page sent with credentials that had expired");
        let index = issued.iter().position(|(k, _)| k == &s.signed_by).unwrap();
        assert!(index >= last, "went back to older credentials");
        last = index;
    }
    assert_eq!(last, issued.len() - 1, "every session issued was used");
    assert_recovers(&app, &fake).await;
}

/// The SourceIdentity and session tags go with every AssumeRole, the refreshes before expiry
/// included, and still one AssumeRole per credential lifetime (the provider behind the client's
/// identity cache, as with aws-config's own provider).
#[tokio::test(start_paused = true)]
async fn every_assume_role_carries_the_source_identity_and_the_session_tags() {
    let fake = FakeAws::new();
    *fake.page_time.lock().unwrap() = Duration::from_secs(240);
    let extra =
        [("AWS_LAMBDA_FUNCTION_NAME", "dev-ddb-cross-account-reader"), ("SESSION_TAGS", "team=data,app=reader")];
    let app = app_with(&fake, "us-fault-16", 900, &extra).await;
    let r = invoke(&app, scan(10), LONG).await.expect("the scan survives expiring credentials");
    assert_exactly_once(&pks(&r));
    let bodies = fake.log.lock().unwrap().assume_role_bodies.clone();
    let sessions = fake.issued().len();
    assert!(sessions >= 3, "expected refreshes, got {sessions} sessions");
    assert_eq!(fake.count("AssumeRole"), sessions, "one AssumeRole per credential lifetime");
    for body in &bodies {
        assert_eq!(form_value(body, "SourceIdentity"), Some("dev-ddb-cross-account-reader"), "{body}");
        assert_eq!(form_value(body, "ExternalId"), Some("local-demo-external-id"), "{body}");
        // Tags in key order.
        assert_eq!(form_value(body, "Tags.member.1.Key"), Some("app"), "{body}");
        assert_eq!(form_value(body, "Tags.member.1.Value"), Some("reader"), "{body}");
        assert_eq!(form_value(body, "Tags.member.2.Key"), Some("team"), "{body}");
        assert_eq!(form_value(body, "Tags.member.2.Value"), Some("data"), "{body}");
        assert_eq!(form_value(body, "DurationSeconds"), Some("900"), "{body}");
    }
    let off = FakeAws::new();
    let app = app_with(
        &off,
        "us-fault-17",
        900,
        &[("AWS_LAMBDA_FUNCTION_NAME", "f1"), ("SOURCE_IDENTITY", "off"), ("SESSION_TAGS", "off")],
    )
    .await;
    invoke(&app, scan(40), LONG).await.expect("scan");
    let bodies = off.log.lock().unwrap().assume_role_bodies.clone();
    assert_eq!(bodies.len(), 1);
    assert!(!bodies[0].contains("SourceIdentity") && !bodies[0].contains("Tags"), "{}", bodies[0]);
}

/// Reads in two regions in one warm process: each region has its own client (signed for its
/// region), and all share one credentials provider and identity cache, so one AssumeRole serves
/// both. (Each client built with a provider or cache of its own would assume the role again.)
#[tokio::test(start_paused = true)]
async fn two_regions_in_one_process_share_one_assume_role() {
    let fake = FakeAws::new();
    let app = app(&fake, "us-fault-30", 900).await;
    let other = json!({"op": "scan", "table": TABLE, "region": "us-fault-31", "page_size": 50});
    for request in [scan(50), other.clone(), other, scan(50)] {
        let r = invoke(&app, request.clone(), LONG).await.unwrap_or_else(|e| panic!("{request}: {e}"));
        assert_eq!(r.count, ITEMS as u64, "{request}");
    }
    assert_eq!(fake.count("AssumeRole"), 1, "one AssumeRole for both regions");
    let issued = fake.issued();
    let scans: Vec<Record> = fake.records().into_iter().filter(|r| r.call.op == "Scan").collect();
    let regions: HashSet<&str> = scans.iter().map(|r| r.signed_for.as_str()).collect();
    assert_eq!(regions, HashSet::from(["us-fault-30", "us-fault-31"]), "each region's calls signed for it");
    assert!(scans.iter().all(|r| r.signed_by == issued[0].0), "every call signed with the one session");
}

/// A `{"op": "check"}` the way the runtime invokes it, with `deadline_in` left.
async fn check(app: &App, request: Value, deadline_in: Duration) -> Report {
    let mut context = Context::default();
    context.request_id = "fault-check".into();
    context.deadline =
        (SystemTime::now() + deadline_in).duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as u64;
    match handle(app, LambdaEvent::new(request, context)).await.expect("a check always answers") {
        Answer::Check(report) => report,
        Answer::Data(r) => panic!("a check answered with data: {r:?}"),
    }
}

fn finding<'a>(report: &'a Report, step: &str) -> &'a ddb_cross_account_reader::internals::lambda::check::Finding {
    &report.steps.iter().find(|s| s.step == step).unwrap_or_else(|| panic!("no {step} step")).finding
}

#[tokio::test(start_paused = true)]
async fn a_check_whose_sts_never_answers_reports_it_before_the_deadline() {
    let fake = FakeAws::new();
    let app = app(&fake, "us-fault-21", 3600).await;
    fake.script(|c| (c.op == "AssumeRole").then_some(Fault::Hang));
    let started = Instant::now();
    let report = check(&app, json!({"op": "check", "table": TABLE}), Duration::from_secs(20)).await;
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(20) && waited >= Duration::from_secs(18), "answered after {waited:?}");
    assert!(!report.ok);
    let assume = finding(&report, "assume_role");
    assert_eq!((assume.status, assume.error_type), (Status::Failed, Some("Timeout")), "{assume:?}");
    let table = finding(&report, "table");
    assert_eq!(table.status, Status::Skipped);
    assert!(table.detail.contains("deadline"), "{table:?}");
    assert_eq!(fake.count("DescribeTable") + fake.count("Scan"), 0, "no table call without credentials");
    fake.heal();
    let report = check(&app, json!({"op": "check", "table": TABLE}), LONG).await;
    assert!(report.ok, "{report:?}");
    assert_recovers(&app, &fake).await;
}

#[tokio::test(start_paused = true)]
async fn a_check_whose_read_hangs_reports_a_timeout_and_skips_the_key() {
    let fake = FakeAws::new();
    let app = app(&fake, "us-fault-22", 3600).await;
    fake.script(|c| (c.op == "Scan").then_some(Fault::Hang));
    let report = check(&app, json!({"op": "check", "table": [TABLE]}), Duration::from_secs(15)).await;
    let table = report.steps.iter().find(|s| s.step == "table").expect("a table step");
    assert_eq!(table.table.as_deref(), Some(TABLE));
    let checks: Vec<_> =
        table.checks.as_ref().unwrap().iter().map(|c| (c.check, c.finding.status, c.finding.error_type)).collect();
    assert_eq!(
        checks,
        [
            ("region", Status::Ok, None),
            ("describe_table", Status::Ok, None),
            ("read", Status::Failed, Some("Timeout")),
            ("kms_key", Status::Skipped, None),
        ]
    );
    assert!(!report.ok && fake.count("Scan") >= 1);
    assert_recovers(&app, &fake).await;
}
