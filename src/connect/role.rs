//! The main-account role the function assumes: given as ROLE_ARN, or derived from the naming rules.

use crate::connect::naming::Naming;

/// The role to assume.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleSource {
    /// ROLE_ARN given.
    Arn(String),
    /// Derived from the naming rules (`naming.json`); the consumer account is looked up with STS
    /// GetCallerIdentity when CONSUMER_ACCOUNT_ID is absent.
    Convention {
        /// MAIN_ACCOUNT_ID: the account the role is in.
        main_account_id: String,
        /// ENVIRONMENT, e.g. `dev`.
        environment: String,
        /// CONSUMER_ACCOUNT_ID; `None`: the caller's own account.
        consumer_account_id: Option<String>,
    },
}

impl RoleSource {
    /// The given ARN, or `arn:aws:iam::{main}:role/` + the naming rules' cross-account role name;
    /// `None` while the consumer account is still unknown.
    pub fn arn(&self, caller_account: Option<&str>) -> Option<String> {
        match self {
            RoleSource::Arn(arn) => Some(arn.clone()),
            RoleSource::Convention { main_account_id, environment, consumer_account_id } => {
                let consumer = consumer_account_id.as_deref().or(caller_account)?;
                let name = Naming::get().cross_account_role(environment, consumer);
                Some(format!("arn:aws:iam::{main_account_id}:role/{name}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ids::is_role_arn;

    /// The derived ARN is naming.json's template filled in, read here from the file itself, the way
    /// Terraform reads it.
    #[test]
    fn the_derived_arn_is_the_naming_rules_template_filled_in() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/terraform/modules/conventions/naming.json");
        let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let template = file["cross_account_role_name"].as_str().unwrap();
        let expected = format!(
            "arn:aws:iam::111111111111:role/{}",
            template.replace("{environment}", "stage").replace("{consumer_account_id}", "222222222222")
        );
        let role = RoleSource::Convention {
            main_account_id: "111111111111".into(),
            environment: "stage".into(),
            consumer_account_id: Some("222222222222".into()),
        };
        assert_eq!(role.arn(None).unwrap(), expected);
        assert!(is_role_arn(&expected), "{expected}");
    }
}
