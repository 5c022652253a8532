//! Configuration: environment variables, read once at start. Any problem stops the start with a
//! message naming the variable and what was expected.
//!
//! The connection's variables are read by `connect::settings` (the library reads them the same
//! way); the reader's own by one function each below. `Config::from_env` only puts them together.

use serde_json::Value;

use crate::connect::env::{caused, err, ConfigError, Env};
use crate::connect::settings::{account_id, Settings};
use crate::wire::request::{ExportTarget, Request, RequestDefaults};
use crate::wire::table_ref::parse_table;

/// Lambda's limit for a synchronous response payload.
pub const LAMBDA_MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
const MIN_RESPONSE_BYTES: usize = 64 * 1024;

/// The reader Lambda's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// How the main account is reached: ACCESS_MODE, the role, EXTERNAL_ID, the session, its
    /// attribution and TABLE_REGION.
    pub connection: Settings,
    /// What request parsing needs: the table region and DEFAULT_TABLE.
    pub requests: RequestDefaults,
    /// The request a raw EventBridge Scheduled Event runs (already checked at start).
    pub scheduled_request: Option<Value>,
    /// MAX_RESPONSE_BYTES: the cap on one response's size.
    pub max_response_bytes: usize,
    /// METRICS / METRICS_NAMESPACE: the EMF metrics of the log lines.
    pub metrics: crate::lambda::metrics::Settings,
}

impl Config {
    /// Reads the configuration through `get` (std::env::var in production; a map in tests).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env(get);
        // In this order, so that of several bad variables the same one is always reported.
        let connection = Settings::read(&env)?;
        let requests = RequestDefaults {
            table_region: connection.region.clone(),
            default_table: default_table(&env)?,
            allow_writes: allow_writes(&env)?,
            table_account: connection.access.table_account().map(str::to_string),
            exports: exports(&env)?,
        };
        let max_response_bytes = env.integer(
            "MAX_RESPONSE_BYTES",
            MIN_RESPONSE_BYTES..=LAMBDA_MAX_RESPONSE_BYTES,
            "",
            LAMBDA_MAX_RESPONSE_BYTES,
        )?;
        let scheduled_request = scheduled_request(&env, &requests)?;
        let metrics = crate::lambda::metrics::Settings::parse(
            env.var("METRICS").as_deref(),
            env.var("METRICS_NAMESPACE").as_deref(),
        )
        .map_err(|(variable, message)| err(variable, message))?;
        Ok(Config { connection, requests, scheduled_request, max_response_bytes, metrics })
    }
}

/// ALLOW_WRITES: `true` lets write operations run; unset or `false` refuses them.
fn allow_writes<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<bool, ConfigError> {
    match env.var("ALLOW_WRITES").as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(err("ALLOW_WRITES", format!("expected `true` or `false`, got `{other}`"))),
    }
}

/// EXPORT_BUCKET (exports are enabled exactly when it is set), EXPORT_BUCKET_OWNER (default
/// CONSUMER_ACCOUNT_ID: the consumer owns the bucket) and EXPORT_PREFIX (default `exports`).
fn exports<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Option<ExportTarget>, ConfigError> {
    let Some(bucket) = env.var("EXPORT_BUCKET") else { return Ok(None) };
    // S3's bucket naming rules: 3-63 of lower-case letters, digits, `.` and `-`, a letter or digit at each end.
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge(bucket.bytes().next())
        && edge(bucket.bytes().last());
    if !ok {
        return Err(err(
            "EXPORT_BUCKET",
            format!("expected an S3 bucket name (3-63 of a-z, 0-9, `.`, `-`, a letter or digit at each end), got `{bucket}`"),
        ));
    }
    let bucket_owner = env.var("EXPORT_BUCKET_OWNER").or_else(|| env.var("CONSUMER_ACCOUNT_ID")).ok_or_else(|| {
        err(
            "EXPORT_BUCKET_OWNER",
            "not set: the account that owns EXPORT_BUCKET (the consumer's), or set CONSUMER_ACCOUNT_ID",
        )
    })?;
    let bucket_owner = account_id("EXPORT_BUCKET_OWNER", bucket_owner)?;
    let prefix = env.var("EXPORT_PREFIX").unwrap_or_else(|| "exports".into());
    let prefix = prefix.trim_end_matches('/').to_string();
    let segment_ok = |s: &str| !s.is_empty() && s != "." && s != "..";
    let ok = prefix.len() <= 512
        && prefix.split('/').all(segment_ok)
        && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"!-_.*'()=/".contains(&b));
    if !ok {
        return Err(err(
            "EXPORT_PREFIX",
            format!("expected at most 512 characters of path segments (letters, digits, !-_.*'()=) separated by single `/`, got `{prefix}`"),
        ));
    }
    Ok(Some(ExportTarget { bucket, bucket_owner, prefix }))
}

fn default_table<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Option<String>, ConfigError> {
    let Some(table) = env.var("DEFAULT_TABLE") else { return Ok(None) };
    parse_table(&table).map_err(|e| caused("DEFAULT_TABLE", e))?;
    Ok(Some(table))
}

/// SCHEDULED_REQUEST, checked by the request parser now: a scheduled run fails unattended, so a bad
/// one must stop the deployment instead. Without it, a schedule counts DEFAULT_TABLE's items.
fn scheduled_request<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    requests: &RequestDefaults,
) -> Result<Option<Value>, ConfigError> {
    let request = match env.var("SCHEDULED_REQUEST") {
        Some(s) => serde_json::from_str(&s).map_err(|e| ConfigError {
            variable: "SCHEDULED_REQUEST",
            message: format!("expected a JSON request object: {e}"),
            source: Some(Box::new(e)),
        })?,
        None if requests.default_table.is_some() => serde_json::json!({"op": "scan", "select": "count"}),
        None => return Ok(None),
    };
    Request::parse(request.clone(), requests).map_err(|e| caused("SCHEDULED_REQUEST", e))?;
    Ok(Some(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::access_mode::AccessMode;
    use crate::connect::attribution::Attribution;
    use std::collections::HashMap;
    use std::time::Duration;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_env(|k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[("AWS_REGION", "us-east-1")];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        BASE.iter().chain(extra.iter()).cloned().collect()
    }

    /// Every variable the configuration reads is named on a row of docs/configuration.md's table
    /// (as the variable, or as the default it falls back to).
    #[test]
    fn the_configuration_page_documents_every_variable_read() {
        let page = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md"));
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let read = |pairs: &[(&str, &str)]| {
            let map: HashMap<&str, &str> = pairs.iter().cloned().collect();
            Config::from_env(|k| {
                asked.borrow_mut().insert(k.to_string());
                map.get(k).map(|v| v.to_string())
            })
        };
        // The derived role with exports and a default table, resource_policy mode, and no region at
        // all: between them every branch that reads a variable runs.
        read(&with(&[
            ("MAIN_ACCOUNT_ID", "111111111111"),
            ("ENVIRONMENT", "dev"),
            ("CONSUMER_ACCOUNT_ID", "222222222222"),
            ("EXPORT_BUCKET", "dev-exports"),
            ("DEFAULT_TABLE", "orders"),
        ]))
        .unwrap();
        read(&with(&[("ACCESS_MODE", "resource_policy"), ("MAIN_ACCOUNT_ID", "111111111111")])).unwrap();
        assert_eq!(read(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x")]).unwrap_err().variable, "TABLE_REGION");
        let asked = asked.into_inner();
        assert!(asked.len() > 20, "only {asked:?} were read");
        for name in asked {
            let named = format!("`{name}`");
            assert!(
                page.lines().any(|l| l.starts_with("| ") && l.contains(&named)),
                "docs/configuration.md's table needs a row naming {named}"
            );
        }
    }

    #[test]
    fn allow_writes_is_off_unless_true_and_a_bad_value_names_the_variable() {
        let base = [("ROLE_ARN", "arn:aws:iam::111111111111:role/x")];
        assert!(!cfg(&with(&base)).unwrap().requests.allow_writes);
        assert!(!cfg(&with(&[base[0], ("ALLOW_WRITES", "false")])).unwrap().requests.allow_writes);
        assert!(cfg(&with(&[base[0], ("ALLOW_WRITES", "true")])).unwrap().requests.allow_writes);
        let e = cfg(&with(&[base[0], ("ALLOW_WRITES", "yes")])).unwrap_err();
        assert_eq!(e.variable, "ALLOW_WRITES");
        assert!(e.to_string().contains("`true` or `false`"), "{e}");
    }

    #[test]
    fn exports_are_enabled_by_export_bucket_and_owned_by_the_consumer() {
        let role = ("ROLE_ARN", "arn:aws:iam::111111111111:role/x");
        assert!(cfg(&with(&[role])).unwrap().requests.exports.is_none());
        let c = cfg(&with(&[role, ("EXPORT_BUCKET", "dev-exports"), ("CONSUMER_ACCOUNT_ID", "222222222222")])).unwrap();
        assert_eq!(
            c.requests.exports,
            Some(ExportTarget {
                bucket: "dev-exports".into(),
                bucket_owner: "222222222222".into(),
                prefix: "exports".into()
            })
        );
        let c = cfg(&with(&[
            role,
            ("EXPORT_BUCKET", "dev-exports"),
            ("EXPORT_BUCKET_OWNER", "333333333333"),
            ("EXPORT_PREFIX", "team/a/"),
        ]))
        .unwrap();
        let target = c.requests.exports.unwrap();
        assert_eq!((target.bucket_owner.as_str(), target.prefix.as_str()), ("333333333333", "team/a"));
        for (pairs, variable) in [
            (vec![("EXPORT_BUCKET", "dev-exports")], "EXPORT_BUCKET_OWNER"),
            (vec![("EXPORT_BUCKET", "Dev_Exports"), ("EXPORT_BUCKET_OWNER", "222222222222")], "EXPORT_BUCKET"),
            (vec![("EXPORT_BUCKET", "-dev"), ("EXPORT_BUCKET_OWNER", "222222222222")], "EXPORT_BUCKET"),
            (vec![("EXPORT_BUCKET", "dev-exports"), ("EXPORT_BUCKET_OWNER", "2222")], "EXPORT_BUCKET_OWNER"),
            (
                vec![
                    ("EXPORT_BUCKET", "dev-exports"),
                    ("EXPORT_BUCKET_OWNER", "222222222222"),
                    ("EXPORT_PREFIX", "/a"),
                ],
                "EXPORT_PREFIX",
            ),
            (
                vec![
                    ("EXPORT_BUCKET", "dev-exports"),
                    ("EXPORT_BUCKET_OWNER", "222222222222"),
                    ("EXPORT_PREFIX", "a/../b"),
                ],
                "EXPORT_PREFIX",
            ),
        ] {
            let pairs: Vec<_> = [role].into_iter().chain(pairs).collect();
            let e = cfg(&with(&pairs)).expect_err(&format!("{pairs:?}"));
            assert_eq!(e.variable, variable, "{pairs:?}: {e}");
        }
    }

    #[test]
    fn a_scheduled_export_is_checked_at_start_against_the_export_settings() {
        let role = ("ROLE_ARN", "arn:aws:iam::111111111111:role/x");
        let nightly = ("SCHEDULED_REQUEST", r#"{"op":"export","table":"orders","prefix":"nightly"}"#);
        let c = cfg(&with(&[role, nightly, ("EXPORT_BUCKET", "dev-exports"), ("CONSUMER_ACCOUNT_ID", "222222222222")]))
            .unwrap();
        assert_eq!(c.scheduled_request.unwrap()["op"], "export");
        let e = cfg(&with(&[role, nightly])).unwrap_err();
        assert_eq!(e.variable, "SCHEDULED_REQUEST");
        assert!(e.to_string().contains("EXPORT_BUCKET"), "{e}");
    }

    #[test]
    fn role_arn_is_used_as_is() {
        let c = cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x")])).unwrap();
        assert_eq!(c.connection.access.role().unwrap().arn(None).unwrap(), "arn:aws:iam::111111111111:role/x");
        assert_eq!(c.connection.session_duration, Duration::from_secs(3600));
        assert_eq!(c.requests.table_region, "us-east-1");
        assert_eq!(c.max_response_bytes, LAMBDA_MAX_RESPONSE_BYTES);
        assert!(c.scheduled_request.is_none());
    }

    #[test]
    fn role_is_derived_from_the_naming_convention() {
        let c = cfg(&with(&[
            ("MAIN_ACCOUNT_ID", "111111111111"),
            ("ENVIRONMENT", "dev"),
            ("CONSUMER_ACCOUNT_ID", "222222222222"),
        ]))
        .unwrap();
        assert_eq!(
            c.connection.access.role().unwrap().arn(None).unwrap(),
            "arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222"
        );
        let c = cfg(&with(&[("MAIN_ACCOUNT_ID", "111111111111"), ("ENVIRONMENT", "prod")])).unwrap();
        assert_eq!(c.connection.access.role().unwrap().arn(None), None, "needs the caller's account");
        assert_eq!(
            c.connection.access.role().unwrap().arn(Some("333333333333")).unwrap(),
            "arn:aws:iam::111111111111:role/prod-ddb_cross_acc_access_role-333333333333"
        );
    }

    #[test]
    fn resource_policy_mode_needs_the_main_account_and_no_role() {
        let c = cfg(&with(&[("ACCESS_MODE", "resource_policy"), ("MAIN_ACCOUNT_ID", "111111111111")])).unwrap();
        assert_eq!(c.connection.access, AccessMode::ResourcePolicy { main_account_id: "111111111111".into() });
        assert_eq!(c.requests.table_account.as_deref(), Some("111111111111"));
        let c =
            cfg(&with(&[("ACCESS_MODE", "assume_role"), ("ROLE_ARN", "arn:aws:iam::111111111111:role/x")])).unwrap();
        assert!(c.connection.access.role().is_some() && c.requests.table_account.is_none());
    }

    #[test]
    fn each_bad_variable_is_named() {
        let cases: &[(&[(&'static str, &'static str)], &str)] = &[
            (&[], "ROLE_ARN"),
            (&[("ACCESS_MODE", "resource_policy")], "MAIN_ACCOUNT_ID"),
            (&[("ACCESS_MODE", "resource_policy"), ("MAIN_ACCOUNT_ID", "1111")], "MAIN_ACCOUNT_ID"),
            (&[("ACCESS_MODE", "direct"), ("ROLE_ARN", "arn:aws:iam::111111111111:role/x")], "ACCESS_MODE"),
            (&[("ROLE_ARN", "arn:aws:iam::1111:role/x")], "ROLE_ARN"),
            (&[("ROLE_ARN", "arn:aws:s3:::bucket")], "ROLE_ARN"),
            (&[("MAIN_ACCOUNT_ID", "11111111111x"), ("ENVIRONMENT", "dev")], "MAIN_ACCOUNT_ID"),
            (&[("MAIN_ACCOUNT_ID", "111111111111")], "ENVIRONMENT"),
            (
                &[("MAIN_ACCOUNT_ID", "111111111111"), ("ENVIRONMENT", "dev"), ("CONSUMER_ACCOUNT_ID", "2")],
                "CONSUMER_ACCOUNT_ID",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SESSION_DURATION_SECONDS", "10")],
                "SESSION_DURATION_SECONDS",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SESSION_DURATION_SECONDS", "43201")],
                "SESSION_DURATION_SECONDS",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SESSION_DURATION_SECONDS", "1h")],
                "SESSION_DURATION_SECONDS",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("ROLE_SESSION_NAME", "has space")],
                "ROLE_SESSION_NAME",
            ),
            (&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("EXTERNAL_ID", "a")], "EXTERNAL_ID"),
            (&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SOURCE_IDENTITY", "a b")], "SOURCE_IDENTITY"),
            (&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SESSION_TAGS", "team")], "SESSION_TAGS"),
            (&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("TABLE_REGION", "US East")], "TABLE_REGION"),
            (&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("DEFAULT_TABLE", "a b")], "DEFAULT_TABLE"),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("MAX_RESPONSE_BYTES", "7000000")],
                "MAX_RESPONSE_BYTES",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SCHEDULED_REQUEST", "{not json")],
                "SCHEDULED_REQUEST",
            ),
            (
                &[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SCHEDULED_REQUEST", r#"{"op":"scan"}"#)],
                "SCHEDULED_REQUEST",
            ),
            (
                &[
                    ("ROLE_ARN", "arn:aws:iam::111111111111:role/x"),
                    ("SCHEDULED_REQUEST", r#"{"op":"drop","table":"t1x"}"#),
                ],
                "SCHEDULED_REQUEST",
            ),
        ];
        for (pairs, variable) in cases {
            let e = cfg(&with(pairs)).expect_err(&format!("{pairs:?} should fail"));
            assert_eq!(e.variable, *variable, "{pairs:?}: {e}");
            assert!(e.to_string().contains(variable), "{e}");
        }
        let e = Config::from_env(|k| (k == "ROLE_ARN").then(|| "arn:aws:iam::111111111111:role/x".into())).unwrap_err();
        assert_eq!(e.variable, "TABLE_REGION");
    }

    #[test]
    fn environment_follows_the_naming_rules_terraform_validates_with() {
        let derive = |env: &str| {
            let map: HashMap<String, String> = [("AWS_REGION", "us-east-1"), ("MAIN_ACCOUNT_ID", "111111111111")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain([("ENVIRONMENT".to_string(), env.to_string())])
                .collect();
            Config::from_env(|k| map.get(k).cloned())
        };
        for ok in ["dev", "stage-2", &"e".repeat(25)] {
            assert!(derive(ok).is_ok(), "{ok}");
        }
        // 26-28 characters and IAM's wider alphabet were accepted before; Terraform never allowed them.
        for bad in [&"e".repeat(26), &"e".repeat(28), "Dev", "dev_1", "dev.1", "dev@x", "1dev", "-dev"] {
            let e = derive(bad).expect_err(bad);
            assert_eq!(e.variable, "ENVIRONMENT", "{bad}: {e}");
            assert!(e.to_string().contains("25") && e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn a_rejected_scheduled_request_keeps_the_parsers_error_as_its_source() {
        let e =
            cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("SCHEDULED_REQUEST", r#"{"op":"scan"}"#)]))
                .unwrap_err();
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.to_string().contains("`table`"), "{source}");
    }

    #[test]
    fn session_name_defaults_to_a_sanitised_function_name() {
        let c =
            cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("AWS_LAMBDA_FUNCTION_NAME", "my fn:prod")]))
                .unwrap();
        assert_eq!(c.connection.session_name, "my-fn-prod");
        let long = "f".repeat(100);
        let c = Config::from_env(|k| match k {
            "ROLE_ARN" => Some("arn:aws:iam::111111111111:role/x".into()),
            "AWS_REGION" => Some("eu-west-1".into()),
            "AWS_LAMBDA_FUNCTION_NAME" => Some(long.clone()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.connection.session_name.len(), 64);
    }

    #[test]
    fn attribution_defaults_to_the_function_and_what_the_environment_says() {
        let c = cfg(&with(&[
            ("MAIN_ACCOUNT_ID", "111111111111"),
            ("ENVIRONMENT", "dev"),
            ("CONSUMER_ACCOUNT_ID", "222222222222"),
            ("AWS_LAMBDA_FUNCTION_NAME", "dev-ddb-cross-account-reader"),
        ]))
        .unwrap();
        assert_eq!(c.connection.attribution.source_identity.as_deref(), Some("dev-ddb-cross-account-reader"));
        let tags: HashMap<&str, &str> =
            c.connection.attribution.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(tags.get("environment"), Some(&"dev"), "{tags:?}");
        assert_eq!(tags.get("consumer"), Some(&"222222222222"), "{tags:?}");
        assert_eq!(tags.get("function"), Some(&"dev-ddb-cross-account-reader"), "{tags:?}");
        let off = cfg(&with(&[
            ("ROLE_ARN", "arn:aws:iam::111111111111:role/x"),
            ("AWS_LAMBDA_FUNCTION_NAME", "f1"),
            ("SOURCE_IDENTITY", "off"),
            ("SESSION_TAGS", "off"),
        ]))
        .unwrap();
        assert_eq!(off.connection.attribution, Attribution::default());
        let given = cfg(&with(&[
            ("ROLE_ARN", "arn:aws:iam::111111111111:role/x"),
            ("SOURCE_IDENTITY", "reporting"),
            ("SESSION_TAGS", "team=data"),
        ]))
        .unwrap();
        assert_eq!(given.connection.attribution.source_identity.as_deref(), Some("reporting"));
        assert_eq!(given.connection.attribution.tags, vec![("team".to_string(), "data".to_string())]);
        let direct = cfg(&with(&[
            ("ACCESS_MODE", "resource_policy"),
            ("MAIN_ACCOUNT_ID", "111111111111"),
            ("AWS_LAMBDA_FUNCTION_NAME", "f1"),
        ]))
        .unwrap();
        assert_eq!(direct.connection.attribution, Attribution::default(), "no AssumeRole, nothing to attribute");
    }

    #[test]
    fn scheduled_request_defaults_to_a_count_of_the_default_table() {
        let c = cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("DEFAULT_TABLE", "orders")])).unwrap();
        assert_eq!(c.scheduled_request.unwrap(), serde_json::json!({"op": "scan", "select": "count"}));
        let c = cfg(&with(&[
            ("ROLE_ARN", "arn:aws:iam::111111111111:role/x"),
            ("SCHEDULED_REQUEST", r#"{"op":"query","table":"orders","key_condition":"pk = :p","values":{":p":"c1"}}"#),
        ]))
        .unwrap();
        assert_eq!(c.scheduled_request.unwrap()["op"], "query");
    }
}
