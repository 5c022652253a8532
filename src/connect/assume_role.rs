//! The STS AssumeRole credentials provider: the main account's role, with ExternalId, session name
//! and length, and the caller's SourceIdentity and session tags (`attribution`).
//!
//! Hand-written because no library provider sends a SourceIdentity: aws-config's
//! `AssumeRoleProvider` (1.13) has tags but no `source_identity`, and its STS request builder is
//! private. This provider only makes the call; it does not cache. It is used as the DynamoDB
//! client's credentials provider, so the client's lazy identity cache (aws-smithy-runtime) keeps
//! what it returns, serves every warm invocation from it and calls again shortly before the
//! expiry: one AssumeRole per credential lifetime, exactly as with `AssumeRoleProvider`.

use std::time::{Duration, SystemTime};

use aws_config::identity::IdentityCache;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, future, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::assume_role::builders::AssumeRoleFluentBuilder;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_sdk_sts::types::Tag;

use crate::connect::attribution::Attribution;

/// What the AssumeRole call asks for.
#[derive(Debug, Clone)]
pub struct AssumeRoleParams {
    pub role_arn: String,
    pub session_name: String,
    pub session_length: Duration,
    pub external_id: Option<String>,
    pub attribution: Attribution,
}

/// Assumes one role, on every call (the client's identity cache decides when to call). Cloned to
/// `TableAccess` too, so `{"op": "check"}` can ask STS directly, past the cache.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    request: AssumeRoleFluentBuilder,
}

impl AssumeRole {
    /// An STS client on `base` (the execution role's credentials, the function's retry and timeout
    /// policy) with the request built once.
    pub fn new(base: &SdkConfig, params: AssumeRoleParams) -> AssumeRole {
        // The execution role's credentials are read by their own provider; caching them here
        // would only keep them past a rotation (AssumeRoleProvider does the same).
        let sts = base.to_builder().identity_cache(IdentityCache::no_cache()).build();
        let tags: Vec<Tag> = params
            .attribution
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build().expect("key and value are set"))
            .collect();
        let request = aws_sdk_sts::Client::new(&sts)
            .assume_role()
            .role_arn(params.role_arn)
            .role_session_name(params.session_name)
            .duration_seconds(params.session_length.as_secs().min(i32::MAX as u64) as i32)
            .set_external_id(params.external_id)
            .set_source_identity(params.attribution.source_identity)
            .set_tags((!tags.is_empty()).then_some(tags));
        AssumeRole { request }
    }

    async fn credentials(&self) -> provider::Result {
        let out = match self.request.clone().send().await {
            Ok(out) => out,
            // Not fixable by retrying later: the configuration is wrong.
            Err(SdkError::ServiceError(context))
                if matches!(
                    context.err(),
                    AssumeRoleError::RegionDisabledException(_) | AssumeRoleError::MalformedPolicyDocumentException(_)
                ) =>
            {
                return Err(CredentialsError::invalid_configuration(SdkError::ServiceError(context)))
            }
            Err(e) => return Err(CredentialsError::provider_error(e)),
        };
        let Some(c) = out.credentials else {
            return Err(CredentialsError::unhandled("STS AssumeRole returned no credentials"));
        };
        let expiry = SystemTime::try_from(c.expiration)
            .map_err(|_| CredentialsError::unhandled("STS AssumeRole returned an expiration out of range"))?;
        Ok(Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), Some(expiry), "AssumeRole"))
    }
}

impl ProvideCredentials for AssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}
