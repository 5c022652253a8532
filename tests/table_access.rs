//! Table access against a mocked DynamoDB (aws-smithy-mocks) that behaves like a small table:
//! Limit, ExclusiveStartKey, Segment/TotalSegments, UnprocessedKeys and injected faults. The real
//! emulator tests (tests/integration) cover the same paths end to end; these pin the edge cases.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::scan::{ScanInput, ScanOutput};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use ddb_cross_account_reader::internals::lambda::config::Config;
use ddb_cross_account_reader::internals::lambda::response::Response;
use ddb_cross_account_reader::internals::table::{Budget, Stop, TableAccess};
use ddb_cross_account_reader::internals::wire::convert::Item;
use ddb_cross_account_reader::internals::wire::error::AppError;
use ddb_cross_account_reader::internals::wire::request::Request;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222";

fn config() -> Config {
    Config::from_env(|k| match k {
        "ROLE_ARN" => Some(ROLE.into()),
        "AWS_REGION" => Some("us-east-1".into()),
        "DEFAULT_TABLE" => Some("orders".into()),
        _ => None,
    })
    .unwrap()
}

fn table(n: usize, payload: usize) -> Arc<Vec<Item>> {
    Arc::new(
        (0..n)
            .map(|i| {
                Item::from([
                    ("pk".to_string(), AttributeValue::S(format!("k{i:05}"))),
                    ("n".to_string(), AttributeValue::N(i.to_string())),
                    ("payload".to_string(), AttributeValue::S("x".repeat(payload))),
                ])
            })
            .collect(),
    )
}

fn pk(item: &Item) -> &str {
    match &item["pk"] {
        AttributeValue::S(s) => s,
        _ => unreachable!(),
    }
}

/// Scan semantics of a one-partition table whose items are assigned to segments round-robin.
fn scan_page(all: &[Item], input: &ScanInput) -> ScanOutput {
    let in_segment: Vec<(usize, &Item)> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| match (input.segment, input.total_segments) {
            (Some(s), Some(t)) => *i as i32 % t == s,
            _ => true,
        })
        .collect();
    let start = match &input.exclusive_start_key {
        Some(k) => in_segment.iter().position(|(_, it)| it["pk"] == k["pk"]).map_or(0, |p| p + 1),
        None => 0,
    };
    let limit = input.limit.unwrap_or(50) as usize;
    let page: Vec<Item> = in_segment[start..].iter().take(limit).map(|(_, it)| (*it).clone()).collect();
    let more = start + page.len() < in_segment.len();
    let last = more.then(|| HashMap::from([("pk".to_string(), page.last().unwrap()["pk"].clone())]));
    ScanOutput::builder()
        .set_items(Some(page.clone()))
        .count(page.len() as i32)
        .scanned_count(page.len() as i32)
        .set_last_evaluated_key(last)
        .build()
}

fn scan_rule(all: Arc<Vec<Item>>, calls: Arc<AtomicUsize>) -> Rule {
    mock!(Client::scan).then_compute_output(move |input| {
        calls.fetch_add(1, Ordering::SeqCst);
        scan_page(&all, input)
    })
}

fn budget(max: usize) -> Budget {
    Budget { max_response_bytes: max, cutoff: tokio::time::Instant::now() + Duration::from_secs(600) }
}

/// What one call gives: the response's fields, and how the table access stopped.
#[derive(Debug)]
struct Call {
    items: Vec<Value>,
    count: u64,
    next_token: Option<String>,
    stopped: Option<Stop>,
    page_error: Option<AppError>,
    /// The response's JSON text, as the handler returns it.
    body: String,
}

/// One call as the handler makes it: parse, table access, response.
async fn run(client: &Client, request: Value, max: usize) -> Result<Call, AppError> {
    let req = Request::parse(request, &config().requests)?;
    let mut outcome = TableAccess::new(client.clone(), ROLE).execute(&req, budget(max)).await?;
    let (stopped, page_error) = (outcome.stopped, outcome.page_error.take());
    let body = Response::new(&req, outcome)?.into_json()?.get().to_string();
    let v: Value = serde_json::from_str(&body).expect("the response is JSON");
    Ok(Call {
        items: v["items"].as_array().expect("items").clone(),
        count: v["count"].as_u64().expect("count"),
        next_token: v["next_token"].as_str().map(str::to_string),
        stopped,
        page_error,
        body,
    })
}

/// Follows next_token until null; returns every item's pk and the per-response outcomes.
async fn follow(client: &Client, request: Value, max: usize) -> (Vec<String>, Vec<Call>) {
    let mut pks = Vec::new();
    let mut outcomes = Vec::new();
    let mut req = request.clone();
    for _ in 0..10_000 {
        let out = run(client, req.clone(), max).await.expect("call succeeds");
        for v in &out.items {
            pks.push(v["pk"].as_str().unwrap().to_string());
        }
        let token = out.next_token.clone();
        outcomes.push(out);
        match token {
            Some(t) => req["next_token"] = json!(t),
            None => return (pks, outcomes),
        }
    }
    panic!("next_token never became null");
}

fn assert_exactly_once(pks: &[String], all: &[Item]) {
    let expected: HashSet<&str> = all.iter().map(pk).collect();
    let got: HashSet<&str> = pks.iter().map(String::as_str).collect();
    assert_eq!(pks.len(), all.len(), "item count (duplicates or losses)");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn sequential_pages_with_a_limit_return_every_item_once() {
    let all = table(503, 10);
    let calls = Arc::new(AtomicUsize::new(0));
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), calls.clone())]);
    let (pks, outs) = follow(&client, json!({"op": "scan", "page_size": 7, "limit": 20}), 6 << 20).await;
    assert_exactly_once(&pks, &all);
    assert!(outs.iter().all(|o| o.items.len() <= 20));
    assert!(outs[..outs.len() - 1].iter().all(|o| o.items.len() == 20 && o.stopped == Some(Stop::Limit)));
    // page size 7 with a limit of 20: no page is read ahead of need, and only the page a response
    // stopped in is read twice
    assert!(
        calls.load(Ordering::SeqCst) <= 503usize.div_ceil(7) + outs.len(),
        "{} scans",
        calls.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn parallel_segments_return_every_item_once() {
    let all = table(1001, 10);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), Arc::default())]);
    let (pks, outs) = follow(&client, json!({"op": "scan", "segments": 4, "page_size": 9, "limit": 50}), 6 << 20).await;
    assert_exactly_once(&pks, &all);
    assert!(outs.len() > 1 && outs.iter().all(|o| o.items.len() <= 50));
    let (pks, _) = follow(&client, json!({"op": "scan", "segments": 8}), 6 << 20).await;
    assert_exactly_once(&pks, &all);
}

#[tokio::test]
async fn parallel_streams_do_not_read_pages_a_full_response_throws_away() {
    let all = table(2000, 1000); // 50-item pages of ~51 KB: 40 pages, ~5 per 300 KB response
    let calls = Arc::new(AtomicUsize::new(0));
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), calls.clone())]);
    let streams = 4;
    let (pks, outs) = follow(&client, json!({"op": "scan", "segments": streams}), 300_000).await;
    assert_exactly_once(&pks, &all);
    // Each response may re-read at most one partly used page per stream; reading ahead into pages the
    // full response then discards would cost up to two per stream.
    let pages = calls.load(Ordering::SeqCst);
    assert!(pages <= 40 + outs.len() * streams, "{pages} Scan calls for 40 pages in {} responses", outs.len());
}

#[tokio::test]
async fn segment_slices_fan_out_over_invocations() {
    let all = table(777, 10);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), Arc::default())]);
    let mut pks = Vec::new();
    for segment in 0..3 {
        let (mut p, _) =
            follow(&client, json!({"op": "scan", "segment": segment, "total_segments": 3, "page_size": 40}), 6 << 20)
                .await;
        pks.append(&mut p);
    }
    assert_exactly_once(&pks, &all);
}

#[tokio::test]
async fn the_response_size_cap_stops_mid_page_and_resumes_exactly() {
    let all = table(400, 1000);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), Arc::default())]);
    let max = 80_000;
    let (pks, outs) = follow(&client, json!({"op": "scan", "segments": 2}), max).await;
    assert_exactly_once(&pks, &all);
    for o in &outs {
        assert!(o.body.len() <= max, "response of {} bytes over the {max} cap", o.body.len());
    }
    assert!(outs.iter().any(|o| o.stopped == Some(Stop::Size)));
}

#[tokio::test]
async fn count_sums_every_segment() {
    let all = table(250, 1);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), Arc::default())]);
    let out =
        run(&client, json!({"op": "scan", "select": "count", "segments": 3, "page_size": 20}), 6 << 20).await.unwrap();
    assert_eq!(out.count, 250);
    assert!(out.items.is_empty() && out.next_token.is_none());
}

#[tokio::test]
async fn a_token_only_works_with_its_own_request() {
    let all = table(30, 1);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all.clone(), Arc::default())]);
    let first = run(&client, json!({"op": "scan", "limit": 5}), 6 << 20).await.unwrap();
    let token = first.next_token.unwrap();
    let other = run(&client, json!({"op": "scan", "table": "customers", "next_token": token}), 6 << 20).await;
    match other {
        Err(e @ AppError::InvalidRequest { .. }) => assert!(e.to_string().contains("`next_token`"), "{e}"),
        o => panic!("{o:?}"),
    }
    let seg = run(&client, json!({"op": "scan", "segments": 2, "next_token": token}), 6 << 20).await;
    assert!(matches!(seg, Err(AppError::InvalidRequest { .. })));
}

fn ddb_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(
            json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message}).to_string(),
        ),
    )
}

#[tokio::test(start_paused = true)]
async fn a_failing_page_after_good_pages_returns_them_with_a_resuming_token() {
    let all = table(100, 1);
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (a, f) = (all.clone(), fail.clone());
    let rule = mock!(Client::scan).then_compute_response(move |input| {
        // the third page (start key k00019) fails while `fail` is set
        let third = input.exclusive_start_key.as_ref().is_some_and(|k| k["pk"] == AttributeValue::S("k00019".into()));
        if third && f.load(Ordering::SeqCst) {
            MockResponse::Http(ddb_error(400, "ResourceNotFoundException", "gone for a moment"))
        } else {
            MockResponse::Output(scan_page(&a, input))
        }
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&rule]);
    let out = run(&client, json!({"op": "scan", "page_size": 10}), 6 << 20).await.unwrap();
    assert_eq!(out.items.len(), 20, "the two good pages");
    assert_eq!(out.stopped, Some(Stop::PageError));
    assert!(matches!(out.page_error, Some(AppError::TableNotFound { .. })));
    let token = out.next_token.expect("a partial response is never complete");
    fail.store(false, Ordering::SeqCst);
    let mut pks: Vec<String> = out.items.iter().map(|v| v["pk"].as_str().unwrap().to_string()).collect();
    let (mut rest, _) = follow(&client, json!({"op": "scan", "page_size": 10, "next_token": token}), 6 << 20).await;
    pks.append(&mut rest);
    assert_exactly_once(&pks, &all);
}

#[tokio::test]
async fn access_denied_names_the_role_action_and_table() {
    let rule = mock!(Client::get_item).then_http_response(|| {
        ddb_error(
            400,
            "AccessDeniedException",
            "User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: dynamodb:GetItem",
        )
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&rule]);
    let e = run(&client, json!({"op": "get", "table": "audit", "key": {"pk": "a"}}), 6 << 20).await.unwrap_err();
    let m = e.to_string();
    assert_eq!(e.error_type(), "AccessDenied");
    assert!(m.contains(ROLE) && m.contains("dynamodb:GetItem") && m.contains("`audit`"), "{m}");
    let rule = mock!(Client::scan)
        .then_http_response(|| ddb_error(400, "ResourceNotFoundException", "Requested resource not found"));
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&rule]);
    let e = run(&client, json!({"op": "scan", "table": "nope"}), 6 << 20).await.unwrap_err();
    assert_eq!(e.error_type(), "TableNotFound");
    assert!(e.to_string().contains("`nope`"));
}

fn batch_rule(all: Arc<Vec<Item>>, calls: Arc<AtomicUsize>, unprocess_first: bool, always_unprocessed: bool) -> Rule {
    mock!(Client::batch_get_item).then_compute_output(move |input| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let req = &input.request_items.as_ref().unwrap()["orders"];
        assert!(req.keys.len() <= 100, "BatchGetItem takes at most 100 keys");
        let (done, left): (Vec<&Item>, Vec<&Item>) = if always_unprocessed {
            (vec![], req.keys.iter().collect())
        } else if unprocess_first && n == 0 {
            let half = req.keys.len() / 2;
            (req.keys[..half].iter().collect(), req.keys[half..].iter().collect())
        } else {
            (req.keys.iter().collect(), vec![])
        };
        let found: Vec<Item> = done.iter().filter_map(|k| all.iter().find(|it| it["pk"] == k["pk"]).cloned()).collect();
        let mut out = BatchGetItemOutput::builder().responses("orders", found);
        if !left.is_empty() {
            out = out.unprocessed_keys(
                "orders",
                KeysAndAttributes::builder().set_keys(Some(left.into_iter().cloned().collect())).build().unwrap(),
            );
        }
        out.build()
    })
}

#[tokio::test(start_paused = true)]
async fn batch_get_chunks_by_100_and_retries_unprocessed_keys() {
    let all = table(260, 5);
    let calls = Arc::new(AtomicUsize::new(0));
    let client =
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&batch_rule(all.clone(), calls.clone(), true, false)]);
    let keys: Vec<Value> =
        (0..250).map(|i| json!({"pk": format!("k{i:05}")})).chain([json!({"pk": "missing"})]).collect();
    let out = run(&client, json!({"op": "batch_get", "keys": keys}), 6 << 20).await.unwrap();
    let pks: HashSet<String> = out.items.iter().map(|v| v["pk"].as_str().unwrap().to_string()).collect();
    assert_eq!(pks.len(), 250);
    assert_eq!(out.items.len(), 250, "no duplicates; the missing key is simply absent");
    assert_eq!(calls.load(Ordering::SeqCst), 4, "3 chunks + 1 retry of the unprocessed half");

    let client =
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&batch_rule(all.clone(), Arc::default(), false, true)]);
    let e = run(&client, json!({"op": "batch_get", "keys": [{"pk": "k00001"}]}), 6 << 20).await.unwrap_err();
    assert_eq!(e.error_type(), "Throttled", "{e}");
}

#[tokio::test]
async fn batch_get_over_the_size_cap_continues_with_a_token() {
    let all = table(300, 1000);
    let client =
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&batch_rule(all.clone(), Arc::default(), false, false)]);
    let keys: Vec<Value> = (0..300).map(|i| json!({"pk": format!("k{i:05}")})).collect();
    let (pks, outs) = follow(&client, json!({"op": "batch_get", "keys": keys}), 70_000).await;
    assert_exactly_once(&pks, &all);
    assert!(outs.len() > 3, "{} responses", outs.len());
}

#[tokio::test]
async fn a_deadline_already_past_is_a_timeout_not_an_empty_answer() {
    let all = table(10, 1);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&scan_rule(all, Arc::default())]);
    let req = Request::parse(json!({"op": "scan"}), &config().requests).unwrap();
    let past = Budget { max_response_bytes: 6 << 20, cutoff: tokio::time::Instant::now() };
    let e = TableAccess::new(client, ROLE).execute(&req, past).await.unwrap_err();
    assert_eq!(e.error_type(), "Timeout");
}
