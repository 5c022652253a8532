//! How a request (or DEFAULT_TABLE) names a table: a plain name, or a table ARN in any region of
//! the main account; and which region a request reads (its `region`, its table's ARN, or
//! TABLE_REGION).

use crate::wire::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TableRef {
    Name(String),
    Arn { region: String, account: String, name: String },
}

fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// A region name: lowercase letter groups and a number, `us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `eusc-de-east-1`. Hand-written: the SDK has no region list to check against
/// (new regions must work without an upgrade), only the shape.
pub(crate) fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    s.len() <= 32
        && parts.len() >= 3
        && parts[0].len() >= 2
        && parts[..parts.len() - 1].iter().all(letters)
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The region a request reads: its `region`, else the region of its table's ARN, else
/// `default_region` (TABLE_REGION). A `region` and an ARN in another region contradict each other.
pub(crate) fn request_region(
    region: Option<&str>,
    table: Option<&str>,
    default_region: &str,
) -> Result<String, AppError> {
    if let Some(r) = region {
        if !is_region_name(r) {
            return Err(AppError::invalid("region", format!("expected a region name like us-west-2, got `{r}`")));
        }
    }
    let arn_region = match table.map(parse_table).transpose()? {
        Some(TableRef::Arn { region, .. }) => Some(region),
        _ => None,
    };
    match (region, arn_region) {
        (Some(r), Some(a)) if r != a => Err(AppError::invalid(
            "region",
            format!("is {r} but the table ARN (field `table`) is in region {a}; give one of them, or make them agree"),
        )),
        (Some(r), _) => Ok(r.to_string()),
        (None, Some(a)) => Ok(a),
        (None, None) => Ok(default_region.to_string()),
    }
}

/// A table name, or `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`.
pub(crate) fn parse_table(s: &str) -> Result<TableRef, AppError> {
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_partition, "dynamodb", region, account, resource] = parts[..] {
            if let Some(name) = resource.strip_prefix("table/") {
                if is_table_name(name) && is_region_name(region) && crate::wire::ids::is_account_id(account) {
                    return Ok(TableRef::Arn { region: region.into(), account: account.into(), name: name.into() });
                }
            }
        }
        return Err(AppError::invalid(
            "table",
            format!("expected a table ARN like arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, got `{s}`"),
        ));
    }
    if is_table_name(s) {
        Ok(TableRef::Name(s.to_string()))
    } else {
        Err(AppError::invalid(
            "table",
            format!("expected a table name (3-255 characters of A-Z a-z 0-9 _ . -) or a table ARN, got `{s}`"),
        ))
    }
}

/// The plain name of a table in `region` (the region the request reads): an ARN must be in it and
/// is reduced to its name.
pub(crate) fn table_name_in(s: &str, region: &str) -> Result<String, AppError> {
    match parse_table(s)? {
        TableRef::Name(n) => Ok(n),
        TableRef::Arn { region: given, .. } if given != region => Err(AppError::invalid(
            "table",
            format!(
                "the table ARN is in region {given} but this request reads region {region} (its `region`, its \
                 table's ARN or TABLE_REGION); one request reads one region"
            ),
        )),
        TableRef::Arn { name, .. } => Ok(name),
    }
}

/// What the DynamoDB calls name: the plain name in assume_role mode; in resource_policy mode the
/// table's ARN in `table_account` (a request's ARN must name that account), since a call made with
/// the consumer's own credentials would otherwise look in the consumer account.
pub(crate) fn table_address(s: &str, region: &str, table_account: Option<&str>) -> Result<String, AppError> {
    let Some(account) = table_account else { return table_name_in(s, region) };
    if let TableRef::Arn { account: given, .. } = parse_table(s)? {
        if given != account {
            return Err(AppError::invalid(
                "table",
                format!(
                    "the table ARN is in account {given} but this function reads account {account} (MAIN_ACCOUNT_ID)"
                ),
            ));
        }
    }
    let name = table_name_in(s, region)?;
    Ok(format!("arn:{}:dynamodb:{region}:{account}:table/{name}", partition_of(region)))
}

/// The partition a region belongs to.
fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_policy_mode_addresses_tables_by_arn_in_the_main_account() {
        let main = Some("111111111111");
        assert_eq!(table_address("orders", "us-east-1", None).unwrap(), "orders");
        assert_eq!(
            table_address("orders", "us-east-1", main).unwrap(),
            "arn:aws:dynamodb:us-east-1:111111111111:table/orders"
        );
        assert_eq!(
            table_address("arn:aws:dynamodb:us-east-1:111111111111:table/orders", "us-east-1", main).unwrap(),
            "arn:aws:dynamodb:us-east-1:111111111111:table/orders"
        );
        assert_eq!(
            table_address("t_1", "cn-north-1", main).unwrap(),
            "arn:aws-cn:dynamodb:cn-north-1:111111111111:table/t_1"
        );
        let other = table_address("arn:aws:dynamodb:us-east-1:333333333333:table/orders", "us-east-1", main);
        assert!(other.unwrap_err().to_string().contains("MAIN_ACCOUNT_ID"));
        assert!(table_address("arn:aws:dynamodb:eu-west-1:111111111111:table/orders", "us-east-1", main).is_err());
        assert_eq!(
            table_address("orders", "us-west-2", main).unwrap(),
            "arn:aws:dynamodb:us-west-2:111111111111:table/orders",
            "built in the request's region"
        );
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-7", "eusc-de-east-1"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in
            ["", "us", "us-east", "US-EAST-1", "us_east_1", "us-east-1a", "-east-1", "us--1", "us-east-", "u-east-1"]
        {
            assert!(!is_region_name(bad), "{bad}");
        }
        assert!(!is_region_name(&format!("us-{}-1", "a".repeat(40))));
    }

    #[test]
    fn the_request_region_comes_from_region_then_the_arn_then_table_region() {
        let arn = "arn:aws:dynamodb:us-west-2:111111111111:table/orders";
        assert_eq!(request_region(None, None, "us-east-1").unwrap(), "us-east-1");
        assert_eq!(request_region(None, Some("orders"), "us-east-1").unwrap(), "us-east-1");
        assert_eq!(request_region(Some("eu-west-1"), Some("orders"), "us-east-1").unwrap(), "eu-west-1");
        assert_eq!(request_region(None, Some(arn), "us-east-1").unwrap(), "us-west-2");
        assert_eq!(request_region(Some("us-west-2"), Some(arn), "us-east-1").unwrap(), "us-west-2");
        let e = request_region(Some("eu-west-1"), Some(arn), "us-east-1").unwrap_err().to_string();
        assert!(
            e.contains("`region`") && e.contains("eu-west-1") && e.contains("us-west-2") && e.contains("`table`"),
            "{e}"
        );
        let e = request_region(Some("Mars"), None, "us-east-1").unwrap_err().to_string();
        assert!(e.contains("`region`") && e.contains("`Mars`"), "{e}");
        let e = table_name_in(arn, "us-east-1").unwrap_err().to_string();
        assert!(e.contains("us-west-2") && e.contains("us-east-1"), "{e}");
        assert!(parse_table("arn:aws:dynamodb:Mars:111111111111:table/orders").is_err());
    }
}
