//! `CrossAccount::builder()`: the connection's settings given in code, checked by the same rules as
//! the environment variables they stand for (an error names the builder method).

use std::time::Duration;

use crate::connect::access_mode::AccessMode;
use crate::connect::attribution::{check_tags, is_source_identity, Attribution};
use crate::connect::cross_account::{ConnectError, CrossAccount};
use crate::connect::env::{err, ConfigError};
use crate::connect::role::RoleSource;
use crate::connect::settings::{
    account_id, external_id_value, region_value, role_arn, session_name_from, session_name_value, Settings,
};

/// Builds the `Settings` of a `CrossAccount` in code. Nothing is sent to AWS until `connect`.
///
/// ```no_run
/// use std::time::Duration;
/// use ddb_cross_account_reader::CrossAccount;
///
/// # async fn demo() -> Result<(), ddb_cross_account_reader::ConnectError> {
/// let main = CrossAccount::builder()
///     .role_arn("arn:aws:iam::111111111111:role/dev-ddb_cross_acc_access_role-222222222222")
///     .external_id("my-external-id")
///     .region("eu-west-1")
///     .session_duration(Duration::from_secs(900))
///     .source_identity("orders-service")
///     .session_tag("team", "orders")
///     .connect()
///     .await?;
/// let west = main.client("us-west-2").expect("a valid region");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    role_arn: Option<String>,
    main_account_id: Option<String>,
    external_id: Option<String>,
    session_name: Option<String>,
    session_duration: Option<Duration>,
    source_identity: Option<String>,
    tags: Vec<(String, String)>,
    region: Option<String>,
}

impl Builder {
    /// The main account's role to assume (required unless `resource_policy`).
    pub fn role_arn(mut self, arn: impl Into<String>) -> Builder {
        self.role_arn = Some(arn.into());
        self
    }

    /// No AssumeRole: the execution role's own credentials sign, and tables are addressed by ARN in
    /// `main_account_id` (the tables' resource-based policies must grant the execution role).
    pub fn resource_policy(mut self, main_account_id: impl Into<String>) -> Builder {
        self.main_account_id = Some(main_account_id.into());
        self
    }

    /// The `sts:ExternalId` the role's trust policy requires.
    pub fn external_id(mut self, id: impl Into<String>) -> Builder {
        self.external_id = Some(id.into());
        self
    }

    /// The role session name (default: the Lambda function's name, made valid).
    pub fn session_name(mut self, name: impl Into<String>) -> Builder {
        self.session_name = Some(name.into());
        self
    }

    /// How long one set of credentials lasts: 900 s to 12 h (default 1 h; STS allows at most 1 h
    /// when the caller is itself a role, as a Lambda function is).
    pub fn session_duration(mut self, duration: Duration) -> Builder {
        self.session_duration = Some(duration);
        self
    }

    /// The SourceIdentity the main account sees on every call of the session (default: none).
    pub fn source_identity(mut self, identity: impl Into<String>) -> Builder {
        self.source_identity = Some(identity.into());
        self
    }

    /// One session tag of the AssumeRole (default: none); the trust policy must allow it.
    pub fn session_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Builder {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The home region, whose client is built at once (default: AWS_REGION).
    pub fn region(mut self, region: impl Into<String>) -> Builder {
        self.region = Some(region.into());
        self
    }

    /// The checked settings; an error names the builder method whose value cannot work.
    pub fn settings(self) -> Result<Settings, ConfigError> {
        let access = match (self.role_arn, self.main_account_id) {
            (Some(_), Some(_)) => {
                return Err(err("resource_policy", "a role_arn is set too: give one of them (no role is assumed)"))
            }
            (Some(arn), None) => AccessMode::AssumeRole(RoleSource::Arn(role_arn("role_arn", arn)?)),
            (None, Some(account)) => {
                AccessMode::ResourcePolicy { main_account_id: account_id("resource_policy", account)? }
            }
            (None, None) => return Err(err("role_arn", "not set: set role_arn, or resource_policy")),
        };
        let external_id = self.external_id.map(|id| external_id_value("external_id", id)).transpose()?;
        let session_name = match self.session_name {
            Some(name) => session_name_value("session_name", name)?,
            None => session_name_from(std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok().as_deref()),
        };
        let session_duration = self.session_duration.unwrap_or(Duration::from_secs(3600));
        if !(900..=43200).contains(&session_duration.as_secs()) {
            return Err(err(
                "session_duration",
                format!("expected 900 to 43200 seconds, got {}", session_duration.as_secs()),
            ));
        }
        if let Some(identity) = self.source_identity.as_deref().filter(|i| !is_source_identity(i)) {
            return Err(err(
                "source_identity",
                format!("expected 2-64 characters of [A-Za-z0-9+=,.@_-] not starting with aws:, got `{identity}`"),
            ));
        }
        let tags = check_tags(self.tags).map_err(|m| err("session_tag", m))?;
        let region = match self.region.or_else(|| std::env::var("AWS_REGION").ok()) {
            Some(region) => region_value("region", region)?,
            None => return Err(err("region", "not set, and AWS_REGION is not set either")),
        };
        let attribution = Attribution { source_identity: self.source_identity, tags };
        Ok(Settings { access, external_id, session_name, session_duration, attribution, region })
    }

    /// Checks the settings and connects (see `CrossAccount::connect`).
    pub async fn connect(self) -> Result<CrossAccount, ConnectError> {
        CrossAccount::connect(&self.settings()?).await
    }
}

impl CrossAccount {
    /// Settings given in code instead of the environment.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::111111111111:role/r";

    #[test]
    fn the_builder_checks_each_setting_by_the_environment_variables_rules() {
        let settings = CrossAccount::builder()
            .role_arn(ROLE)
            .external_id("ext-1")
            .session_name("s1")
            .source_identity("svc")
            .session_tag("b", "2")
            .session_tag("a", "1")
            .region("eu-west-1")
            .settings()
            .unwrap();
        assert_eq!(settings.access.role().and_then(|r| r.arn(None)).as_deref(), Some(ROLE));
        assert_eq!(settings.external_id.as_deref(), Some("ext-1"));
        assert_eq!(settings.session_duration, Duration::from_secs(3600));
        assert_eq!(settings.attribution.tags, vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(settings.region, "eu-west-1");

        let named = |b: Builder| b.settings().unwrap_err().variable;
        let ok = || CrossAccount::builder().role_arn(ROLE).region("eu-west-1");
        assert_eq!(named(CrossAccount::builder().region("eu-west-1")), "role_arn");
        assert_eq!(named(ok().role_arn("arn:aws:iam::1:role/x")), "role_arn");
        assert_eq!(named(ok().resource_policy("111111111111")), "resource_policy");
        assert_eq!(named(ok().external_id("!")), "external_id");
        assert_eq!(named(ok().session_name("a b")), "session_name");
        assert_eq!(named(ok().session_duration(Duration::from_secs(60))), "session_duration");
        assert_eq!(named(ok().source_identity("aws:me")), "source_identity");
        assert_eq!(named(ok().session_tag("k", "1").session_tag("K", "2")), "session_tag");
        assert_eq!(named(ok().region("west")), "region");
        let direct = CrossAccount::builder().resource_policy("111111111111").region("eu-west-1").settings().unwrap();
        assert_eq!(direct.access.table_account(), Some("111111111111"));
    }
}
