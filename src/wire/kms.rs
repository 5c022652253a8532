//! Tables encrypted with a customer-managed KMS key: DynamoDB uses the key with the caller's
//! permissions, so a role without them is refused by KMS, not by the table's policy. This module
//! recognises that refusal and says what the role needs, from
//! `terraform/modules/conventions/kms-actions.json` per access level of `access-levels.json` (the
//! same files Terraform grants from).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The level -> KMS actions file, as committed (compiled in).
pub(crate) const KMS_ACTIONS_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/terraform/modules/conventions/kms-actions.json"));

/// The access levels file, as committed: its `Read` level is what counts as a read here.
const ACCESS_LEVELS_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/terraform/modules/conventions/access-levels.json"));

/// DynamoDB's AccessDeniedException when its call to KMS on the caller's behalf was refused starts
/// with this (AWS then quotes KMS's own exception).
const DENIAL_PREFIX: &str = "KMS key access denied";

fn levels() -> &'static BTreeMap<String, Vec<String>> {
    static LEVELS: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    // The file is part of the build and checked by the unit test below: a parse error is a defect.
    LEVELS.get_or_init(|| serde_json::from_str(KMS_ACTIONS_JSON).unwrap_or_default())
}

/// The DynamoDB actions of the `Read` access level: they need the `Read` level's KMS actions; any
/// other data-plane action belongs to a writing level and needs the `ReadWriteUpdate` level's.
fn read_actions() -> &'static [String] {
    static READ: OnceLock<Vec<String>> = OnceLock::new();
    READ.get_or_init(|| {
        // Part of the build, checked by the unit test below: a parse error is a defect.
        let mut levels: BTreeMap<String, Vec<String>> = serde_json::from_str(ACCESS_LEVELS_JSON).unwrap_or_default();
        levels.remove("Read").unwrap_or_default()
    })
}

/// The KMS actions a DynamoDB `action` needs on the table's key (the level it belongs to).
pub(crate) fn needed_for(action: &str) -> &'static [String] {
    let level = if read_actions().iter().any(|a| a == action) { "Read" } else { "ReadWriteUpdate" };
    levels().get(level).map(Vec::as_slice).unwrap_or_default()
}

/// Whether an AccessDenied message of DynamoDB is KMS refusing the table's key.
pub(crate) fn is_key_denial(message: &str) -> bool {
    message.contains(DENIAL_PREFIX)
}

/// The first KMS key ARN in a message, if AWS named it (real DynamoDB usually does not).
pub(crate) fn key_arn_in(message: &str) -> Option<String> {
    message.match_indices("arn:aws").find_map(|(start, _)| {
        let arn: String = message[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-' | '_'))
            .collect();
        let is_key = arn.split(':').nth(2) == Some("kms") && arn.contains(":key/");
        is_key.then_some(arn)
    })
}

/// The KMS action a message says was refused (`... perform: kms:Decrypt on ...`), if it says.
pub(crate) fn denied_action_in(message: &str) -> Option<String> {
    let at = message.find("perform: kms:")? + "perform: ".len();
    let action: String = message[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == ':').collect();
    (action.len() > "kms:".len()).then_some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_levels_file_parses_and_reads_need_less_than_writes() {
        let file: BTreeMap<String, Vec<String>> = serde_json::from_str(KMS_ACTIONS_JSON).expect("kms-actions.json");
        assert_eq!(file.keys().collect::<Vec<_>>(), ["Full", "Read", "ReadWriteUpdate"]);
        assert_eq!(needed_for("dynamodb:Scan"), file["Read"].as_slice());
        assert_eq!(needed_for("dynamodb:PutItem"), file["ReadWriteUpdate"].as_slice());
        assert!(needed_for("dynamodb:Scan").iter().any(|a| a == "kms:Decrypt"));
        assert!(needed_for("dynamodb:UpdateItem").iter().any(|a| a == "kms:GenerateDataKey*"));
    }

    #[test]
    fn reads_are_the_read_access_level_of_access_levels_json() {
        let file: BTreeMap<String, Vec<String>> = serde_json::from_str(ACCESS_LEVELS_JSON).expect("access-levels.json");
        assert_eq!(read_actions(), file["Read"].as_slice());
        for action in
            ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable"]
        {
            assert!(read_actions().iter().any(|a| a == action), "{action} is a read");
            assert_eq!(needed_for(action), file_kms("Read"), "{action}");
        }
        // Only the writing levels grant these, so their key needs are the writing level's.
        for action in ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"] {
            assert!(!read_actions().iter().any(|a| a == action), "{action} is not in Read");
            assert_eq!(needed_for(action), file_kms("ReadWriteUpdate"), "{action}");
        }
    }

    fn file_kms(level: &str) -> Vec<String> {
        let file: BTreeMap<String, Vec<String>> = serde_json::from_str(KMS_ACTIONS_JSON).unwrap();
        file[level].clone()
    }

    #[test]
    fn a_denial_is_recognised_and_its_key_and_action_read() {
        let emulator = "KMS key access denied error: User: arn:aws:sts::111111111111:assumed-role/r/s is not \
                        authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/\
                        0a1b2c3d-aaaa-bbbb-cccc-123456789012 because no identity-based policy allows it";
        assert!(is_key_denial(emulator));
        assert_eq!(
            key_arn_in(emulator).as_deref(),
            Some("arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-aaaa-bbbb-cccc-123456789012")
        );
        assert_eq!(denied_action_in(emulator).as_deref(), Some("kms:Decrypt"));
        // Real DynamoDB quotes KMS, which names neither.
        let aws = "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: The ciphertext \
                   refers to a customer master key that does not exist, does not exist in this region, or you \
                   are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)";
        assert!(is_key_denial(aws));
        assert_eq!((key_arn_in(aws), denied_action_in(aws)), (None, None));
        assert!(!is_key_denial(
            "User: x is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:..."
        ));
        assert_eq!(key_arn_in("on resource: arn:aws:dynamodb:us-east-1:1:table/t"), None);
    }
}
