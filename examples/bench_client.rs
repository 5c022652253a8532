//! Benchmark probes that run the function's own code without the Lambda runtime around it.
//!
//! `bench_client roundtrip N [TABLE]`: the raw DynamoDB round trip the function's warm latency is
//! compared with. It builds the client exactly as `main` does (same configuration variables, same
//! retry/timeout settings, same AssumeRole provider and credential cache) and times N identical
//! Scan calls — the request the function sends for `{"op": "scan", "table": TABLE}` — after one
//! untimed call that assumes the role and opens the connection. Prints {"latencies_ms": [...]}.
//!
//! `bench_client cpu PAGE.json REPS`: client CPU per item, in-process, no network. PAGE.json is a
//! Scan response body. These stages are timed separately, REPS times each:
//!   sdk     — the SDK turning that body into a ScanOutput (served by an in-process HTTP client, so
//!             signing, request building and deserialization are all included);
//!   convert — what the old path added per item: `item_to_raw` for every item, then the handler's
//!             response written around them and serialized as the Lambda runtime does;
//!   transcode — the path Scan and Query take now: the body read into the items' plain JSON
//!             (`wire::transcode`), then the same response writing and serialization;
//!   transcode_read — of that, `transcode_page` alone;
//!   floor   — `serde_json::from_slice::<IgnoredAny>` over the body: reading the page's JSON and
//!             nothing else, the least any JSON reader of this page can cost.
//! The `sdk` and `convert` stages are the old path (and what GetItem/BatchGetItem still do).
//! All are thread CPU time, not wall time. Prints {"items": n, "sdk_ns_per_item": [...],
//! "convert_ns_per_item": [...], "transcode_ns_per_item": [...], "transcode_read_ns_per_item": [...],
//! "floor_ns_per_item": [...]} (one value per rep).
//!
//! `bench_client tls HOST:PORT N`: the client's CPU for the TLS choices, in-process with rustls on
//! aws-lc-rs (the SDK's stack), against a TLS server trusted through SSL_CERT_FILE: loading the root
//! store (rustls-native-certs reading the bundle, then parsing it into a `RootCertStore`; and
//! webpki-roots' compiled-in table), and N full handshakes (TCP connect + TLS 1.3 handshake, no
//! resumption) per key-exchange setting: the SDK's default (X25519MLKEM768 hybrid preferred, X25519
//! share sent beside it), X25519 alone, P-256 alone. Thread CPU ns; prints one JSON object.

use std::time::Instant;

use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use ddb_cross_account_reader::internals::lambda::config::Config;
use ddb_cross_account_reader::internals::lambda::response::{Answer, Response};
use ddb_cross_account_reader::internals::table::Results;
use ddb_cross_account_reader::internals::wire::convert::item_to_raw;
use ddb_cross_account_reader::internals::wire::json_items::JsonItems;
use ddb_cross_account_reader::internals::wire::transcode::transcode_page;
use ddb_cross_account_reader::CrossAccount;

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in ns: unlike wall time it does not grow
/// when other processes take the core, so the per-item figures hold on a busy machine too.
fn thread_cpu_ns() -> u128 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit Linux) into `ts`.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_client roundtrip N [TABLE] | bench_client cpu PAGE.json REPS | bench_client tls HOST:PORT N"
    );
    std::process::exit(2);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("roundtrip") => roundtrip(&args[1..]).await,
        Some("cpu") => cpu(&args[1..]).await,
        Some("tls") => tls(&args[1..]),
        _ => usage(),
    }
}

async fn roundtrip(args: &[String]) {
    let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or_else(|| usage());
    let config = Config::from_env(|k| std::env::var(k).ok()).unwrap_or_else(|e| panic!("{e}"));
    let table = args.get(1).cloned().or(config.requests.default_table.clone()).unwrap_or_else(|| usage());
    let main = CrossAccount::connect(&config.connection).await.unwrap_or_else(|e| panic!("{e}"));
    let scan =
        || main.home_client().scan().table_name(&table).return_consumed_capacity(ReturnConsumedCapacity::Total).send();
    // Untimed: assumes the role and opens the connection, as the function's first invocation does.
    scan()
        .await
        .unwrap_or_else(|e| panic!("first scan failed: {}", aws_smithy_types::error::display::DisplayErrorContext(&e)));
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let out = scan().await.expect("scan failed");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(out);
    }
    println!("{}", serde_json::json!({ "table": table, "latencies_ms": latencies }));
}

/// Answers every request with the same response body, without leaving the process.
#[derive(Debug, Clone)]
struct CannedHttp(std::sync::Arc<Vec<u8>>);

impl HttpConnector for CannedHttp {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let mut response = HttpResponse::new(200.try_into().unwrap(), SdkBody::from(self.0.as_ref().clone()));
        response.headers_mut().insert("content-type", "application/x-amz-json-1.0");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for CannedHttp {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

async fn cpu(args: &[String]) {
    let path = args.first().unwrap_or_else(|| usage());
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| usage());
    let body = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let canned = body.clone();
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "bench", None, None, "bench"))
        .endpoint_url("http://127.0.0.1:9")
        .http_client(CannedHttp(std::sync::Arc::new(canned)))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(conf);
    let (mut transcode, mut floor) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    let mut transcode_read = Vec::with_capacity(reps);
    let (mut sdk, mut convert) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    let mut items = 0;
    for _ in 0..reps {
        let started = thread_cpu_ns();
        let out = client
            .scan()
            .table_name("canned")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .expect("scan");
        let sdk_ns = (thread_cpu_ns() - started) as f64;
        let page = out.items.unwrap_or_default();
        items = page.len();

        let started = thread_cpu_ns();
        let mut raws = JsonItems::default();
        for item in &page {
            raws.push(&item_to_raw(item).expect("convert"));
        }
        let results = Results {
            count: raws.len() as u64,
            scanned_count: raws.len() as u64,
            items: raws,
            consumed_capacity: Some(1.0),
        };
        let response = Response { results, next_token: None }.into_json().expect("response");
        let bytes = serde_json::to_vec(&Answer::Data(response)).expect("serialize");
        let convert_ns = (thread_cpu_ns() - started) as f64;
        std::hint::black_box(bytes);
        sdk.push(sdk_ns / items as f64);
        convert.push(convert_ns / items as f64);

        let started = thread_cpu_ns();
        let page = transcode_page(&body).expect("transcode");
        let read_ns = thread_cpu_ns() - started;
        assert_eq!(page.items.len(), items, "the transcoder and the SDK see the same items");
        let results = Results {
            count: page.items.len() as u64,
            scanned_count: page.items.len() as u64,
            items: page.items,
            consumed_capacity: Some(1.0),
        };
        let response = Response { results, next_token: None }.into_json().expect("response");
        let bytes = serde_json::to_vec(&Answer::Data(response)).expect("serialize");
        transcode.push((thread_cpu_ns() - started) as f64 / items as f64);
        transcode_read.push(read_ns as f64 / items as f64);
        std::hint::black_box(bytes);

        let started = thread_cpu_ns();
        serde_json::from_slice::<serde::de::IgnoredAny>(&body).expect("the page is JSON");
        floor.push((thread_cpu_ns() - started) as f64 / items as f64);
    }
    println!(
        "{}",
        serde_json::json!({ "items": items, "sdk_ns_per_item": sdk, "convert_ns_per_item": convert,
                            "transcode_ns_per_item": transcode, "transcode_read_ns_per_item": transcode_read,
                            "floor_ns_per_item": floor })
    );
}

/// Thread CPU ns of `f`, and its result.
fn cpu_of<T>(f: impl FnOnce() -> T) -> (u128, T) {
    let started = thread_cpu_ns();
    let out = f();
    (thread_cpu_ns() - started, out)
}

fn tls(args: &[String]) {
    use std::net::TcpStream;
    use std::sync::Arc;

    use rustls::crypto::aws_lc_rs::{default_provider, kx_group};
    use rustls::pki_types::ServerName;

    let (Some(addr), Some(n)) = (args.first(), args.get(1).and_then(|s| s.parse::<usize>().ok())) else { usage() };
    // Before anything else: what the process's first use of aws-lc's random generator costs.
    let (first_random_ns, _) = cpu_of(|| default_provider().secure_random.fill(&mut [0u8; 32]).expect("random"));
    let (next_random_ns, _) = cpu_of(|| default_provider().secure_random.fill(&mut [0u8; 32]).expect("random"));
    let (native_load_ns, loaded) = cpu_of(rustls_native_certs::load_native_certs);
    assert!(loaded.errors.is_empty(), "loading the roots: {:?}", loaded.errors);
    let native_certs = loaded.certs.len();
    let (native_parse_ns, roots) = cpu_of(|| {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(loaded.certs);
        roots
    });
    let (webpki_ns, webpki) = cpu_of(|| rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    let roots = Arc::new(roots);

    let settings = [
        ("default (X25519MLKEM768 preferred)", default_provider().kx_groups),
        ("X25519", vec![kx_group::X25519]),
        ("P-256", vec![kx_group::SECP256R1]),
    ];
    let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h).to_string();
    let mut results = serde_json::Map::new();
    for (name, groups) in settings {
        let provider = rustls::crypto::CryptoProvider { kx_groups: groups, ..default_provider() };
        let (config_ns, config) = cpu_of(|| {
            rustls::ClientConfig::builder_with_provider(Arc::new(provider))
                .with_safe_default_protocol_versions()
                .expect("TLS 1.2 and 1.3")
                .with_root_certificates(roots.clone())
                .with_no_client_auth()
        });
        let config = Arc::new(config);
        let mut handshakes = Vec::with_capacity(n);
        let mut negotiated = String::new();
        for _ in 0..n {
            let name = ServerName::try_from(host.clone()).expect("a server name or IP address");
            let (ns, group) = cpu_of(|| {
                let mut conn = rustls::ClientConnection::new(config.clone(), name).expect("client connection");
                let mut tcp = TcpStream::connect(addr.as_str()).expect("connect");
                while conn.is_handshaking() {
                    conn.complete_io(&mut tcp).expect("TLS handshake");
                }
                let group = format!("{:?}", conn.negotiated_key_exchange_group().map(|g| g.name()));
                conn.send_close_notify();
                let _ = conn.complete_io(&mut tcp);
                group
            });
            negotiated = group;
            handshakes.push(ns as f64);
        }
        results.insert(
            name.to_string(),
            serde_json::json!({"config_ns": config_ns as f64, "handshake_ns": handshakes, "negotiated": negotiated}),
        );
    }
    let out = serde_json::json!({
        "native_roots": native_certs, "native_load_ns": native_load_ns as f64, "native_parse_ns": native_parse_ns as f64,
        "webpki_roots": webpki.roots.len(), "webpki_ns": webpki_ns as f64, "kx": results,
        "first_random_ns": first_random_ns as f64, "next_random_ns": next_random_ns as f64,
    });
    println!("{out}");
}
