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
use crate::connect::call_error::from_sdk;
use crate::wire::convert::{item_to_raw, Item, ItemJson};
use crate::wire::error::AppError;
use crate::wire::request::{Conditions, Delete, Put, ReturnValues, Update};

/// The four condition setters every conditional write has (PutItem, UpdateItem, DeleteItem and
/// their transaction forms, ConditionCheck too). The SDK's builders share no trait, so a macro
/// applies them in one place.
macro_rules! with_conditions {
    ($builder:expr, $conditions:expr) => {{
        let c: &$crate::wire::request::Conditions = $conditions;
        $builder
            .set_condition_expression(c.condition.clone())
            .set_expression_attribute_names(c.names.clone())
            .set_expression_attribute_values(c.values.clone())
            .set_return_values_on_condition_check_failure($crate::table::write::on_failure(c))
    }};
}
pub(super) use with_conditions;

pub(super) async fn put(access: &TableAccess, table: &str, put: &Put) -> Result<Outcome, AppError> {
    let request = access.client.put_item().table_name(table).set_item(Some(put.item.clone()));
    let sent = with_conditions!(request, &put.conditions)
        .return_values(return_value(put.return_values))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    match sent {
        Ok(out) => written(out.attributes(), out.consumed_capacity()),
        // Only a failed condition needs the key named: the item's key attributes, from the table's
        // key schema (the item itself when that cannot be read).
        Err(e) if e.as_service_error().and_then(FailedCondition::old_item).is_some() => {
            let key = key_of(access, table, &put.item).await;
            Err(failure(access, e, "dynamodb:PutItem", table, &key))
        }
        Err(e) => Err(failure(access, e, "dynamodb:PutItem", table, &Item::new())),
    }
}

pub(super) async fn update(access: &TableAccess, table: &str, update: &Update) -> Result<Outcome, AppError> {
    let request = access.client.update_item().table_name(table).set_key(Some(update.key.clone()));
    let sent = with_conditions!(request.update_expression(update.update.clone()), &update.conditions)
        .return_values(return_value(update.return_values))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    let out = sent.map_err(|e| failure(access, e, "dynamodb:UpdateItem", table, &update.key))?;
    written(out.attributes(), out.consumed_capacity())
}

pub(super) async fn delete(access: &TableAccess, table: &str, delete: &Delete) -> Result<Outcome, AppError> {
    let request = access.client.delete_item().table_name(table).set_key(Some(delete.key.clone()));
    let sent = with_conditions!(request, &delete.conditions)
        .return_values(return_value(delete.return_values))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    let out = sent.map_err(|e| failure(access, e, "dynamodb:DeleteItem", table, &delete.key))?;
    written(out.attributes(), out.consumed_capacity())
}

/// The item a failed condition returned: `Some` when the condition failed, holding the item when
/// `return_values_on_condition_check_failure` asked for it.
trait FailedCondition {
    fn old_item(&self) -> Option<Option<Item>>;
}

macro_rules! failed_condition {
    ($($error:ident),*) => {$(
        impl FailedCondition for $error {
            fn old_item(&self) -> Option<Option<Item>> {
                match self {
                    $error::ConditionalCheckFailedException(f) => Some(f.item.clone()),
                    _ => None,
                }
            }
        }
    )*};
}
failed_condition!(PutItemError, UpdateItemError, DeleteItemError);

/// One item written: `items` holds what return_values asked for (nothing for `none`).
fn written(attributes: Option<&Item>, capacity: Option<&ConsumedCapacity>) -> Result<Outcome, AppError> {
    let mut outcome = Outcome { pages: 1, ..Default::default() };
    outcome.results.add_capacity(capacity);
    if let Some(item) = attributes.filter(|a| !a.is_empty()) {
        outcome.results.items.push(&item_to_raw(item)?);
    }
    outcome.results.count = 1;
    Ok(outcome)
}

/// A failed condition is `ConditionFailed`; anything else is mapped as every other SDK error.
fn failure<E, R>(access: &TableAccess, e: SdkError<E, R>, action: &str, table: &str, key: &Item) -> AppError
where
    E: FailedCondition + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match e.as_service_error().and_then(FailedCondition::old_item) {
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
