//! Configuration: environment variables, read once at start. Any problem stops the start with a
//! message naming the variable and what was expected.

use std::fmt;
use std::time::Duration;

/// Lambda's limit for a synchronous response payload.
pub const LAMBDA_MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum RoleSource {
    /// ROLE_ARN given.
    Arn(String),
    /// Derived from the Terraform module's naming convention; the consumer account is looked up
    /// with STS GetCallerIdentity when CONSUMER_ACCOUNT_ID is absent.
    Convention { main_account_id: String, environment: String, consumer_account_id: Option<String> },
}

impl RoleSource {
    /// `arn:aws:iam::{main}:role/{env}-ddb_cross_acc_access_role-{consumer}`, or the given ARN.
    pub fn arn(&self, caller_account: Option<&str>) -> Option<String> {
        match self {
            RoleSource::Arn(arn) => Some(arn.clone()),
            RoleSource::Convention { main_account_id, environment, consumer_account_id } => {
                let consumer = consumer_account_id.as_deref().or(caller_account)?;
                Some(format!("arn:aws:iam::{main_account_id}:role/{environment}-ddb_cross_acc_access_role-{consumer}"))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub role: RoleSource,
    pub external_id: Option<String>,
    pub session_name: String,
    pub session_duration: Duration,
    pub table_region: String,
    pub default_table: Option<String>,
    /// The request a raw EventBridge Scheduled Event runs (already checked at start).
    pub scheduled_request: Option<serde_json::Value>,
    pub max_response_bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME
fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && is_account_id(parts[4])
        && parts[5].strip_prefix("role/").is_some_and(|n| {
            let name = n.rsplit('/').next().unwrap_or("");
            !name.is_empty() && name.len() <= 64 && name.bytes().all(is_role_name_byte)
        })
}

fn is_role_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}

/// RoleSessionName allows `[\w+=,.@-]`, 2..=64 characters.
fn session_name_from(function_name: Option<&str>) -> String {
    let mut name: String = function_name
        .unwrap_or("ddb-cross-account-reader")
        .chars()
        .map(|c| if c.is_ascii() && is_role_name_byte(c as u8) { c } else { '-' })
        .take(64)
        .collect();
    if name.len() < 2 {
        name = "ddb-cross-account-reader".into();
    }
    name
}

impl Config {
    /// Reads the configuration through `get` (std::env::var in production; a map in tests).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // Treat set-but-empty like unset: Terraform and env files often render "" for "not given".
        let var = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let role = match var("ROLE_ARN") {
            Some(arn) if is_role_arn(&arn) => RoleSource::Arn(arn),
            Some(arn) => {
                return Err(err(
                    "ROLE_ARN",
                    format!("expected an IAM role ARN like arn:aws:iam::111111111111:role/NAME, got `{arn}`"),
                ))
            }
            None => {
                let main_account_id = var("MAIN_ACCOUNT_ID").ok_or_else(|| {
                    err("ROLE_ARN", "not set: set ROLE_ARN, or MAIN_ACCOUNT_ID and ENVIRONMENT to derive it")
                })?;
                if !is_account_id(&main_account_id) {
                    return Err(err("MAIN_ACCOUNT_ID", format!("expected 12 digits, got `{main_account_id}`")));
                }
                let environment = var("ENVIRONMENT").ok_or_else(|| {
                    err("ENVIRONMENT", "not set: needed with MAIN_ACCOUNT_ID to derive the role name (e.g. dev)")
                })?;
                // The role name is `{env}-ddb_cross_acc_access_role-{12 digits}` and IAM caps names at 64.
                if environment.len() > 28 || !environment.bytes().all(is_role_name_byte) {
                    return Err(err(
                        "ENVIRONMENT",
                        format!("expected at most 28 characters of [A-Za-z0-9+=,.@_-], got `{environment}`"),
                    ));
                }
                let consumer_account_id = var("CONSUMER_ACCOUNT_ID");
                if let Some(c) = &consumer_account_id {
                    if !is_account_id(c) {
                        return Err(err("CONSUMER_ACCOUNT_ID", format!("expected 12 digits, got `{c}`")));
                    }
                }
                RoleSource::Convention { main_account_id, environment, consumer_account_id }
            }
        };

        let external_id = var("EXTERNAL_ID");
        if let Some(id) = &external_id {
            let ok = (2..=1224).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b));
            if !ok {
                return Err(err("EXTERNAL_ID", "expected 2-1224 characters of [A-Za-z0-9+=,.@:/_-]"));
            }
        }

        let session_name = match var("ROLE_SESSION_NAME") {
            Some(n) if (2..=64).contains(&n.len()) && n.bytes().all(is_role_name_byte) => n,
            Some(n) => {
                return Err(err(
                    "ROLE_SESSION_NAME",
                    format!("expected 2-64 characters of [A-Za-z0-9+=,.@_-], got `{n}`"),
                ))
            }
            None => session_name_from(get("AWS_LAMBDA_FUNCTION_NAME").as_deref()),
        };

        let session_duration = match var("SESSION_DURATION_SECONDS") {
            None => Duration::from_secs(3600),
            Some(s) => match s.parse::<u64>() {
                Ok(n) if (900..=43200).contains(&n) => Duration::from_secs(n),
                _ => {
                    return Err(err(
                        "SESSION_DURATION_SECONDS",
                        format!("expected an integer from 900 to 43200 (seconds), got `{s}`"),
                    ))
                }
            },
        };

        let table_region = match var("TABLE_REGION").or_else(|| var("AWS_REGION")).or_else(|| var("AWS_DEFAULT_REGION"))
        {
            Some(r)
                if !r.is_empty()
                    && r.len() <= 32
                    && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                r
            }
            Some(r) => return Err(err("TABLE_REGION", format!("expected a region name like us-east-1, got `{r}`"))),
            None => return Err(err("TABLE_REGION", "not set, and AWS_REGION is not set either")),
        };

        let default_table = var("DEFAULT_TABLE");
        if let Some(t) = &default_table {
            crate::request::parse_table(t).map_err(|e| err("DEFAULT_TABLE", e.to_string()))?;
        }

        let max_response_bytes = match var("MAX_RESPONSE_BYTES") {
            None => LAMBDA_MAX_RESPONSE_BYTES,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (64 * 1024..=LAMBDA_MAX_RESPONSE_BYTES).contains(&n) => n,
                _ => {
                    return Err(err(
                        "MAX_RESPONSE_BYTES",
                        format!("expected an integer from 65536 to {LAMBDA_MAX_RESPONSE_BYTES}, got `{s}`"),
                    ))
                }
            },
        };

        let scheduled_request = match var("SCHEDULED_REQUEST") {
            Some(s) => {
                let v: serde_json::Value = serde_json::from_str(&s)
                    .map_err(|e| err("SCHEDULED_REQUEST", format!("expected a JSON request object: {e}")))?;
                Some(v)
            }
            None => default_table.as_ref().map(|_| serde_json::json!({"op": "scan", "select": "count"})),
        };

        let config = Config {
            role,
            external_id,
            session_name,
            session_duration,
            table_region,
            default_table,
            scheduled_request,
            max_response_bytes,
        };
        // A scheduled run fails unattended, so a bad SCHEDULED_REQUEST must stop the deployment instead.
        if let Some(req) = &config.scheduled_request {
            crate::request::Request::parse(req.clone(), &config)
                .map_err(|e| err("SCHEDULED_REQUEST", e.to_string()))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_env(|k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[("AWS_REGION", "us-east-1")];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        BASE.iter().chain(extra.iter()).cloned().collect()
    }

    #[test]
    fn role_arn_is_used_as_is() {
        let c = cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x")])).unwrap();
        assert_eq!(c.role.arn(None).unwrap(), "arn:aws:iam::111111111111:role/x");
        assert_eq!(c.session_duration, Duration::from_secs(3600));
        assert_eq!(c.table_region, "us-east-1");
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
            c.role.arn(None).unwrap(),
            "arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222"
        );
        let c = cfg(&with(&[("MAIN_ACCOUNT_ID", "111111111111"), ("ENVIRONMENT", "prod")])).unwrap();
        assert_eq!(c.role.arn(None), None, "needs the caller's account");
        assert_eq!(
            c.role.arn(Some("333333333333")).unwrap(),
            "arn:aws:iam::111111111111:role/prod-ddb_cross_acc_access_role-333333333333"
        );
    }

    #[test]
    fn each_bad_variable_is_named() {
        let cases: &[(&[(&'static str, &'static str)], &str)] = &[
            (&[], "ROLE_ARN"),
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
    fn session_name_defaults_to_a_sanitised_function_name() {
        let c =
            cfg(&with(&[("ROLE_ARN", "arn:aws:iam::111111111111:role/x"), ("AWS_LAMBDA_FUNCTION_NAME", "my fn:prod")]))
                .unwrap();
        assert_eq!(c.session_name, "my-fn-prod");
        let long = "f".repeat(100);
        let c = Config::from_env(|k| match k {
            "ROLE_ARN" => Some("arn:aws:iam::111111111111:role/x".into()),
            "AWS_REGION" => Some("eu-west-1".into()),
            "AWS_LAMBDA_FUNCTION_NAME" => Some(long.clone()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.session_name.len(), 64);
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
