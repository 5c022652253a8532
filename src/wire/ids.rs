//! The shapes of AWS identifiers the function checks before sending them: account ids, IAM role
//! ARNs and the characters of role and session names. Shape only: whether they exist is AWS's answer.

/// Twelve digits.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME
pub(crate) fn is_role_arn(s: &str) -> bool {
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

/// Characters IAM allows in role and session names: `[\w+=,.@-]`.
pub(crate) fn is_role_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}
