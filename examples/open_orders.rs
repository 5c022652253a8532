//! A consumer Lambda of your own, built only on the library's public API: the open orders of one
//! customer and their total, read from the main account's `orders` table through the role that
//! Terraform created for this consumer.
//!
//! Event: `{"customer": "customer#001"}`. Answer: `{"customer", "orders": [...], "count", "total"}`
//! with the orders as plain JSON (the items whose `status` is PENDING or SHIPPED; drafts have no
//! status) and `total` the exact sum of their `total`s. A bad event is an `InvalidRequest` naming
//! the field.
//!
//! Configuration: the reader's own environment variables (ROLE_ARN or MAIN_ACCOUNT_ID + ENVIRONMENT,
//! EXTERNAL_ID, TABLE_REGION, SOURCE_IDENTITY, SESSION_TAGS, ...), read by `CrossAccount::from_env`;
//! ORDERS_TABLE names the table (default `orders`).

use aws_sdk_dynamodb::types::AttributeValue;
use ddb_cross_account_reader::{from_sdk, json, AppError, CallContext, CrossAccount};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Number, Value};

/// What counts as an open order.
const OPEN: [&str; 2] = ["PENDING", "SHIPPED"];

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Once per process: every invocation shares the clients and their cached credentials.
    let account = CrossAccount::from_env().await?;
    let table = std::env::var("ORDERS_TABLE").unwrap_or_else(|_| "orders".into());
    let (account, table) = (&account, table.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| open_orders(account, table, event.payload))).await
}

async fn open_orders(account: &CrossAccount, table: &str, event: Value) -> Result<Value, AppError> {
    let customer = match event.get("customer") {
        Some(Value::String(c)) if !c.is_empty() => c.clone(),
        _ => return Err(AppError::invalid("customer", "expected the customer's key, e.g. \"customer#001\"")),
    };
    let pages = account
        .home_client()
        .query()
        .table_name(table)
        .key_condition_expression("pk = :customer")
        .filter_expression("#status IN (:pending, :shipped)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":customer", AttributeValue::S(customer.clone()))
        .expression_attribute_values(":pending", AttributeValue::S(OPEN[0].into()))
        .expression_attribute_values(":shipped", AttributeValue::S(OPEN[1].into()))
        .into_paginator()
        .items()
        .send();
    // An AccessDenied names the role and the table, a throttle says so, as the reader's errors do.
    let call =
        CallContext { role_arn: account.role_arn(), action: "dynamodb:Query", table, region: account.home_region() };
    let items = pages.try_collect().await.map_err(|e| from_sdk(e, &call))?;
    let mut total = Decimal::default();
    let mut orders = Vec::with_capacity(items.len());
    for item in &items {
        if let Some(AttributeValue::N(n)) = item.get("total") {
            total.add(n).ok_or_else(|| AppError::invalid("total", format!("`{n}` is not a plain decimal number")))?;
        }
        orders.push(json::item_to_json(item)?);
    }
    Ok(json!({"customer": customer, "orders": orders, "count": orders.len(), "total": total.to_json()}))
}

/// An exact sum of DynamoDB numbers without exponents (money: no f64 rounding).
#[derive(Default)]
struct Decimal {
    /// The sum times 10^scale.
    units: i128,
    scale: u32,
}

impl Decimal {
    /// Adds `n`; `None` when it is not a plain decimal (an exponent, or too many digits for an i128).
    fn add(&mut self, n: &str) -> Option<()> {
        let (whole, fraction) = n.split_once('.').unwrap_or((n, ""));
        let scale = fraction.len() as u32;
        let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
        // Both at the larger number of decimals.
        if scale > self.scale {
            self.units = self.units.checked_mul(10i128.checked_pow(scale - self.scale)?)?;
            self.scale = scale;
        }
        let digits = digits.checked_mul(10i128.checked_pow(self.scale - scale)?)?;
        self.units = self.units.checked_add(digits)?;
        Some(())
    }

    fn to_json(&self) -> Number {
        let sign = if self.units < 0 { "-" } else { "" };
        let abs = self.units.unsigned_abs().to_string();
        let text = if self.scale == 0 {
            format!("{sign}{abs}")
        } else {
            let padded = format!("{abs:0>width$}", width = self.scale as usize + 1);
            let (whole, fraction) = padded.split_at(padded.len() - self.scale as usize);
            format!("{sign}{whole}.{fraction}")
        };
        text.parse().expect("digits, at most one `.` and a sign make a JSON number")
    }
}
