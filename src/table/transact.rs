//! transact_write: up to 100 actions written all together or not at all, optionally idempotent by
//! `client_request_token`. A cancelled transaction comes back as `TransactionCanceled` with the
//! reason of each action.

use std::sync::Arc;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Put, ReturnConsumedCapacity, TransactWriteItem, Update,
};

use super::write::{json_text, with_conditions};
use super::{Outcome, TableAccess};
use crate::connect::call_error::from_sdk;
use crate::wire::error::AppError;
use crate::wire::request::{Action, ActionKind, TransactWrite};

pub(super) async fn transact_write(access: &TableAccess, transaction: &TransactWrite) -> Result<Outcome, AppError> {
    let items = transaction.actions.iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let sent = access
        .client
        .transact_write_items()
        .set_transact_items(Some(items))
        .set_client_request_token(transaction.client_request_token.clone())
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await;
    let out = match sent {
        Ok(out) => out,
        Err(e) => {
            if let Some(TransactWriteItemsError::TransactionCanceledException(c)) = e.as_service_error() {
                let reasons = reasons(&transaction.actions, c.cancellation_reasons(), c.message());
                return Err(AppError::TransactionCanceled { reasons, source: Some(Arc::new(e)) });
            }
            let (action, table) = denied_action(&e, &transaction.actions);
            return Err(from_sdk(e, &access.ctx(&action, &table)));
        }
    };
    let mut outcome = Outcome { pages: 1, ..Default::default() };
    for c in out.consumed_capacity() {
        outcome.results.add_capacity(Some(c));
    }
    outcome.results.count =
        transaction.actions.iter().filter(|a| !matches!(a.kind, ActionKind::ConditionCheck { .. })).count() as u64;
    Ok(outcome)
}

fn item(action: &Action) -> Result<TransactWriteItem, AppError> {
    let built = |e| AppError::internal("building TransactWriteItems", e);
    let item = TransactWriteItem::builder();
    let table = &action.table;
    Ok(match &action.kind {
        ActionKind::Put(p) => {
            let put = Put::builder().table_name(table).set_item(Some(p.item.clone()));
            item.put(with_conditions!(put, &p.conditions).build().map_err(built)?)
        }
        ActionKind::Update(u) => {
            let update = Update::builder().table_name(table).set_key(Some(u.key.clone())).update_expression(&u.update);
            item.update(with_conditions!(update, &u.conditions).build().map_err(built)?)
        }
        ActionKind::Delete(d) => {
            let delete = Delete::builder().table_name(table).set_key(Some(d.key.clone()));
            item.delete(with_conditions!(delete, &d.conditions).build().map_err(built)?)
        }
        ActionKind::ConditionCheck { key, conditions } => {
            let check = ConditionCheck::builder().table_name(table).set_key(Some(key.clone()));
            item.condition_check(with_conditions!(check, conditions).build().map_err(built)?)
        }
    }
    .build())
}

/// One line per action: `actions[1] (put on `ledger`): ConditionalCheckFailed: …; the item is {…}`.
/// DynamoDB answers with one reason per action, in order (`None` for those that would have succeeded).
fn reasons(actions: &[Action], given: &[CancellationReason], message: Option<&str>) -> Vec<String> {
    if given.is_empty() {
        return vec![message.unwrap_or("DynamoDB gave no reasons").to_string()];
    }
    given
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let what = actions.get(i).map(|a| format!(" ({} on `{}`)", a.kind.name(), a.table)).unwrap_or_default();
            let mut line = format!("actions[{i}]{what}: {}", r.code().unwrap_or("None"));
            if let Some(m) = r.message().filter(|m| !m.is_empty()) {
                line.push_str(&format!(": {m}"));
            }
            if let Some(item) = r.item().filter(|i| !i.is_empty()) {
                line.push_str(&format!("; the item is {}", json_text(item)));
            }
            line
        })
        .collect()
}

/// The IAM action and table an AccessDenied of a transaction is about. AWS authorizes each action
/// on its own table (PutItem, UpdateItem, DeleteItem, ConditionCheckItem) and its message names the
/// one refused ("…not authorized to perform: dynamodb:DeleteItem on resource: …:table/ledger…");
/// without that, every action and table of the transaction is named.
fn denied_action<E: ProvideErrorMetadata, R>(
    e: &aws_sdk_dynamodb::error::SdkError<E, R>,
    actions: &[Action],
) -> (String, String) {
    let message = e.as_service_error().and_then(|s| s.message()).unwrap_or_default();
    let after = |marker: &str| {
        message.split_once(marker).map(|(_, rest)| {
            rest.split(|c: char| c.is_whitespace() || c == '/' || c == ',').next().unwrap_or_default().to_string()
        })
    };
    if let (Some(action), Some(table)) = (after("perform: "), after(":table/")) {
        return (action, table);
    }
    let mut names: Vec<String> = actions.iter().map(|a| iam_action(&a.kind).to_string()).collect();
    names.dedup();
    let mut tables: Vec<String> = actions.iter().map(|a| a.table.clone()).collect();
    tables.sort();
    tables.dedup();
    (names.join(", "), tables.join(", "))
}

fn iam_action(kind: &ActionKind) -> &'static str {
    match kind {
        ActionKind::Put(_) => "dynamodb:PutItem",
        ActionKind::Update(_) => "dynamodb:UpdateItem",
        ActionKind::Delete(_) => "dynamodb:DeleteItem",
        ActionKind::ConditionCheck { .. } => "dynamodb:ConditionCheckItem",
    }
}
