//! The write operations' typed requests (put, update, delete, batch_write, transact_write), built
//! from the checked wire fields.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::checks;
use super::event::{WireAction, WireActionFields, WireReturnValues};
use super::RequestDefaults;
use crate::wire::convert::Item;
use crate::wire::error::AppError;

/// TransactWriteItems' action maximum.
pub const MAX_TRANSACT_ACTIONS: usize = 100;

/// What a put, update or delete returns of the item (DynamoDB's ReturnValues).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnValues {
    None,
    AllOld,
    UpdatedOld,
    AllNew,
    UpdatedNew,
}

impl ReturnValues {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnValues::None => "none",
            ReturnValues::AllOld => "all_old",
            ReturnValues::UpdatedOld => "updated_old",
            ReturnValues::AllNew => "all_new",
            ReturnValues::UpdatedNew => "updated_new",
        }
    }

    fn of(wire: WireReturnValues) -> ReturnValues {
        match wire {
            WireReturnValues::None => ReturnValues::None,
            WireReturnValues::AllOld => ReturnValues::AllOld,
            WireReturnValues::UpdatedOld => ReturnValues::UpdatedOld,
            WireReturnValues::AllNew => ReturnValues::AllNew,
            WireReturnValues::UpdatedNew => ReturnValues::UpdatedNew,
        }
    }

    /// `field`'s value if it is one of `allowed` (absent: none).
    pub(super) fn checked(
        field: &str,
        wire: Option<WireReturnValues>,
        allowed: &[ReturnValues],
        what: &str,
    ) -> Result<ReturnValues, AppError> {
        let Some(v) = wire.map(ReturnValues::of) else { return Ok(ReturnValues::None) };
        if allowed.contains(&v) {
            return Ok(v);
        }
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        Err(AppError::invalid(field, format!("{what} takes {}, got `{}`", names.join(" | "), v.as_str())))
    }
}

const PUT_RETURNS: &[ReturnValues] = &[ReturnValues::None, ReturnValues::AllOld];
const DELETE_RETURNS: &[ReturnValues] = PUT_RETURNS;
const UPDATE_RETURNS: &[ReturnValues] = &[
    ReturnValues::None,
    ReturnValues::AllOld,
    ReturnValues::UpdatedOld,
    ReturnValues::AllNew,
    ReturnValues::UpdatedNew,
];
/// ReturnValuesOnConditionCheckFailure takes only these two.
const ON_FAILURE_RETURNS: &[ReturnValues] = PUT_RETURNS;

/// A write's condition, the placeholders its expressions use, and whether a failed condition
/// returns the old item (ReturnValuesOnConditionCheckFailure ALL_OLD).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    pub condition: Option<String>,
    pub names: Option<HashMap<String, String>>,
    /// `:value` placeholders; never empty.
    pub values: Option<Item>,
    pub old_item_on_failure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Put {
    pub item: Item,
    pub conditions: Conditions,
    pub return_values: ReturnValues,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub key: Item,
    /// The UpdateExpression.
    pub update: String,
    pub conditions: Conditions,
    pub return_values: ReturnValues,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub key: Item,
    pub conditions: Conditions,
    pub return_values: ReturnValues,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchWrite {
    pub puts: Vec<Item>,
    /// Primary keys.
    pub deletes: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransactWrite {
    pub actions: Vec<Action>,
    pub client_request_token: Option<String>,
}

/// One action of a transaction, on its own table.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub table: String,
    pub kind: ActionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Transaction actions return nothing: their return_values are always none.
    Put(Put),
    Update(Update),
    Delete(Delete),
    ConditionCheck {
        key: Item,
        conditions: Conditions,
    },
}

impl ActionKind {
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::Put(_) => "put",
            ActionKind::Update(_) => "update",
            ActionKind::Delete(_) => "delete",
            ActionKind::ConditionCheck { .. } => "condition_check",
        }
    }
}

/// The fields every single-item write takes, checked.
pub(super) struct WriteFields {
    pub item: Option<Map<String, Value>>,
    pub key: Option<Map<String, Value>>,
    pub update: Option<String>,
    pub conditions: Conditions,
    pub return_values: Option<WireReturnValues>,
}

impl WriteFields {
    pub(super) fn put(self, at: &str) -> Result<Put, AppError> {
        Ok(Put {
            item: checks::item(self.item.as_ref(), &field(at, "item"))?,
            return_values: ReturnValues::checked(&field(at, "return_values"), self.return_values, PUT_RETURNS, "put")?,
            conditions: self.conditions,
        })
    }

    pub(super) fn update(self, at: &str) -> Result<Update, AppError> {
        Ok(Update {
            key: checks::write_key(self.key.as_ref(), &field(at, "key"), "update")?,
            update: self.update.ok_or_else(|| {
                AppError::invalid(
                    field(at, "update"),
                    "required for `update`: an UpdateExpression, e.g. \"SET #n = :n\" with names and values",
                )
            })?,
            return_values: ReturnValues::checked(
                &field(at, "return_values"),
                self.return_values,
                UPDATE_RETURNS,
                "update",
            )?,
            conditions: self.conditions,
        })
    }

    pub(super) fn delete(self, at: &str) -> Result<Delete, AppError> {
        Ok(Delete {
            key: checks::write_key(self.key.as_ref(), &field(at, "key"), "delete")?,
            return_values: ReturnValues::checked(
                &field(at, "return_values"),
                self.return_values,
                DELETE_RETURNS,
                "delete",
            )?,
            conditions: self.conditions,
        })
    }
}

/// `parent.name`, or `name` at the top level.
fn field(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// The condition-related fields, checked (`at` is the JSON path of the object holding them).
pub(super) fn conditions(
    at: &str,
    condition: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<Item>,
    on_failure: Option<WireReturnValues>,
) -> Result<Conditions, AppError> {
    let on_failure = ReturnValues::checked(
        &field(at, "return_values_on_condition_check_failure"),
        on_failure,
        ON_FAILURE_RETURNS,
        "return_values_on_condition_check_failure",
    )?;
    Ok(Conditions { condition, names, values, old_item_on_failure: on_failure == ReturnValues::AllOld })
}

/// batch_write's `puts` and `deletes`: at least one of them, each entry a non-empty object.
pub(super) fn batch_write(
    puts: Option<&[Map<String, Value>]>,
    deletes: Option<&[Map<String, Value>]>,
) -> Result<BatchWrite, AppError> {
    if puts.unwrap_or_default().is_empty() && deletes.unwrap_or_default().is_empty() {
        return Err(AppError::invalid(
            "puts",
            "batch_write needs at least one item in `puts` (items) or `deletes` (primary keys)",
        ));
    }
    let each = |list: Option<&[Map<String, Value>]>, name: &str| -> Result<Vec<Item>, AppError> {
        list.unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, m)| checks::item(Some(m), &format!("{name}[{i}]")))
            .collect()
    };
    Ok(BatchWrite { puts: each(puts, "puts")?, deletes: each(deletes, "deletes")? })
}

/// transact_write's `actions` (1-100), each on its own table or the request's, all in the request's
/// region (a transaction is regional).
pub(super) fn transact_write(
    actions: Option<Vec<WireAction>>,
    client_request_token: Option<String>,
    table: &str,
    region: &str,
    defaults: &RequestDefaults,
) -> Result<TransactWrite, AppError> {
    let actions = actions.unwrap_or_default();
    if actions.is_empty() || actions.len() > MAX_TRANSACT_ACTIONS {
        return Err(AppError::invalid(
            "actions",
            format!("expected 1 to {MAX_TRANSACT_ACTIONS} actions (TransactWriteItems' limit), got {}", actions.len()),
        ));
    }
    if let Some(token) = &client_request_token {
        if token.is_empty() || token.len() > 36 {
            return Err(AppError::invalid(
                "client_request_token",
                format!("expected 1 to 36 characters (DynamoDB's limit), got {}", token.len()),
            ));
        }
    }
    let actions = actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| action(i, a, table, region, defaults))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TransactWrite { actions, client_request_token })
}

fn action(
    i: usize,
    wire: WireAction,
    table: &str,
    region: &str,
    defaults: &RequestDefaults,
) -> Result<Action, AppError> {
    let (kind, f) = match wire {
        WireAction::Put(f) => ("put", f),
        WireAction::Update(f) => ("update", f),
        WireAction::Delete(f) => ("delete", f),
        WireAction::ConditionCheck(f) => ("condition_check", f),
    };
    let at = format!("actions[{i}].{kind}");
    let WireActionFields {
        table: own_table,
        item,
        key,
        update,
        condition,
        names,
        values,
        return_values_on_condition_check_failure,
    } = f;
    let only = |name: &str, present: bool, kinds: &[&str]| -> Result<(), AppError> {
        if present && !kinds.contains(&kind) {
            return Err(AppError::invalid(
                field(&at, name),
                format!("not used by a `{kind}` action (only by {})", kinds.join(", ")),
            ));
        }
        Ok(())
    };
    only("item", item.is_some(), &["put"])?;
    only("key", key.is_some(), &["update", "delete", "condition_check"])?;
    only("update", update.is_some(), &["update"])?;
    let table = match own_table {
        Some(t) => checks::table_in(Some(&t), region, defaults).map_err(|e| e.in_field(&at))?,
        None => table.to_string(),
    };
    checks::non_empty(&field(&at, "update"), update.as_deref())?;
    checks::non_empty(&field(&at, "condition"), condition.as_deref())?;
    checks::names(names.as_ref()).map_err(|e| e.in_field(&at))?;
    let values = checks::values(values.as_ref()).map_err(|e| e.in_field(&at))?;
    let conditions = conditions(&at, condition, names, values, return_values_on_condition_check_failure)?;
    let fields = WriteFields { item, key, update, conditions, return_values: None };
    let kind = match kind {
        "put" => ActionKind::Put(fields.put(&at)?),
        "update" => ActionKind::Update(fields.update(&at)?),
        "delete" => ActionKind::Delete(fields.delete(&at)?),
        _ => {
            if fields.conditions.condition.is_none() {
                return Err(AppError::invalid(
                    field(&at, "condition"),
                    "required for a `condition_check` action: the ConditionExpression to check",
                ));
            }
            ActionKind::ConditionCheck {
                key: checks::write_key(fields.key.as_ref(), &field(&at, "key"), "condition_check")?,
                conditions: fields.conditions,
            }
        }
    };
    Ok(Action { table, kind })
}
