//! `{"op": "check"}`: a pre-flight that says, step by step, what works and what does not, each
//! failure with its likely cause and the fix in one sentence. The invocation succeeds with the
//! report: a failing step is data, not an invocation error.
//!
//! Steps: `configuration` (what the function runs as), `assume_role` (one STS AssumeRole, made
//! directly with the client's credentials provider so the failure is STS's own), then one `table`
//! step per table with the checks `region`, `describe_table`, `read` (a Scan of at most one item,
//! Select=COUNT: it needs dynamodb:Scan and the table's KMS key like any read, and returns no
//! item) and `kms_key` (from DescribeTable's SSEDescription and how the read went). It never
//! writes, never returns item data, and every call ends by the invocation's cutoff.

use std::error::Error as StdError;
use std::future::Future;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_dynamodb::types::{Select, SseStatus};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use crate::connect::call_error::{from_sdk, CallContext};
use crate::lambda::config::Config;
use crate::table::TableAccess;
use crate::wire::error::AppError;
use crate::wire::table_ref::{parse_table, request_region, table_address, TableRef};

/// The most tables one check looks at (each costs a DescribeTable and a one-item Scan).
pub const MAX_CHECK_TABLES: usize = 20;

/// The `op` value of a check request.
pub const OP: &str = crate::wire::request::CHECK_OP;

/// Whether `payload` asks for a check (the only request that is not a `Request`).
pub fn is_check(payload: &Value) -> bool {
    payload.get("op").and_then(Value::as_str) == Some(OP)
}

/// The tables a check request names: its `table` (one, or a list), else DEFAULT_TABLE; an empty
/// list when neither is there (the configuration step reports it). Every name is validated here.
pub fn tables_of(payload: &Value, default_table: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(fields) = payload.as_object() else { return Err(AppError::invalid_request("expected a JSON object")) };
    if let Some(other) = fields.keys().find(|k| !matches!(k.as_str(), "op" | "table")) {
        return Err(AppError::invalid(other.as_str(), "not used by op `check` (it takes only `table`)"));
    }
    let tables: Vec<(String, &Value)> = match fields.get("table") {
        None | Some(Value::Null) => return Ok(default_table.map(String::from).into_iter().collect()),
        Some(one @ Value::String(_)) => vec![("table".into(), one)],
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(AppError::invalid("table", "an empty list checks nothing; omit `table` to check DEFAULT_TABLE"))
        }
        Some(Value::Array(list)) if list.len() > MAX_CHECK_TABLES => {
            return Err(AppError::invalid(
                "table",
                format!("at most {MAX_CHECK_TABLES} tables per check, got {}", list.len()),
            ))
        }
        Some(Value::Array(list)) => list.iter().enumerate().map(|(i, v)| (format!("table[{i}]"), v)).collect(),
        Some(_) => {
            return Err(AppError::invalid(
                "table",
                format!("expected a table name or ARN, or a list of at most {MAX_CHECK_TABLES} of them"),
            ))
        }
    };
    let mut names: Vec<String> = Vec::with_capacity(tables.len());
    for (field, value) in tables {
        let Some(name) = value.as_str() else {
            return Err(AppError::invalid(field, "expected a table name or ARN (a string)"));
        };
        // The syntax is the caller's mistake; a region or account mismatch is a finding (`region`).
        parse_table(name).map_err(|e| naming(e, &field))?;
        if names.iter().any(|n| n == name) {
            return Err(AppError::invalid(field, format!("`{name}` is listed twice")));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
    /// Not run (an earlier step failed, or it does not apply); `detail` says why.
    Skipped,
}

/// What a step or a check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub status: Status,
    /// The function's errorType the same failure has in a data request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<&'static str>,
    /// assume_role only: the likely cause, one of `execution_role_permission`, `explicit_deny`,
    /// `trust_policy`, `invalid_parameters`, `unreachable`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    pub detail: String,
    /// One sentence: what to change (failures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    fn ok(detail: impl Into<String>) -> Finding {
        Finding { status: Status::Ok, error_type: None, cause: None, detail: detail.into(), fix: None }
    }

    fn skipped(why: impl Into<String>) -> Finding {
        Finding { status: Status::Skipped, error_type: None, cause: None, detail: why.into(), fix: None }
    }

    fn failed(error_type: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            status: Status::Failed,
            error_type: Some(error_type),
            cause: None,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// The configuration step's facts: what the function runs as (never the ExternalId's value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub access_mode: &'static str,
    /// The main account's role (assume_role mode); null in resource_policy mode.
    pub role_arn: Option<String>,
    /// The tables' account in resource_policy mode; null in assume_role mode.
    pub main_account_id: Option<String>,
    pub region: String,
    pub default_table: Option<String>,
    pub external_id_set: bool,
    pub writes: bool,
    pub exports: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// `configuration`, `assume_role` or `table`.
    pub step: &'static str,
    /// The table as the request named it (table steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<Check>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// `region`, `describe_table`, `read` or `kms_key`.
    pub check: &'static str,
    #[serde(flatten)]
    pub finding: Finding,
    /// kms_key: the table's KMS key as DescribeTable names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_arn: Option<String>,
}

/// The answer of a check: `ok` when no step failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub steps: Vec<Step>,
}

impl Report {
    fn new(steps: Vec<Step>) -> Report {
        Report { ok: !steps.iter().any(|s| s.finding.status == Status::Failed), steps }
    }

    /// How many steps failed (for the log line).
    pub fn failed(&self) -> usize {
        self.steps.iter().filter(|s| s.finding.status == Status::Failed).count()
    }
}

fn step(name: &'static str, finding: Finding) -> Step {
    Step { step: name, table: None, finding, settings: None, checks: None }
}

fn check(name: &'static str, finding: Finding) -> Check {
    Check { check: name, finding, key_arn: None }
}

/// A table without a KMS key in DescribeTable uses DynamoDB's own key, which needs no grant.
const OWNED_KEY: &str = "encrypted with an AWS owned key: no KMS grant needed";

const DEADLINE: &str = "the invocation's deadline arrived first";

/// Runs `call` until `cutoff`; `None` when the deadline came first.
async fn by<T>(cutoff: Instant, call: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(cutoff, call).await.ok()
}

/// Runs the check of `tables` (already validated by `tables_of`).
pub async fn run(config: &Config, access: &TableAccess, tables: &[String], cutoff: Instant) -> Report {
    let mut steps = vec![configuration(config, access, tables)];
    let assume = assume_role(config, access, cutoff).await;
    let credentials_ok = assume.status != Status::Failed;
    let out_of_time = assume.error_type == Some("Timeout");
    steps.push(step("assume_role", assume));
    for name in tables {
        let mut s = if !credentials_ok {
            let why = if out_of_time { DEADLINE } else { "no credentials for the main account: assume_role failed" };
            step("table", Finding::skipped(why))
        } else if Instant::now() >= cutoff {
            step("table", Finding::skipped(DEADLINE))
        } else {
            table(config, access, name, cutoff).await
        };
        s.table = Some(name.clone());
        steps.push(s);
    }
    Report::new(steps)
}

fn configuration(config: &Config, access: &TableAccess, tables: &[String]) -> Step {
    let requests = &config.requests;
    let main_account_id = config.connection.access.table_account().map(String::from);
    let settings = Settings {
        access_mode: if main_account_id.is_some() { "resource_policy" } else { "assume_role" },
        role_arn: config.connection.access.role().map(|_| access.role_arn().to_string()),
        main_account_id,
        region: requests.table_region.clone(),
        default_table: requests.default_table.clone(),
        external_id_set: config.connection.external_id.is_some(),
        writes: requests.allow_writes,
        exports: requests.exports.is_some(),
    };
    let finding = if tables.is_empty() {
        Finding::failed(
            "InvalidRequest",
            "no table to check: the request names none and DEFAULT_TABLE is not set",
            "Pass `table` (a name, an ARN, or a list of them) or set DEFAULT_TABLE (Terraform: function.default_table).",
        )
    } else {
        Finding::ok(format!("{} in {}; checking {} table(s)", settings.access_mode, settings.region, tables.len()))
    };
    Step { settings: Some(settings), ..step("configuration", finding) }
}

/// One AssumeRole through the client's own credentials provider (not its cache, so the answer is
/// STS's now, and a data request's cached credentials are left alone).
async fn assume_role(config: &Config, access: &TableAccess, cutoff: Instant) -> Finding {
    if config.connection.access.role().is_none() {
        return Finding::skipped(
            "ACCESS_MODE=resource_policy: no role is assumed; the execution role's own credentials sign every call",
        );
    }
    let role_arn = access.role_arn();
    let Some(provider) = access.assume_role() else {
        return Finding::failed(
            "Internal",
            "the table access was built without its AssumeRole provider",
            "Report this as a defect of the function.",
        );
    };
    match by(cutoff, provider.provide_credentials()).await {
        None => Finding::failed(
            "Timeout",
            format!("STS AssumeRole of {role_arn} did not answer before the invocation's deadline"),
            "Raise the function's timeout, or check that it can reach STS (VPC endpoint or NAT).",
        ),
        Some(Ok(_)) => Finding::ok(format!("assumed {role_arn}")),
        Some(Err(e)) => assume_role_failure(&e, role_arn, config.connection.external_id.is_some()),
    }
}

/// The likely cause of an AssumeRole failure and its fix, from STS's wording. STS gives no reason
/// when the trust policy refuses (a wrong or missing ExternalId, an untrusted caller, or a role that
/// does not exist all read the same); it says "identity-based policy" when the caller's own does.
fn assume_role_failure(e: &CredentialsError, role_arn: &str, external_id_set: bool) -> Finding {
    let message = sts_said(e);
    let action = denied_action(&message).unwrap_or("sts:AssumeRole");
    let (cause, fix) = if message.contains("no identity-based policy allows") {
        (
            "execution_role_permission",
            format!("Allow the execution role {action} on {role_arn} in its identity policy (Terraform: the consumer root)."),
        )
    } else if message.contains("explicit deny") {
        (
            "explicit_deny",
            format!(
                "Remove the explicit Deny of {action} on {role_arn} from the execution role's policies or boundary."
            ),
        )
    } else if message.contains("not authorized to perform") || message.contains("AccessDenied") {
        let external_id = if external_id_set {
            "that EXTERNAL_ID equals its sts:ExternalId condition"
        } else {
            "that EXTERNAL_ID is set if it requires sts:ExternalId (it is not set)"
        };
        (
            "trust_policy",
            format!(
                "Check that {role_arn} exists, that its trust policy allows {action} to the execution role (or its \
                 account), and {external_id}."
            ),
        )
    } else if message.contains("ValidationError") || message.contains("validation error") {
        (
            "invalid_parameters",
            "Fix the setting STS names (ROLE_SESSION_NAME, SESSION_DURATION_SECONDS or EXTERNAL_ID format).".into(),
        )
    } else if message.contains("dispatch failure") || message.contains("timed out") || message.contains("connect") {
        ("unreachable", "Let the function reach STS (a VPC endpoint for sts, or a NAT gateway).".into())
    } else {
        ("other", "Read AWS's message in `detail`; the role ARN and region are in the configuration step.".into())
    };
    Finding {
        cause: Some(cause),
        ..Finding::failed("AssumeRoleFailed", format!("could not assume {role_arn}: {message}"), fix)
    }
}

/// STS's error code and message when STS answered (the SDK's full context otherwise: a connection
/// failure or a timeout), without the raw HTTP response the context would print.
fn sts_said(e: &CredentialsError) -> String {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(SdkError::ServiceError(service)) = s.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>() {
            let err = service.err();
            return format!("{}: {}", err.code().unwrap_or("Unknown"), err.message().unwrap_or_default());
        }
        source = s.source();
    }
    DisplayErrorContext(e).to_string()
}

/// `sts:TagSession` from "... not authorized to perform: sts:TagSession on resource ...".
fn denied_action(message: &str) -> Option<&str> {
    let at = message.find("perform: ")? + "perform: ".len();
    let rest = &message[at..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == ':')).unwrap_or(rest.len());
    (end > 0).then_some(&rest[..end])
}

/// The account the tables are in: the role's (assume_role) or MAIN_ACCOUNT_ID (resource_policy).
fn tables_account(config: &Config, access: &TableAccess) -> Option<String> {
    match config.connection.access.table_account() {
        Some(account) => Some(account.to_string()),
        None => access.role_arn().split(':').nth(4).filter(|a| !a.is_empty()).map(String::from),
    }
}

async fn table(config: &Config, access: &TableAccess, name: &str, cutoff: Instant) -> Step {
    let mut checks = Vec::with_capacity(4);
    // The region a data request naming this table would read: its ARN's, else TABLE_REGION.
    let located = request_region(None, Some(name), &config.requests.table_region).and_then(|region| {
        let address = table_address(name, &region, config.connection.access.table_account())?;
        Ok((access.in_region(&region)?, region, address))
    });
    let (access, region, address) = match located {
        Ok(located) => located,
        Err(e) => {
            let fix = "Name a table of the main account by its plain name or by its ARN (any region).";
            checks.push(check("region", Finding::failed(e.error_type(), e.to_string(), fix)));
            skip_rest(
                &mut checks,
                &["describe_table", "read", "kms_key"],
                "the table is outside the account this function reads",
            );
            return table_step(checks);
        }
    };
    let (access, region) = (&access, region.as_str());
    let account = tables_account(config, access);
    // In assume_role mode an ARN is reduced to its name, so its account would go unnoticed.
    if let (Ok(TableRef::Arn { account: named, .. }), Some(account)) = (parse_table(name), &account) {
        if named != *account {
            let detail =
                format!("the table ARN names account {named}, but {} reads account {account}", access.role_arn());
            let fix = "Name the table by its plain name, or set ROLE_ARN to a role in the table's account.";
            checks.push(check("region", Finding::failed("InvalidRequest", detail, fix)));
            skip_rest(&mut checks, &["describe_table", "read", "kms_key"], "the table is in another account");
            return table_step(checks);
        }
    }
    let account = account.map(|a| format!(" of account {a}")).unwrap_or_default();
    checks.push(check("region", Finding::ok(format!("looked up in {region}{account}"))));
    let ctx = |action| CallContext { role_arn: access.role_arn(), action, table: name, region };
    let client = access.client();

    let described = by(cutoff, client.describe_table().table_name(&address).send()).await;
    let described = match described {
        None => {
            checks.push(check("describe_table", timeout("DescribeTable")));
            skip_rest(&mut checks, &["read", "kms_key"], DEADLINE);
            return table_step(checks);
        }
        Some(Err(e)) => {
            let e = from_sdk(e, &ctx("dynamodb:DescribeTable"));
            let fix = table_fix(&e, name, region);
            checks.push(check("describe_table", Finding::failed(e.error_type(), e.to_string(), fix)));
            skip_rest(&mut checks, &["read", "kms_key"], "DescribeTable failed");
            return table_step(checks);
        }
        Some(Ok(out)) => out,
    };
    let description = described.table();
    let status = description.and_then(|t| t.table_status()).map(|s| s.as_str().to_string());
    let arn = description.and_then(|t| t.table_arn()).unwrap_or(&address).to_string();
    checks.push(check(
        "describe_table",
        Finding::ok(format!("{arn} exists (status {})", status.as_deref().unwrap_or("unknown"))),
    ));
    // A customer-managed or AWS managed KMS key; DynamoDB's own (AWS owned) key is not named.
    let key_arn = description
        .and_then(|t| t.sse_description())
        .filter(|sse| !matches!(sse.status(), Some(SseStatus::Disabled | SseStatus::Disabling)))
        .and_then(|sse| sse.kms_master_key_arn())
        .map(String::from);

    // At most one item is read and only its count comes back: nothing of the data leaves DynamoDB.
    let read = by(cutoff, client.scan().table_name(&address).limit(1).select(Select::Count).send()).await;
    let (read, kms) = match read {
        None => (timeout("Scan"), Finding::skipped(DEADLINE)),
        Some(Ok(out)) => {
            let read = Finding::ok(format!(
                "dynamodb:Scan allowed: read {} item(s) of at most 1, returned none",
                out.scanned_count()
            ));
            let kms = match &key_arn {
                Some(key) => Finding::ok(format!("encrypted with {key}; the read decrypted with it")),
                None => Finding::ok(OWNED_KEY),
            };
            (read, kms)
        }
        Some(Err(e)) => match from_sdk(e, &ctx("dynamodb:Scan")) {
            e @ AppError::KmsAccessDenied { .. } => {
                let actions = crate::wire::kms::needed_for("dynamodb:Scan").join(", ");
                let key = key_arn.as_deref().unwrap_or("the table's key");
                let fix = format!(
                    "Grant the role {actions} on {key} via dynamodb.{region}.amazonaws.com: in its policy (Terraform: \
                     the table entry's kms_key_arn) and in the key's policy."
                );
                (
                    Finding::skipped("the KMS key was refused: nothing can be read until kms_key is fixed"),
                    Finding::failed(e.error_type(), e.to_string(), fix),
                )
            }
            e => {
                let fix = table_fix(&e, name, region);
                let kms = match key_arn {
                    Some(_) => Finding::skipped("not tested: the read was refused before the key was used"),
                    None => Finding::ok(OWNED_KEY),
                };
                (Finding::failed(e.error_type(), e.to_string(), fix), kms)
            }
        },
    };
    checks.push(check("read", read));
    checks.push(Check { key_arn, ..check("kms_key", kms) });
    table_step(checks)
}

fn timeout(call: &str) -> Finding {
    Finding::failed(
        "Timeout",
        format!("{call} did not answer before the invocation's deadline"),
        "Raise the function's timeout, or check that it can reach DynamoDB.",
    )
}

fn skip_rest(checks: &mut Vec<Check>, names: &[&'static str], why: &str) {
    checks.extend(names.iter().map(|c| check(c, Finding::skipped(why))));
}

/// The fix of a DescribeTable or read failure.
fn table_fix(e: &AppError, name: &str, region: &str) -> String {
    match e {
        AppError::TableNotFound { .. } => {
            format!("Create `{name}` in the main account in {region}, or correct the name (or TABLE_REGION).")
        }
        AppError::AccessDenied { role_arn, action, .. } if role_arn == crate::wire::error::EXECUTION_ROLE => format!(
            "Grant the execution role {action} on `{name}` in both its identity policy and the table's resource \
             policy (Terraform: the table's access level)."
        ),
        AppError::AccessDenied { action, .. } => format!(
            "Grant the role {action} on `{name}` in the main account (Terraform: give the table an access level)."
        ),
        AppError::Throttled { .. } => "Retry later, or raise the table's capacity.".into(),
        _ => "Read AWS's message in `detail`.".into(),
    }
}

fn table_step(checks: Vec<Check>) -> Step {
    let failed: Vec<&str> = checks.iter().filter(|c| c.finding.status == Status::Failed).map(|c| c.check).collect();
    let finding = if failed.is_empty() {
        Finding::ok("readable")
    } else {
        Finding {
            status: Status::Failed,
            error_type: None,
            cause: None,
            detail: format!("failed: {}", failed.join(", ")),
            fix: None,
        }
    };
    Step { checks: Some(checks), ..step("table", finding) }
}

/// table_ref's errors name `table`; an entry of a list is `table[i]`.
fn naming(e: AppError, field: &str) -> AppError {
    match e {
        AppError::InvalidRequest { message, source, .. } => {
            AppError::InvalidRequest { field: Some(field.to_string()), message, source }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_report_serializes_in_its_documented_shape() {
        let settings = Settings {
            access_mode: "assume_role",
            role_arn: Some("arn:aws:iam::111111111111:role/r".into()),
            main_account_id: None,
            region: "us-east-1".into(),
            default_table: Some("orders".into()),
            external_id_set: true,
            writes: false,
            exports: false,
        };
        let assume = Finding {
            cause: Some("trust_policy"),
            ..Finding::failed("AssumeRoleFailed", "could not assume r", "Check the trust policy.")
        };
        let table = Step {
            table: Some("orders".into()),
            ..table_step(vec![
                check("region", Finding::ok("looked up in us-east-1")),
                check("describe_table", Finding::failed("TableNotFound", "no such table", "Create it.")),
                Check {
                    key_arn: Some("arn:aws:kms:us-east-1:111111111111:key/k".into()),
                    ..check("read", Finding::skipped("DescribeTable failed"))
                },
            ])
        };
        let report = Report::new(vec![
            Step { settings: Some(settings), ..step("configuration", Finding::ok("fine")) },
            step("assume_role", assume),
            table,
        ]);
        assert!(!report.ok && report.failed() == 2);
        let text = serde_json::to_string(&report).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"ok": false, "steps": [
                {"step": "configuration", "status": "ok", "detail": "fine", "settings": {
                    "access_mode": "assume_role", "role_arn": "arn:aws:iam::111111111111:role/r",
                    "main_account_id": null, "region": "us-east-1", "default_table": "orders",
                    "external_id_set": true, "writes": false, "exports": false}},
                {"step": "assume_role", "status": "failed", "error_type": "AssumeRoleFailed",
                 "cause": "trust_policy", "detail": "could not assume r", "fix": "Check the trust policy."},
                {"step": "table", "table": "orders", "status": "failed", "detail": "failed: describe_table", "checks": [
                    {"check": "region", "status": "ok", "detail": "looked up in us-east-1"},
                    {"check": "describe_table", "status": "failed", "error_type": "TableNotFound",
                     "detail": "no such table", "fix": "Create it."},
                    {"check": "read", "status": "skipped", "detail": "DescribeTable failed",
                     "key_arn": "arn:aws:kms:us-east-1:111111111111:key/k"}]}]})
        );
        // The documented key order: the step's name first, then its table, status and findings.
        assert!(text.starts_with(r#"{"ok":false,"steps":[{"step":"configuration","status":"ok""#), "{text}");
        assert!(text.contains(r#"{"step":"table","table":"orders","status":"failed""#), "{text}");
        let skipped_only = Report::new(vec![step("assume_role", Finding::skipped("resource_policy"))]);
        assert!(skipped_only.ok, "a step that does not apply is no failure");
    }

    #[test]
    fn tables_come_from_the_request_or_default_table_and_are_validated_by_field() {
        let of = |v: Value| tables_of(&v, Some("orders"));
        assert_eq!(of(json!({"op": "check"})).unwrap(), ["orders"]);
        assert_eq!(tables_of(&json!({"op": "check"}), None).unwrap(), Vec::<String>::new());
        assert_eq!(of(json!({"op": "check", "table": "ledger"})).unwrap(), ["ledger"]);
        let arn = "arn:aws:dynamodb:eu-west-1:111111111111:table/orders";
        assert_eq!(of(json!({"op": "check", "table": ["a_1", arn]})).unwrap(), ["a_1", arn], "region is a finding");
        let many: Vec<String> = (0..=MAX_CHECK_TABLES).map(|i| format!("t{i:03}")).collect();
        assert_eq!(of(json!({"op": "check", "table": many[..MAX_CHECK_TABLES]})).unwrap().len(), MAX_CHECK_TABLES);
        let field = |v: Value| match of(v.clone()) {
            Err(AppError::InvalidRequest { field: Some(f), message, .. }) if !message.is_empty() => f,
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(field(json!({"op": "check", "table": many})), "table");
        assert_eq!(field(json!({"op": "check", "table": []})), "table");
        assert_eq!(field(json!({"op": "check", "table": {"name": "orders"}})), "table");
        assert_eq!(field(json!({"op": "check", "table": ["orders", "no"]})), "table[1]");
        assert_eq!(field(json!({"op": "check", "table": ["orders", null]})), "table[1]");
        assert_eq!(field(json!({"op": "check", "table": ["abc", "orders", "abc"]})), "table[2]");
        assert_eq!(field(json!({"op": "check", "table": "arn:aws:dynamodb:x:1:table/t"})), "table");
        assert_eq!(field(json!({"op": "check", "limit": 1})), "limit");
        assert!(is_check(&json!({"op": "check"})) && !is_check(&json!({"op": "scan"})) && !is_check(&json!("check")));
    }

    #[test]
    fn check_is_a_known_op_but_never_a_data_request() {
        let defaults = crate::wire::request::RequestDefaults {
            table_region: "us-east-1".into(),
            default_table: Some("orders".into()),
            allow_writes: false,
            table_account: None,
            exports: None,
        };
        let e = crate::wire::request::Request::parse(json!({"op": "check"}), &defaults).unwrap_err();
        assert!(matches!(&e, AppError::InvalidRequest { field: Some(f), .. } if f == "op"), "{e:?}");
        let unknown = crate::wire::request::Request::parse(json!({"op": "chek"}), &defaults).unwrap_err().to_string();
        assert!(unknown.contains("`check`") && unknown.contains("`scan`"), "the op list names check: {unknown}");
    }

    #[test]
    fn assume_role_failures_name_their_likely_cause() {
        let role = "arn:aws:iam::111111111111:role/r";
        let fail = |message: &str, external_id_set| {
            let f = assume_role_failure(&CredentialsError::provider_error(message.to_string()), role, external_id_set);
            assert_eq!((f.status, f.error_type), (Status::Failed, Some("AssumeRoleFailed")));
            assert!(f.detail.contains(role) && f.detail.contains(message), "{f:?}");
            (f.cause.unwrap(), f.fix.unwrap())
        };
        let denied = "AccessDenied: User: arn:aws:sts::222222222222:assumed-role/exec/s is not authorized to perform: \
                      sts:AssumeRole on resource: arn:aws:iam::111111111111:role/r";
        let (cause, fix) =
            fail(&format!("{denied} because no identity-based policy allows the sts:AssumeRole action"), true);
        assert_eq!(cause, "execution_role_permission");
        assert!(fix.contains("execution role sts:AssumeRole on arn:aws:iam::111111111111:role/r"), "{fix}");
        let (cause, fix) = fail(&denied.replace("sts:AssumeRole on", "sts:TagSession on"), true);
        assert_eq!(cause, "trust_policy");
        assert!(fix.contains("allows sts:TagSession") && fix.contains("equals its sts:ExternalId"), "{fix}");
        let (cause, fix) = fail(denied, false);
        assert_eq!(cause, "trust_policy");
        assert!(fix.contains("(it is not set)"), "{fix}");
        assert_eq!(
            fail(&format!("{denied} with an explicit deny in an identity-based policy"), true).0,
            "explicit_deny"
        );
        assert_eq!(fail("ValidationError: 1 validation error detected: roleSessionName", true).0, "invalid_parameters");
        assert_eq!(fail("dispatch failure: io error: connection refused", true).0, "unreachable");
        assert_eq!(fail("something else", true).0, "other");
        for (_, fix) in [fail(denied, true), fail("something else", false)] {
            assert!(fix.ends_with('.') && !fix.contains('\n'), "one sentence: {fix}");
        }
    }
}
