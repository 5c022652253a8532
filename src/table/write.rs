//! put, update and delete: one item each, with its condition; a failed condition is reported as
//! `ConditionFailed` naming the table, the key and (when asked for) the item as it is.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    ConsumedCapacity, ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use std::sync::Arc;

use super::{Outcome, TableAccess};
use crate::convert::{item_to_raw, Item, ItemJson};
use crate::error::{from_sdk, AppError};
use crate::request::{Conditions, Delete, Put, ReturnValues, Update};

pub async fn put(access: &TableAccess, table: &str, put: &Put) -> Result<Outcome, AppError> {
    let c = &put.conditions;
    let sent = access
        .client
        .put_item()
        .table_name(table)
        .set_item(Some(put.item.clone()))
        .set_condition_expression(c.condition.clone())
        .set_expression_attribute_names(c.names.clone())
        .set_expression_attribute_values(c.values.clone())
        .return_values(return_value(put.return_values))
        .set_return_values_on_condition_check_failure(on_failure(c))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    match sent {
        Ok(out) => written(out.attributes(), out.consumed_capacity()),
        Err(e) => {
            let old = match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(f)) => Some(f.item.clone()),
                _ => None,
            };
            let key = match old {
                // Only a failed condition needs the key named: the item's key attributes, from the
                // table's key schema (the item itself when that cannot be read).
                Some(_) => key_of(access, table, &put.item).await,
                None => Item::new(),
            };
            Err(failure(access, e, old, "dynamodb:PutItem", table, &key))
        }
    }
}

pub async fn update(access: &TableAccess, table: &str, update: &Update) -> Result<Outcome, AppError> {
    let c = &update.conditions;
    let sent = access
        .client
        .update_item()
        .table_name(table)
        .set_key(Some(update.key.clone()))
        .update_expression(update.update.clone())
        .set_condition_expression(c.condition.clone())
        .set_expression_attribute_names(c.names.clone())
        .set_expression_attribute_values(c.values.clone())
        .return_values(return_value(update.return_values))
        .set_return_values_on_condition_check_failure(on_failure(c))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    match sent {
        Ok(out) => written(out.attributes(), out.consumed_capacity()),
        Err(e) => {
            let old = match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(f)) => Some(f.item.clone()),
                _ => None,
            };
            Err(failure(access, e, old, "dynamodb:UpdateItem", table, &update.key))
        }
    }
}

pub async fn delete(access: &TableAccess, table: &str, delete: &Delete) -> Result<Outcome, AppError> {
    let c = &delete.conditions;
    let sent = access
        .client
        .delete_item()
        .table_name(table)
        .set_key(Some(delete.key.clone()))
        .set_condition_expression(c.condition.clone())
        .set_expression_attribute_names(c.names.clone())
        .set_expression_attribute_values(c.values.clone())
        .return_values(return_value(delete.return_values))
        .set_return_values_on_condition_check_failure(on_failure(c))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    match sent {
        Ok(out) => written(out.attributes(), out.consumed_capacity()),
        Err(e) => {
            let old = match e.as_service_error() {
                Some(DeleteItemError::ConditionalCheckFailedException(f)) => Some(f.item.clone()),
                _ => None,
            };
            Err(failure(access, e, old, "dynamodb:DeleteItem", table, &delete.key))
        }
    }
}

/// One item written: `items` holds what return_values asked for (nothing for `none`).
fn written(attributes: Option<&Item>, capacity: Option<&ConsumedCapacity>) -> Result<Outcome, AppError> {
    let mut outcome = Outcome { pages: 1, ..Default::default() };
    outcome.results.add_capacity(capacity);
    if let Some(item) = attributes.filter(|a| !a.is_empty()) {
        outcome.results.items.push(item_to_raw(item)?);
    }
    outcome.results.count = 1;
    Ok(outcome)
}

/// `old` is `Some` when the condition failed (holding the item when it was asked for).
fn failure<E, R>(
    access: &TableAccess,
    e: SdkError<E, R>,
    old: Option<Option<Item>>,
    action: &str,
    table: &str,
    key: &Item,
) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match old {
        Some(old_item) => AppError::ConditionFailed {
            table: table.to_string(),
            key: json_text(key),
            old_item: old_item.as_ref().map(json_text),
            source: Some(Arc::new(e)),
        },
        None => from_sdk(e, &access.ctx(action, table)),
    }
}

pub(super) fn json_text(item: &Item) -> String {
    serde_json::to_string(&ItemJson(item)).unwrap_or_else(|e| format!("<not encodable: {e}>"))
}

/// The primary key attributes of `item`, by the table's key schema (DescribeTable, which every access
/// level grants); the whole item when the schema cannot be read.
async fn key_of(access: &TableAccess, table: &str, item: &Item) -> Item {
    let described = access.client.describe_table().table_name(table).send().await;
    let names: Vec<String> = match &described {
        Ok(out) => out
            .table()
            .map(|t| t.key_schema().iter().map(|k| k.attribute_name().to_string()).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let key: Item = names.iter().filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone()))).collect();
    if key.is_empty() || key.len() != names.len() {
        return item.clone();
    }
    key
}

pub(super) fn return_value(r: ReturnValues) -> ReturnValue {
    match r {
        ReturnValues::None => ReturnValue::None,
        ReturnValues::AllOld => ReturnValue::AllOld,
        ReturnValues::UpdatedOld => ReturnValue::UpdatedOld,
        ReturnValues::AllNew => ReturnValue::AllNew,
        ReturnValues::UpdatedNew => ReturnValue::UpdatedNew,
    }
}

pub(super) fn on_failure(c: &Conditions) -> Option<ReturnValuesOnConditionCheckFailure> {
    c.old_item_on_failure.then_some(ReturnValuesOnConditionCheckFailure::AllOld)
}
