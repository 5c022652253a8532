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
