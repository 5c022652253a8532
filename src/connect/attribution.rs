//! Who the main account sees reading its data: the SourceIdentity and session tags the function's
//! AssumeRole carries (SOURCE_IDENTITY, SESSION_TAGS). CloudTrail records the source identity on
//! every call the session makes, and the tags on the AssumeRole event and as principal tags.
//!
//! The main account's trust policy must allow `sts:SetSourceIdentity` / `sts:TagSession` for the
//! exact values sent (Terraform pins them), so both are plain values decided once at start.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::connect::naming::Naming;
use crate::wire::ids::is_role_name_byte;

/// STS allows at most 50 session tags.
pub(crate) const MAX_TAGS: usize = 50;
/// Turns SOURCE_IDENTITY or SESSION_TAGS off.
pub(crate) const OFF: &str = "off";

/// What the AssumeRole tells the main account about the caller (the trust policy must allow it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attribution {
    /// `sts:SourceIdentity`: kept by the session and by every role chained from it.
    pub source_identity: Option<String>,
    /// Session tags, in key order.
    pub tags: Vec<(String, String)>,
}

/// What the defaults are filled in from (the function's own environment).
#[derive(Debug, Default)]
pub(crate) struct Known<'a> {
    pub function_name: Option<&'a str>,
    pub environment: Option<&'a str>,
    pub consumer_account_id: Option<&'a str>,
}

/// SourceIdentity: 2-64 characters of `[\w+=,.@-]` (STS's rule; the `aws:` prefix is reserved).
pub(crate) fn source_identity(value: Option<&str>, known: &Known) -> Result<Option<String>, String> {
    match value {
        Some(OFF) => Ok(None),
        Some(v) if is_source_identity(v) => Ok(Some(v.to_string())),
        Some(v) => {
            Err(format!("expected `off` or 2-64 characters of [A-Za-z0-9+=,.@_-] not starting with aws:, got `{v}`"))
        }
        // A Lambda function name is always a valid source identity.
        None => Ok(known.function_name.filter(|n| is_source_identity(n)).map(str::to_string)),
    }
}

pub(crate) fn is_source_identity(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.bytes().all(is_role_name_byte)
        && !s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// SESSION_TAGS: `off`, `key=value,key=value`, or a JSON object of strings. Unset: naming.json's
/// `session_tags` filled in, leaving out a tag whose value is not known (e.g. no ENVIRONMENT).
pub(crate) fn session_tags(value: Option<&str>, known: &Known) -> Result<Vec<(String, String)>, String> {
    let pairs: Vec<(String, String)> = match value {
        Some(OFF) => return Ok(Vec::new()),
        None => return Ok(default_tags(known)),
        Some(v) if v.starts_with('{') => {
            let map: BTreeMap<String, Value> =
                serde_json::from_str(v).map_err(|e| format!("expected a JSON object of strings: {e}"))?;
            map.into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    other => Err(format!("tag `{k}`: expected a string value, got {other}")),
                })
                .collect::<Result<_, _>>()?
        }
        Some(v) => v
            .split(',')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => Ok((k.trim().to_string(), v.trim().to_string())),
                None => Err(format!("expected key=value pairs separated by commas, got `{pair}`")),
            })
            .collect::<Result<_, _>>()?,
    };
    check_tags(pairs)
}

fn default_tags(known: &Known) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = Naming::get()
        .session_tags
        .iter()
        .filter_map(|(key, template)| {
            let mut value = template.clone();
            for (placeholder, known) in [
                ("{function_name}", known.function_name),
                ("{environment}", known.environment),
                ("{consumer_account_id}", known.consumer_account_id),
            ] {
                if value.contains(placeholder) {
                    value = value.replace(placeholder, known?);
                }
            }
            Some((key.clone(), value))
        })
        .collect();
    tags.sort();
    tags
}

/// STS's tag rules: keys 1-128 and values 0-256 characters of letters, digits, spaces and
/// `_.:/=+-@`; keys unique ignoring case (STS compares them so); at most 50.
pub(crate) fn check_tags(mut tags: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    let allowed = |s: &str| s.chars().all(|c| c.is_alphanumeric() || " _.:/=+-@".contains(c));
    if tags.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags, got {}", tags.len()));
    }
    for (k, v) in &tags {
        if k.is_empty() || k.chars().count() > 128 || !allowed(k) || k.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!("tag key `{k}`: expected 1-128 characters of letters, digits, spaces and _.:/=+-@, not starting with aws:"));
        }
        if v.chars().count() > 256 || !allowed(v) {
            return Err(format!(
                "tag `{k}`: the value must be at most 256 characters of letters, digits, spaces and _.:/=+-@"
            ));
        }
    }
    tags.sort();
    if let Some(w) = tags.windows(2).find(|w| w[0].0.eq_ignore_ascii_case(&w[1].0)) {
        return Err(format!("tag key `{}` appears twice (keys are compared ignoring case)", w[1].0));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: Known = Known {
        function_name: Some("dev-ddb-cross-account-reader"),
        environment: Some("dev"),
        consumer_account_id: Some("222222222222"),
    };

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_source_identity_defaults_to_the_function_name_and_can_be_turned_off() {
        assert_eq!(source_identity(None, &KNOWN).unwrap().as_deref(), Some("dev-ddb-cross-account-reader"));
        assert_eq!(source_identity(None, &Known::default()).unwrap(), None, "no function name, none");
        assert_eq!(source_identity(Some("off"), &KNOWN).unwrap(), None);
        assert_eq!(source_identity(Some("reporting@team"), &KNOWN).unwrap().as_deref(), Some("reporting@team"));
        for bad in ["a", "has space", "aws:me", "AWS:me", &"x".repeat(65), "a/b"] {
            let e = source_identity(Some(bad), &KNOWN).expect_err(bad);
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn default_tags_are_the_naming_rules_templates_with_what_is_known() {
        let file: Value = serde_json::from_str(crate::connect::naming::NAMING_JSON).unwrap();
        let templates = file["session_tags"].as_object().expect("naming.json has session_tags");
        let tags = session_tags(None, &KNOWN).unwrap();
        assert_eq!(tags.len(), templates.len(), "{tags:?}");
        for (k, v) in &tags {
            let expected = templates[k]
                .as_str()
                .unwrap()
                .replace("{function_name}", KNOWN.function_name.unwrap())
                .replace("{environment}", "dev")
                .replace("{consumer_account_id}", "222222222222");
            assert_eq!(v, &expected, "{k}");
        }
        let partial = Known { environment: Some("dev"), ..Known::default() };
        let tags = session_tags(None, &partial).unwrap();
        assert!(!tags.is_empty() && tags.len() < templates.len(), "tags of unknown values are left out: {tags:?}");
        assert!(tags.iter().all(|(_, v)| !v.contains('{')), "{tags:?}");
    }

    #[test]
    fn tags_are_given_as_pairs_or_json_and_checked() {
        assert_eq!(session_tags(Some("off"), &KNOWN).unwrap(), vec![]);
        assert_eq!(
            session_tags(Some("team=data, app = reader"), &KNOWN).unwrap(),
            pairs(&[("app", "reader"), ("team", "data")])
        );
        assert_eq!(
            session_tags(Some(r#"{"team":"data","cost-center":"42"}"#), &KNOWN).unwrap(),
            pairs(&[("cost-center", "42"), ("team", "data")])
        );
        assert_eq!(session_tags(Some("empty="), &KNOWN).unwrap(), pairs(&[("empty", "")]));
        let many = (0..51).map(|i| format!("k{i}=v")).collect::<Vec<_>>().join(",");
        for (bad, says) in [
            ("team", "key=value"),
            ("=v", "tag key ``"),
            ("aws:x=1", "aws:"),
            ("a=b,A=c", "appears twice"),
            ("t=a;b", "value"),
            (r#"{"n": 1}"#, "expected a string"),
            ("{not json", "JSON object"),
            (many.as_str(), "at most 50"),
        ] {
            let e = session_tags(Some(bad), &KNOWN).expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
