//! The invocation handler: event → request → table access → response, and one log line per call.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::lambda::check;
use crate::lambda::config::Config;
use crate::lambda::metrics;
use crate::lambda::response::{Answer, Response, ResponseJson};
use crate::table::{Budget, Outcome, TableAccess};
use crate::wire::error::AppError;
use crate::wire::request::Request;

/// Time kept back from the Lambda deadline to finish the response (at most 1 s, a quarter of what is left).
const DEADLINE_MARGIN: Duration = Duration::from_secs(1);

/// What every invocation shares, built once per process.
pub struct App {
    pub config: Config,
    pub tables: TableAccess,
}

/// A raw EventBridge "Scheduled Event" (rule or Scheduler) runs SCHEDULED_REQUEST; any other payload
/// is the request itself (a schedule whose input is a request lands here too). Returns the request
/// and, for a Scheduled Event, its id (the same on every retry of that run).
fn request_of(payload: Value, config: &Config) -> Result<(Value, Option<String>), AppError> {
    if payload.get("detail-type").is_none() || payload.get("op").is_some() {
        return Ok((payload, None));
    }
    let event: EventBridgeEvent = serde_json::from_value(payload)
        .map_err(|e| AppError::invalid_request(format!("looks like an EventBridge event but is not one: {e}")))?;
    if event.detail_type != "Scheduled Event" {
        return Err(AppError::invalid(
            "detail-type",
            format!(
                "EventBridge event `{}` from `{}` is not a Scheduled Event; send a request object instead",
                event.detail_type, event.source
            ),
        ));
    }
    let request = config.scheduled_request.clone().ok_or_else(|| {
        AppError::invalid_request(
            "a Scheduled Event arrived but neither SCHEDULED_REQUEST nor DEFAULT_TABLE is configured",
        )
    })?;
    Ok((request, event.id.filter(|id| !id.is_empty())))
}

/// Lambda sends the deadline as milliseconds since the epoch. `cargo lambda watch` sends the timeout
/// itself (e.g. 600000); a value too small to be a date after 2001 is read that way.
fn time_left(deadline_ms: u64, now: SystemTime) -> Duration {
    const YEAR_2001_MS: u64 = 1_000_000_000_000;
    if deadline_ms < YEAR_2001_MS {
        return Duration::from_millis(deadline_ms);
    }
    (UNIX_EPOCH + Duration::from_millis(deadline_ms)).duration_since(now).unwrap_or_default()
}

fn cutoff(deadline_ms: u64) -> tokio::time::Instant {
    let left = time_left(deadline_ms, SystemTime::now());
    tokio::time::Instant::now() + left.saturating_sub(DEADLINE_MARGIN.min(left / 4))
}

pub async fn handle(app: &App, event: LambdaEvent<Value>) -> Result<Answer, AppError> {
    if check::is_check(&event.payload) {
        return run_check(app, event).await.map(Answer::Check);
    }
    serve(app, event).await.map(Answer::Data)
}

/// A data request.
async fn serve(app: &App, event: LambdaEvent<Value>) -> Result<ResponseJson, AppError> {
    let started = Instant::now();
    let (payload, context) = event.into_parts();
    let mut op = "";
    let mut table = String::new();
    // A log field, not a metric dimension: the alarms watch (op, table) across regions.
    let mut region = String::new();
    let result = async {
        let (payload, scheduled_run) = request_of(payload, &app.config)?;
        let mut request = Request::parse(payload, &app.config.requests)?;
        if let (crate::wire::request::Operation::Export(export), Some(run)) = (&mut request.operation, scheduled_run) {
            // A retried run (Lambda retries an asynchronous invocation twice) starts no second export.
            export.client_token = Some(crate::wire::request::export_client_token(&run));
        }
        op = request.op_name();
        table = request.table.clone();
        region = request.region.clone();
        let budget = Budget { max_response_bytes: app.config.max_response_bytes, cutoff: cutoff(context.deadline) };
        let outcome = app.tables.execute(&request, budget).await?;
        log_outcome(&context.request_id, op, (&table, &region), &outcome, started);
        Response::new(&request, outcome)?.into_json()
    }
    .await;
    if let Err(e) = &result {
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        // `errors` (1) is the EMF metric of this line; see metrics.rs.
        tracing::warn!(name: metrics::FAILURE, request_id = %context.request_id, op, table, region, error_type = e.error_type(), error = %e, duration_ms, errors = 1u64, "request failed");
    }
    result
}

/// `{"op": "check"}`: only a malformed request is an error; every finding is in the report.
async fn run_check(app: &App, event: LambdaEvent<Value>) -> Result<check::Report, AppError> {
    let started = Instant::now();
    let (payload, context) = event.into_parts();
    let request_id = &context.request_id;
    let tables = match check::tables_of(&payload, app.config.requests.default_table.as_deref()) {
        Ok(tables) => tables,
        Err(e) => {
            tracing::warn!(name: metrics::FAILURE, request_id, op = check::OP, error_type = e.error_type(), error = %e, errors = 1u64, "request failed");
            return Err(e);
        }
    };
    let report = check::run(&app.config, &app.tables, &tables, cutoff(context.deadline)).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    // No item data and no credentials here: the verdict, and which steps failed.
    tracing::info!(
        request_id,
        op = check::OP,
        tables = tables.len(),
        ok = report.ok,
        failed_steps = report.failed(),
        duration_ms,
        "check complete"
    );
    Ok(report)
}

/// The one log line of a successful call (and a warning when a page failed after others succeeded).
fn log_outcome(request_id: &str, op: &str, (table, region): (&str, &str), outcome: &Outcome, started: Instant) {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(e) = &outcome.page_error {
        tracing::warn!(request_id, op, table, region, error_type = e.error_type(), error = %e,
            "a page failed after earlier pages succeeded; returning them with a next_token that resumes at the failed page");
    }
    let r = &outcome.results;
    // Named metrics::REQUEST: the line also carries the EMF block of its numbers (metrics.rs).
    tracing::info!(
        name: metrics::REQUEST,
        request_id,
        op,
        table,
        region,
        items = r.items.len(),
        count = r.count,
        scanned_count = r.scanned_count,
        pages = outcome.pages,
        consumed_capacity = r.consumed_capacity,
        stopped = outcome.stopped.map(|s| s.as_str()),
        more = outcome.resume.is_some(),
        duration_ms,
        "request complete"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_absolute_except_cargo_lambdas_relative_timeout() {
        let now = UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
        assert_eq!(time_left(1_800_000_003_000, now), Duration::from_secs(3));
        assert_eq!(time_left(1_799_999_999_000, now), Duration::ZERO, "a passed deadline leaves nothing");
        assert_eq!(time_left(600_000, now), Duration::from_secs(600), "cargo lambda watch sends the timeout");
    }
}
