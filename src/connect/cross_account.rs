//! The connection to the main account: the role, assumed with `assume_role::AssumeRole` (AssumeRole
//! with the SourceIdentity and session tags of `attribution`), signing the DynamoDB clients of
//! every region (`clients`).
//!
//! The provider does not cache; the clients' one lazy identity cache does (refreshed shortly before
//! expiry), so every warm invocation, in any region, shares one STS AssumeRole per credential
//! lifetime. That is why a `CrossAccount` is built once per process and lent to the invocations.

use std::fmt;
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::Client;
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::connect::assume_role::{AssumeRole, AssumeRoleParams};
use crate::connect::call_policy::base_config;
use crate::connect::clients::Clients;
use crate::connect::env::ConfigError;
use crate::connect::role::RoleSource;
use crate::connect::settings::Settings;
use crate::wire::error::{AppError, EXECUTION_ROLE};

/// STS caps a session assumed by a role (role chaining, as from a Lambda execution role) at 1 h.
const ROLE_CHAINING_MAX: Duration = Duration::from_secs(3600);

/// Why the DynamoDB access to the main account could not be set up.
#[derive(Debug)]
pub enum ConnectError {
    /// A setting cannot work (read from the environment, or given to the builder).
    Config(ConfigError),
    /// CONSUMER_ACCOUNT_ID is not set and STS GetCallerIdentity failed.
    CallerIdentity(Box<SdkError<GetCallerIdentityError>>),
    /// GetCallerIdentity answered without an account id.
    NoAccount,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Config(e) => e.fmt(f),
            ConnectError::CallerIdentity(e) => write!(
                f,
                "CONSUMER_ACCOUNT_ID is not set and STS GetCallerIdentity failed, so the role ARN cannot be derived: {}",
                DisplayErrorContext(e)
            ),
            ConnectError::NoAccount => f.write_str("GetCallerIdentity returned no account"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Config(e) => Some(e),
            ConnectError::CallerIdentity(e) => Some(e.as_ref()),
            ConnectError::NoAccount => None,
        }
    }
}

impl From<ConfigError> for ConnectError {
    fn from(e: ConfigError) -> ConnectError {
        ConnectError::Config(e)
    }
}

/// DynamoDB clients of the main account, one per region, all signed with the same cross-account
/// credentials: one AssumeRole (with ExternalId, SourceIdentity and session tags) per credential
/// lifetime, shared by every region's client through one identity cache.
///
/// Build it once per process (in `main`, before the runtime loop) and share it: building makes
/// no call to AWS except, with the naming rules and no CONSUMER_ACCOUNT_ID, one GetCallerIdentity;
/// the role is assumed on the first DynamoDB call.
///
/// ```no_run
/// use ddb_cross_account_reader::CrossAccount;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// // ROLE_ARN (or MAIN_ACCOUNT_ID + ENVIRONMENT), EXTERNAL_ID, TABLE_REGION, ... as the reader reads them.
/// let main = CrossAccount::from_env().await?;
/// let orders = main.home_client().scan().table_name("orders").send().await?;
/// println!("{} orders", orders.count());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct CrossAccount {
    clients: Clients,
    role_arn: String,
    assume_role: Option<AssumeRole>,
}

impl fmt::Debug for CrossAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrossAccount")
            .field("role_arn", &self.role_arn)
            .field("home_region", &self.clients.home_region())
            .finish_non_exhaustive()
    }
}

impl CrossAccount {
    /// Reads `Settings::from_env` and connects.
    pub async fn from_env() -> Result<CrossAccount, ConnectError> {
        CrossAccount::connect(&Settings::from_env()?).await
    }

    /// Connects with `settings`, on the execution role's credentials from the environment and the
    /// function's retry and timeout policy.
    pub async fn connect(settings: &Settings) -> Result<CrossAccount, ConnectError> {
        CrossAccount::connect_with(settings, &base_config().await).await
    }

    /// `connect` on a given base configuration: its credentials sign the AssumeRole (or, in
    /// resource_policy mode, every call); tests inject HTTP clients and time sources here.
    pub async fn connect_with(settings: &Settings, base: &SdkConfig) -> Result<CrossAccount, ConnectError> {
        // assume_role: our AssumeRole provider signs; resource_policy: the default provider chain
        // (the execution role) of `base` signs, and no STS client is made.
        let (role_arn, assume_role) = match settings.access.role() {
            None => (EXECUTION_ROLE.to_string(), None),
            Some(role) => {
                let role_arn = role_arn(role, base).await?;
                if settings.session_duration > ROLE_CHAINING_MAX {
                    tracing::warn!(
                        seconds = settings.session_duration.as_secs(),
                        "SESSION_DURATION_SECONDS is above 3600: STS rejects it when the caller is itself a role (role chaining, as in Lambda)"
                    );
                }
                let provider = AssumeRole::new(
                    base,
                    AssumeRoleParams {
                        role_arn: role_arn.clone(),
                        session_name: settings.session_name.clone(),
                        session_length: settings.session_duration,
                        external_id: settings.external_id.clone(),
                        attribution: settings.attribution.clone(),
                    },
                );
                (role_arn, Some(provider))
            }
        };
        // One template for every region's client: one identity cache, and the provider set once (one
        // cache partition); see `clients`. No provider (resource_policy) keeps `base`'s default chain.
        let mut template = aws_sdk_dynamodb::config::Builder::from(base).identity_cache(IdentityCache::lazy().build());
        template.set_credentials_provider(assume_role.clone().map(SharedCredentialsProvider::new));
        Ok(CrossAccount::from_parts(Clients::new(template, &settings.region), role_arn, assume_role))
    }

    /// The client of `region`, built on first use (a region no call names costs nothing). Every
    /// region's client shares the credentials. Fails for a region more than the process keeps
    /// clients for (see `MAX_OTHER_REGIONS`): requests that name made-up regions cannot grow the map.
    pub fn client(&self, region: &str) -> Result<Client, AppError> {
        self.clients.get(region)
    }

    /// The client of the home region (the settings' `region`), built at start.
    pub fn home_client(&self) -> &Client {
        self.clients.home()
    }

    /// The home region.
    pub fn home_region(&self) -> &str {
        self.clients.home_region()
    }

    /// The main account's role every call is made as; in resource_policy mode, a description of the
    /// execution role (its ARN is not known without an STS call).
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// A connection from its parts (tests build one on a mock client).
    pub(crate) fn from_parts(clients: Clients, role_arn: String, assume_role: Option<AssumeRole>) -> CrossAccount {
        CrossAccount { clients, role_arn, assume_role }
    }

    /// The provider that signs the clients' calls in assume_role mode, for the check's direct STS
    /// call (it does not cache).
    pub(crate) fn assume_role(&self) -> Option<&AssumeRole> {
        self.assume_role.as_ref()
    }
}

/// The configured role's ARN; with the naming rules and no CONSUMER_ACCOUNT_ID, the caller's own
/// account (GetCallerIdentity, signed with the execution role) is the consumer.
async fn role_arn(role: &RoleSource, base: &SdkConfig) -> Result<String, ConnectError> {
    if let Some(arn) = role.arn(None) {
        return Ok(arn);
    }
    let identity = aws_sdk_sts::Client::new(base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ConnectError::CallerIdentity(Box::new(e)))?;
    role.arn(identity.account()).ok_or(ConnectError::NoAccount)
}
