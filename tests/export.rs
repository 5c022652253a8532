//! export / export_status against a mocked DynamoDB (aws-smithy-mocks): what is sent (the table's
//! ARN in the main account, the consumer's bucket and owner, the prefix, the window), what comes
//! back, and how DynamoDB's refusals are named. The emulator suite covers the same end to end.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::operation::describe_export::DescribeExportOutput;
use aws_sdk_dynamodb::operation::export_table_to_point_in_time::{
    ExportTableToPointInTimeInput, ExportTableToPointInTimeOutput,
};
use aws_sdk_dynamodb::types::{ExportDescription, ExportFormat, ExportStatus, ExportType};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::DateTime;
use ddb_cross_account_reader::internals::lambda::config::Config;
use ddb_cross_account_reader::internals::table::{Budget, TableAccess};
use ddb_cross_account_reader::internals::wire::error::AppError;
use ddb_cross_account_reader::internals::wire::request::Request;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222";
const ARN: &str = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/01800000000000-a1b2c3d4";

fn config(exports: bool) -> Config {
    Config::from_env(|k| match k {
        "ROLE_ARN" => Some(ROLE.into()),
        "AWS_REGION" => Some("us-east-1".into()),
        "DEFAULT_TABLE" => Some("orders".into()),
        "CONSUMER_ACCOUNT_ID" => Some("222222222222".into()),
        "EXPORT_BUCKET" if exports => Some("dev-ddb-exports-222222222222".into()),
        "EXPORT_PREFIX" if exports => Some("exports/dev".into()),
        _ => None,
    })
    .unwrap()
}

fn budget() -> Budget {
    Budget { max_response_bytes: 6 << 20, cutoff: tokio::time::Instant::now() + Duration::from_secs(600) }
}

async fn run(client: &Client, request: Value) -> Result<Value, AppError> {
    let req = Request::parse(request, &config(true).requests)?;
    let outcome = TableAccess::new(client.clone(), ROLE).execute(&req, budget()).await?;
    assert_eq!(outcome.results.items.len(), 1, "one item: the export's description");
    Ok(serde_json::from_str(outcome.results.items.get(0).unwrap()).unwrap())
}

fn ddb_error(code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(400).unwrap(),
        SdkBody::from(
            json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message}).to_string(),
        ),
    )
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn an_export_is_sent_for_the_tables_arn_into_the_consumers_bucket_and_returns_at_once() {
    let sent: Arc<Mutex<Vec<ExportTableToPointInTimeInput>>> = Arc::default();
    let seen = sent.clone();
    let rule = mock!(Client::export_table_to_point_in_time).then_compute_output(move |input| {
        seen.lock().unwrap().push(input.clone());
        ExportTableToPointInTimeOutput::builder()
            .export_description(
                ExportDescription::builder()
                    .export_arn(ARN)
                    .export_status(ExportStatus::InProgress)
                    .table_arn(input.table_arn().unwrap())
                    .s3_bucket(input.s3_bucket().unwrap())
                    .s3_bucket_owner(input.s3_bucket_owner().unwrap())
                    .s3_prefix(input.s3_prefix().unwrap())
                    .export_type(input.export_type().unwrap().clone())
                    .export_format(input.export_format().unwrap().clone())
                    .start_time(DateTime::from_secs(1_800_000_000))
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
    let out = run(&client, json!({"op": "export", "prefix": "nightly"})).await.unwrap();
    assert_eq!(out["export_arn"], ARN);
    assert_eq!(out["status"], "IN_PROGRESS");
    assert_eq!(out["bucket"], "dev-ddb-exports-222222222222");
    assert_eq!(out["prefix"], "exports/dev/nightly");
    assert_eq!(out["start_time"], "2027-01-15T08:00:00Z");
    assert_eq!(out["item_count"], Value::Null);
    let input = sent.lock().unwrap().pop().unwrap();
    assert_eq!(input.table_arn(), Some("arn:aws:dynamodb:us-east-1:111111111111:table/orders"));
    assert_eq!(input.s3_bucket_owner(), Some("222222222222"));
    assert_eq!(input.export_format(), Some(&ExportFormat::DynamodbJson));
    assert_eq!(input.export_type(), Some(&ExportType::FullExport));
    assert!(input.export_time().is_none() && input.incremental_export_specification().is_none());

    let to = now_secs() - 60;
    run(
        &client,
        json!({"op": "export", "table": "ledger", "format": "ION", "type": "INCREMENTAL_EXPORT",
        "from": to - 3600, "to": to}),
    )
    .await
    .unwrap();
    let input = sent.lock().unwrap().pop().unwrap();
    assert_eq!(input.table_arn(), Some("arn:aws:dynamodb:us-east-1:111111111111:table/ledger"));
    assert_eq!(input.s3_prefix(), Some("exports/dev/ledger"));
    assert_eq!(input.export_format(), Some(&ExportFormat::Ion));
    let spec = input.incremental_export_specification().unwrap();
    assert_eq!(spec.export_from_time().map(|t| t.secs()), Some(to - 3600));
    assert_eq!(spec.export_to_time().map(|t| t.secs()), Some(to));
    assert_eq!(rule.num_calls(), 2);
}

#[tokio::test]
async fn export_status_reports_counts_the_manifest_and_a_failures_fix() {
    let done = mock!(Client::describe_export).match_requests(|r| r.export_arn() == Some(ARN)).then_output(|| {
        DescribeExportOutput::builder()
            .export_description(
                ExportDescription::builder()
                    .export_arn(ARN)
                    .export_status(ExportStatus::Completed)
                    .s3_bucket("dev-ddb-exports-222222222222")
                    .s3_prefix("exports/dev/orders")
                    .export_manifest("exports/dev/orders/AWSDynamoDB/01800000000000-a1b2c3d4/manifest-summary.json")
                    .item_count(5000)
                    .billed_size_bytes(123_456)
                    .build(),
            )
            .build()
    });
    let failed = mock!(Client::describe_export).then_output(|| {
        DescribeExportOutput::builder()
            .export_description(
                ExportDescription::builder()
                    .export_arn(ARN.replace("a1b2c3d4", "deadbeef"))
                    .export_status(ExportStatus::Failed)
                    .failure_code("S3AccessDenied")
                    .failure_message("Access denied when writing to the bucket")
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&done, &failed]);
    let out = run(&client, json!({"op": "export_status", "export_arn": ARN})).await.unwrap();
    assert_eq!(out["status"], "COMPLETED");
    assert_eq!(out["item_count"], 5000);
    assert_eq!(out["billed_size_bytes"], 123_456);
    assert_eq!(
        out["manifest"],
        "s3://dev-ddb-exports-222222222222/exports/dev/orders/AWSDynamoDB/01800000000000-a1b2c3d4/manifest-summary.json"
    );
    assert_eq!(out["failure_code"], Value::Null);
    let out =
        run(&client, json!({"op": "export_status", "export_arn": ARN.replace("a1b2c3d4", "deadbeef")})).await.unwrap();
    assert_eq!(out["status"], "FAILED");
    assert_eq!(out["failure_code"], "S3AccessDenied");
    assert!(out["hint"].as_str().unwrap().contains("s3:PutObject"), "{out}");
}

#[tokio::test]
async fn dynamodbs_refusals_name_the_table_and_the_fix() {
    let cases = [
        ("PointInTimeRecoveryUnavailableException", "PointInTimeRecoveryDisabled", "point-in-time recovery"),
        ("AccessDeniedException", "AccessDenied", "dynamodb:ExportTableToPointInTime"),
        ("TableNotFoundException", "TableNotFound", "`orders`"),
        ("InvalidExportTimeException", "InvalidRequest", "recovery window"),
        ("ExportConflictException", "DynamoDbError", "ExportConflictException"),
    ];
    for (code, error_type, says) in cases {
        let rule = mock!(Client::export_table_to_point_in_time)
            .then_http_response(move || ddb_error(code, "refused by the mock"));
        let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
        let e = run(&client, json!({"op": "export"})).await.unwrap_err();
        assert_eq!(e.error_type(), error_type, "{code}: {e}");
        assert!(e.to_string().contains(says) && e.to_string().contains("refused by the mock"), "{code}: {e}");
    }
    let rule = mock!(Client::describe_export).then_http_response(|| ddb_error("ExportNotFoundException", "no export"));
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
    let e = run(&client, json!({"op": "export_status", "export_arn": ARN})).await.unwrap_err();
    assert!(matches!(&e, AppError::InvalidRequest { field: Some(f), .. } if f == "export_arn"), "{e}");
}

#[tokio::test]
async fn nothing_is_sent_when_exports_are_disabled_or_the_window_is_wrong() {
    let rule =
        mock!(Client::export_table_to_point_in_time).then_output(|| ExportTableToPointInTimeOutput::builder().build());
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule]);
    let e = Request::parse(json!({"op": "export"}), &config(false).requests).unwrap_err();
    assert_eq!(e.error_type(), "ExportsDisabled");
    let to = now_secs() - 60;
    let e = run(&client, json!({"op": "export", "type": "INCREMENTAL_EXPORT", "from": to - 90_000, "to": to}))
        .await
        .unwrap_err();
    assert!(matches!(&e, AppError::InvalidRequest { field: Some(f), .. } if f == "to"), "{e}");
    assert_eq!(rule.num_calls(), 0);
}
