//! The project's naming rules, read from `terraform/modules/conventions/naming.json`: the same file
//! the Terraform modules and the tests read, so the function accepts exactly what Terraform creates.
//!
//! The file is compiled in (no file access at run time) and parsed on first use, once per process.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_lite::Regex;
use serde::Deserialize;

/// The rules file, as committed.
pub(crate) const NAMING_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/terraform/modules/conventions/naming.json"));

#[derive(Debug)]
pub(crate) struct Naming {
    /// `{environment}-ddb_cross_acc_access_role-{consumer_account_id}`
    pub cross_account_role_name: String,
    pub environment_pattern: String,
    pub environment_max_length: usize,
    /// Default session tags by key; values are templates (`{function_name}`, `{environment}`,
    /// `{consumer_account_id}`).
    pub session_tags: BTreeMap<String, String>,
    environment: Regex,
}

#[derive(Deserialize)]
struct File {
    cross_account_role_name: String,
    environment_pattern: String,
    environment_max_length: usize,
    session_tags: BTreeMap<String, String>,
}

impl Naming {
    /// The compiled-in rules. They are part of the build, so a malformed file is a build defect that
    /// the unit tests catch; it cannot come from a deployment.
    pub(crate) fn get() -> &'static Naming {
        static NAMING: OnceLock<Naming> = OnceLock::new();
        NAMING.get_or_init(|| Naming::parse(NAMING_JSON).expect("naming.json is valid (checked by the unit tests)"))
    }

    fn parse(text: &str) -> Result<Naming, String> {
        let file: File = serde_json::from_str(text).map_err(|e| format!("naming.json: {e}"))?;
        let environment =
            Regex::new(&file.environment_pattern).map_err(|e| format!("naming.json: environment_pattern: {e}"))?;
        Ok(Naming {
            cross_account_role_name: file.cross_account_role_name,
            environment_pattern: file.environment_pattern,
            environment_max_length: file.environment_max_length,
            session_tags: file.session_tags,
            environment,
        })
    }

    pub(crate) fn is_environment(&self, environment: &str) -> bool {
        environment.len() <= self.environment_max_length && self.environment.is_match(environment)
    }

    /// The main account's role a consumer account assumes.
    pub(crate) fn cross_account_role(&self, environment: &str, consumer_account_id: &str) -> String {
        self.cross_account_role_name
            .replace("{environment}", environment)
            .replace("{consumer_account_id}", consumer_account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_rules_parse() {
        let n = Naming::get();
        assert!(n.cross_account_role_name.contains("{environment}"), "{}", n.cross_account_role_name);
        assert!(n.cross_account_role_name.contains("{consumer_account_id}"), "{}", n.cross_account_role_name);
        // IAM caps role names at 64: the longest environment with a 12-digit account must fit.
        let longest = "a".repeat(n.environment_max_length);
        assert!(n.is_environment(&longest));
        assert!(n.cross_account_role(&longest, "222222222222").len() <= 64);
    }

    #[test]
    fn environments_follow_the_pattern_and_length() {
        let n = Naming::get();
        for ok in ["dev", "prod", "a", "stage-2", &"e".repeat(25)] {
            assert!(n.is_environment(ok), "{ok}");
        }
        for bad in ["", "Dev", "2dev", "-dev", "dev_1", "dev.x", "dev@x", &"e".repeat(26), &"e".repeat(28)] {
            assert!(!n.is_environment(bad), "{bad}");
        }
    }

    #[test]
    fn a_broken_rules_file_is_reported() {
        assert!(Naming::parse("{}").is_err());
        let bad_pattern = r#"{"cross_account_role_name": "x", "environment_pattern": "(", "environment_max_length": 1, "session_tags": {}}"#;
        assert!(Naming::parse(bad_pattern).unwrap_err().contains("environment_pattern"));
    }
}
