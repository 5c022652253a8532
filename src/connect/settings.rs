//! How to reach the main account's tables: the access mode (the role to assume, or the main account
//! of the tables' resource policies), the AssumeRole's ExternalId, session name and length, what
//! it tells the main account about the caller (`attribution`), and the home region. Read from the
//! same environment variables as the reader Lambda, or set in code (`CrossAccount::builder`).

use std::time::Duration;

use crate::connect::access_mode::AccessMode;
use crate::connect::attribution::{self, Attribution};
use crate::connect::env::{err, ConfigError, Env};
use crate::connect::naming::Naming;
use crate::connect::role::RoleSource;
use crate::wire::ids::{is_account_id, is_role_arn, is_role_name_byte};
use crate::wire::table_ref::is_region_name;

const DEFAULT_SESSION_NAME: &str = "ddb-cross-account-reader";

/// Everything a `CrossAccount` is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// ACCESS_MODE: the role to assume, or the main account of the tables' resource policies.
    pub access: AccessMode,
    /// EXTERNAL_ID: the `sts:ExternalId` the role's trust policy asks for.
    pub external_id: Option<String>,
    /// ROLE_SESSION_NAME (default: the function's name, made valid).
    pub session_name: String,
    /// SESSION_DURATION_SECONDS (default 1 h): how long one set of credentials lasts.
    pub session_duration: Duration,
    /// SOURCE_IDENTITY / SESSION_TAGS: what the AssumeRole tells the main account about the caller.
    pub attribution: Attribution,
    /// TABLE_REGION (default AWS_REGION): the region of the client built at start.
    pub region: String,
}

impl Settings {
    /// Reads the settings from the process environment (the variables are listed in docs/configuration.md).
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the settings through `get`, a variable name to its value (a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        Settings::read(&Env(get))
    }

    /// In this order, so that of several bad variables the same one is always reported (the reader
    /// Lambda's configuration reads these first).
    pub(crate) fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Settings, ConfigError> {
        let access = access_mode(env)?;
        let external_id = external_id(env)?;
        let session_name = session_name(env)?;
        let session_duration =
            Duration::from_secs(env.integer("SESSION_DURATION_SECONDS", 900..=43200, " (seconds)", 3600)?);
        let attribution = attribution_of(env, &access)?;
        let region = table_region(env)?;
        Ok(Settings { access, external_id, session_name, session_duration, attribution, region })
    }
}

/// ACCESS_MODE (assume_role when unset): resource_policy needs MAIN_ACCOUNT_ID and no role.
fn access_mode<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<AccessMode, ConfigError> {
    match env.var("ACCESS_MODE").as_deref() {
        None | Some("assume_role") => Ok(AccessMode::AssumeRole(role(env)?)),
        Some("resource_policy") => {
            let main_account_id = env.var("MAIN_ACCOUNT_ID").ok_or_else(|| {
                err(
                    "MAIN_ACCOUNT_ID",
                    "not set: ACCESS_MODE=resource_policy addresses the tables by ARN in this account",
                )
            })?;
            Ok(AccessMode::ResourcePolicy { main_account_id: account_id("MAIN_ACCOUNT_ID", main_account_id)? })
        }
        Some(other) => Err(err("ACCESS_MODE", format!("expected assume_role or resource_policy, got `{other}`"))),
    }
}

/// ROLE_ARN, or MAIN_ACCOUNT_ID + ENVIRONMENT (+ CONSUMER_ACCOUNT_ID) for the naming rules.
fn role<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<RoleSource, ConfigError> {
    if let Some(arn) = env.var("ROLE_ARN") {
        return role_arn("ROLE_ARN", arn).map(RoleSource::Arn);
    }
    let main_account_id = env
        .var("MAIN_ACCOUNT_ID")
        .ok_or_else(|| err("ROLE_ARN", "not set: set ROLE_ARN, or MAIN_ACCOUNT_ID and ENVIRONMENT to derive it"))?;
    let main_account_id = account_id("MAIN_ACCOUNT_ID", main_account_id)?;
    let environment = environment(env)?;
    let consumer_account_id =
        env.var("CONSUMER_ACCOUNT_ID").map(|c| account_id("CONSUMER_ACCOUNT_ID", c)).transpose()?;
    Ok(RoleSource::Convention { main_account_id, environment, consumer_account_id })
}

pub(crate) fn role_arn(variable: &'static str, arn: String) -> Result<String, ConfigError> {
    if is_role_arn(&arn) {
        Ok(arn)
    } else {
        Err(err(variable, format!("expected an IAM role ARN like arn:aws:iam::111111111111:role/NAME, got `{arn}`")))
    }
}

pub(crate) fn account_id(variable: &'static str, value: String) -> Result<String, ConfigError> {
    if is_account_id(&value) {
        Ok(value)
    } else {
        Err(err(variable, format!("expected 12 digits, got `{value}`")))
    }
}

/// ENVIRONMENT, by the naming rules Terraform validates it with.
fn environment<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<String, ConfigError> {
    let environment = env
        .var("ENVIRONMENT")
        .ok_or_else(|| err("ENVIRONMENT", "not set: needed with MAIN_ACCOUNT_ID to derive the role name (e.g. dev)"))?;
    let naming = Naming::get();
    if !naming.is_environment(&environment) {
        return Err(err(
            "ENVIRONMENT",
            format!(
                "expected at most {} characters matching {} (lower-case letter first, then lower-case letters, digits, -), got `{environment}`",
                naming.environment_max_length, naming.environment_pattern
            ),
        ));
    }
    Ok(environment)
}

fn external_id<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Option<String>, ConfigError> {
    env.var("EXTERNAL_ID").map(|id| external_id_value("EXTERNAL_ID", id)).transpose()
}

pub(crate) fn external_id_value(variable: &'static str, id: String) -> Result<String, ConfigError> {
    let ok =
        (2..=1224).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b));
    if !ok {
        return Err(err(variable, "expected 2-1224 characters of [A-Za-z0-9+=,.@:/_-]"));
    }
    Ok(id)
}

/// ROLE_SESSION_NAME, or the function's name made into a valid session name.
fn session_name<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<String, ConfigError> {
    match env.var("ROLE_SESSION_NAME") {
        Some(n) => session_name_value("ROLE_SESSION_NAME", n),
        None => Ok(session_name_from((env.0)("AWS_LAMBDA_FUNCTION_NAME").as_deref())),
    }
}

pub(crate) fn session_name_value(variable: &'static str, n: String) -> Result<String, ConfigError> {
    if (2..=64).contains(&n.len()) && n.bytes().all(is_role_name_byte) {
        Ok(n)
    } else {
        Err(err(variable, format!("expected 2-64 characters of [A-Za-z0-9+=,.@_-], got `{n}`")))
    }
}

/// SOURCE_IDENTITY and SESSION_TAGS, their defaults filled in from the function's name, ENVIRONMENT
/// and CONSUMER_ACCOUNT_ID. Nothing to send in resource_policy mode (no AssumeRole).
fn attribution_of<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    access: &AccessMode,
) -> Result<Attribution, ConfigError> {
    if access.role().is_none() {
        return Ok(Attribution::default());
    }
    let (function_name, environment, consumer) =
        (env.var("AWS_LAMBDA_FUNCTION_NAME"), env.var("ENVIRONMENT"), env.var("CONSUMER_ACCOUNT_ID"));
    let known = attribution::Known {
        function_name: function_name.as_deref(),
        environment: environment.as_deref(),
        consumer_account_id: consumer.as_deref(),
    };
    Ok(Attribution {
        source_identity: attribution::source_identity(env.var("SOURCE_IDENTITY").as_deref(), &known)
            .map_err(|m| err("SOURCE_IDENTITY", m))?,
        tags: attribution::session_tags(env.var("SESSION_TAGS").as_deref(), &known)
            .map_err(|m| err("SESSION_TAGS", m))?,
    })
}

/// RoleSessionName allows `[\w+=,.@-]`, 2..=64 characters.
pub(crate) fn session_name_from(function_name: Option<&str>) -> String {
    let name: String = function_name
        .unwrap_or(DEFAULT_SESSION_NAME)
        .chars()
        .map(|c| if c.is_ascii() && is_role_name_byte(c as u8) { c } else { '-' })
        .take(64)
        .collect();
    if name.len() < 2 {
        return DEFAULT_SESSION_NAME.into();
    }
    name
}

fn table_region<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<String, ConfigError> {
    match env.var("TABLE_REGION").or_else(|| env.var("AWS_REGION")).or_else(|| env.var("AWS_DEFAULT_REGION")) {
        Some(r) => region_value("TABLE_REGION", r),
        None => Err(err("TABLE_REGION", "not set, and AWS_REGION is not set either")),
    }
}

pub(crate) fn region_value(variable: &'static str, r: String) -> Result<String, ConfigError> {
    if is_region_name(&r) {
        Ok(r)
    } else {
        Err(err(variable, format!("expected a region name like us-east-1, got `{r}`")))
    }
}
