//! Paging tokens for a consumer Lambda's own listings: DynamoDB's `LastEvaluatedKey` as an opaque,
//! URL-safe `next_token`, and back into the `ExclusiveStartKey` of the next page. The text is the
//! reader's own `next_token` format (checksummed, versioned), bound to a `scope` the caller chooses,
//! so a token of another listing, an edited token or a truncated one is refused with a message.

use sha2::{Digest, Sha256};

use crate::wire::convert::Item;
use crate::wire::cursor::{Cursor, Position, StreamCursors};
use crate::wire::error::AppError;
use crate::wire::token::{self, Binding, Fingerprint};

/// Tokens of this module carry no region (the reader's do); an empty one binds nothing.
const NO_REGION: &str = "";

fn fingerprint(scope: &str) -> Fingerprint {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&Sha256::digest(scope.as_bytes())[..8]);
    Fingerprint(bytes)
}

/// The token that continues after `last_evaluated_key` (a Query's or Scan's `LastEvaluatedKey`).
/// `scope` names the listing, e.g. `"open-orders/customer#001"`: `start_key` accepts the token only
/// with the same scope.
///
/// ```
/// use std::collections::HashMap;
/// use aws_sdk_dynamodb::types::AttributeValue;
/// use ddb_cross_account_reader::pages::{next_token, start_key};
///
/// let key = HashMap::from([("pk".to_string(), AttributeValue::S("customer#001".into()))]);
/// let token = next_token(&key, "orders-of/customer#001").unwrap();
/// assert_eq!(start_key(&token, "orders-of/customer#001").unwrap(), key);
/// assert!(start_key(&token, "orders-of/customer#002").is_err());
/// ```
pub fn next_token(last_evaluated_key: &Item, scope: &str) -> Result<String, AppError> {
    let cursor = Cursor { start_key: Some(last_evaluated_key.clone()), skip: 0 };
    let position = Position::Streams(StreamCursors { page_limit: None, cursors: vec![(0, cursor)] });
    token::encode(&fingerprint(scope), NO_REGION, &position)
}

/// The `ExclusiveStartKey` a `next_token` of the same `scope` continues from. Errors are
/// `InvalidRequest`s naming the field `next_token`.
pub fn start_key(token: &str, scope: &str) -> Result<Item, AppError> {
    let fingerprint = fingerprint(scope);
    let binding = Binding { fingerprint: &fingerprint, region: NO_REGION, table_region: NO_REGION };
    match token::decode(token, &binding, 1)? {
        Position::Streams(StreamCursors { cursors, .. }) => match cursors.as_slice() {
            [(0, Cursor { start_key: Some(key), skip: 0 })] => Ok(key.clone()),
            _ => Err(AppError::invalid("next_token", "not a token of a listing; pass the next_token it returned")),
        },
        Position::KeyOffset(_) => {
            Err(AppError::invalid("next_token", "not a token of a listing; pass the next_token it returned"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    #[test]
    fn a_token_round_trips_only_within_its_scope_and_unedited() {
        let key: Item = [
            ("pk".to_string(), AttributeValue::S("customer#001".into())),
            ("sk".to_string(), AttributeValue::N("42".into())),
        ]
        .into();
        let token = next_token(&key, "a").unwrap();
        assert_eq!(start_key(&token, "a").unwrap(), key);
        let other = start_key(&token, "b").unwrap_err();
        assert!(other.to_string().contains("`next_token`"), "{other}");
        let mut edited = token.clone();
        edited.replace_range(4..5, if &token[4..5] == "A" { "B" } else { "A" });
        assert!(start_key(&edited, "a").is_err());
        // A reader token (a batch_get offset) is not a listing's.
        let offset = token::encode(&fingerprint("a"), NO_REGION, &Position::KeyOffset(3)).unwrap();
        assert!(start_key(&offset, "a").unwrap_err().to_string().contains("not a token of a listing"));
    }
}
