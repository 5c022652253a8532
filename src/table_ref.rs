//! How a request (or DEFAULT_TABLE) names a table: a plain name, or a table ARN.

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub enum TableRef {
    Name(String),
    Arn { region: String, account: String, name: String },
}

fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// A table name, or `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`.
pub fn parse_table(s: &str) -> Result<TableRef, AppError> {
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_partition, "dynamodb", region, account, resource] = parts[..] {
            if let Some(name) = resource.strip_prefix("table/") {
                if is_table_name(name) && !region.is_empty() && account.len() == 12 {
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

/// The plain name of a table this function can read: an ARN must be in `table_region` (the region
/// the client is configured for) and is reduced to its name.
pub fn table_name_in(s: &str, table_region: &str) -> Result<String, AppError> {
    match parse_table(s)? {
        TableRef::Name(n) => Ok(n),
        TableRef::Arn { region, .. } if region != table_region => Err(AppError::invalid(
            "table",
            format!("the table ARN is in region {region} but this function reads region {table_region} (TABLE_REGION)"),
        )),
        TableRef::Arn { name, .. } => Ok(name),
    }
}

/// What the DynamoDB calls name: the plain name in assume_role mode; in resource_policy mode the
/// table's ARN in `table_account` (a request's ARN must name that account), since a call made with
/// the consumer's own credentials would otherwise look in the consumer account.
pub fn table_address(s: &str, table_region: &str, table_account: Option<&str>) -> Result<String, AppError> {
    let Some(account) = table_account else { return table_name_in(s, table_region) };
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
    let name = table_name_in(s, table_region)?;
    Ok(format!("arn:{}:dynamodb:{table_region}:{account}:table/{name}", partition_of(table_region)))
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
    }
}
