//! Table access: runs a checked `Request` against DynamoDB within the response-size cap, the item
//! `limit` and the invocation's deadline, and says where the next call continues.
//!
//! `read` (scan and query) takes pages from `streams`, one per segment; `batch_get` fetches keys in
//! chunks and retries what DynamoDB leaves unprocessed (`retry`, shared with `batch_write`);
//! `budget` keeps the response within its bytes. Writes: `write` (put, update, delete), `batch_write`
//! (chunks of 25) and `transact` (transact_write). `export`: export and export_status.

mod batch_get;
mod batch_write;
mod budget;
mod export;
mod page_body;
mod read;
mod retry;
mod streams;
mod transact;
mod write;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_sdk_dynamodb::Client;

pub use budget::Budget;

use crate::connect::assume_role::AssumeRole;
use crate::connect::call_error::{from_sdk, CallContext};
use crate::connect::clients::Clients;
use crate::connect::cross_account::CrossAccount;
use crate::wire::convert::item_to_raw;
use crate::wire::cursor::Position;
use crate::wire::error::AppError;
use crate::wire::json_items::JsonItems;
use crate::wire::request::{Get, Operation, Request};
use crate::wire::table_ref::{parse_table, TableRef};

/// How long the init-time warm-up may take before init goes on without it.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(4);

/// Why a response stopped before the end of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Limit,
    Size,
    Deadline,
    /// A page failed after earlier pages were returned; the resume position is the failed page.
    PageError,
}

impl Stop {
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::Limit => "limit",
            Stop::Size => "size",
            Stop::Deadline => "deadline",
            Stop::PageError => "page_error",
        }
    }
}

/// What a response carries besides its next_token.
#[derive(Debug, Default)]
pub struct Results {
    pub items: JsonItems,
    pub count: u64,
    pub scanned_count: u64,
    pub consumed_capacity: Option<f64>,
}

impl Results {
    fn add_capacity(&mut self, c: Option<&ConsumedCapacity>) {
        if let Some(units) = c.and_then(|c| c.capacity_units) {
            *self.consumed_capacity.get_or_insert(0.0) += units;
        }
    }
}

/// One call's results and where the next call continues.
#[derive(Debug, Default)]
pub struct Outcome {
    pub results: Results,
    /// `None` when everything was read.
    pub resume: Option<Position>,
    pub pages: u32,
    pub stopped: Option<Stop>,
    /// The error that cut a partial response short (logged by the handler).
    pub page_error: Option<AppError>,
}

/// The main account's tables, read as one role through the clients of a `CrossAccount` (built once
/// per process; one client per region). A `TableAccess` makes its calls in `region`; `execute`
/// switches to the request's region.
pub struct TableAccess {
    client: Client,
    region: String,
    /// The connection: the role every call is made as (named in AccessDenied messages), every
    /// region's client, and the AssumeRole provider for the check's direct STS call.
    account: CrossAccount,
}

impl TableAccess {
    /// Calls in the home region of `clients` (a single `Client` is its own home region), as `role_arn`.
    pub fn new(clients: impl Into<Clients>, role_arn: impl Into<String>) -> TableAccess {
        TableAccess::from(CrossAccount::from_parts(clients.into(), role_arn.into(), None))
    }

    /// The provider that signs the client's calls in assume_role mode (it does not cache).
    pub fn assume_role(&self) -> Option<&AssumeRole> {
        self.account.assume_role()
    }

    /// The role every call is made as.
    pub fn role_arn(&self) -> &str {
        self.account.role_arn()
    }

    /// The region this access calls (TABLE_REGION unless switched by `execute`).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The client itself (the benchmarks time raw round trips through it).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The same access in `region`, through that region's client (built on first use).
    pub fn in_region(&self, region: &str) -> Result<TableAccess, AppError> {
        Ok(TableAccess {
            client: self.account.client(region)?,
            region: region.to_string(),
            account: self.account.clone(),
        })
    }

    pub async fn execute(&self, req: &Request, budget: Budget) -> Result<Outcome, AppError> {
        if req.region != self.region {
            return self.in_region(&req.region)?.execute_here(req, budget).await;
        }
        self.execute_here(req, budget).await
    }

    async fn execute_here(&self, req: &Request, budget: Budget) -> Result<Outcome, AppError> {
        match &req.operation {
            Operation::Scan(scan) => read::scan(self, &req.table, scan, budget).await,
            Operation::Query(query) => read::query(self, &req.table, query, budget).await,
            Operation::Get(get) => self.get(&req.table, get).await,
            Operation::BatchGet(batch) => batch_get::batch_get(self, &req.table, batch, budget).await,
            Operation::Put(put) => write::put(self, &req.table, put).await,
            Operation::Update(update) => write::update(self, &req.table, update).await,
            Operation::Delete(delete) => write::delete(self, &req.table, delete).await,
            Operation::BatchWrite(batch) => batch_write::batch_write(self, &req.table, batch, budget).await,
            Operation::TransactWrite(transaction) => transact::transact_write(self, transaction).await,
            Operation::Export(export) => self.export(&req.table, export).await,
            Operation::ExportStatus(status) => self.export_status(&req.table, status).await,
        }
    }

    fn ctx<'b>(&'b self, action: &'b str, table: &'b str) -> CallContext<'b> {
        CallContext { role_arn: self.account.role_arn(), action, table, region: &self.region }
    }

    async fn get(&self, table: &str, get: &Get) -> Result<Outcome, AppError> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(get.key.clone()))
            .set_projection_expression(get.attributes.projection.clone())
            .set_expression_attribute_names(get.attributes.names.clone())
            .set_consistent_read(get.consistent_read.then_some(true))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| from_sdk(e, &self.ctx("dynamodb:GetItem", table)))?;
        let mut outcome = Outcome { pages: 1, ..Default::default() };
        outcome.results.add_capacity(out.consumed_capacity());
        if let Some(item) = out.item() {
            outcome.results.items.push(&item_to_raw(item)?);
        }
        outcome.results.count = outcome.results.items.len() as u64;
        outcome.results.scanned_count = outcome.results.count;
        Ok(outcome)
    }

    /// Pays the AssumeRole and the STS / DynamoDB TLS handshakes during init instead of in the first
    /// invocation (a DescribeTable of `table`). A failure is only logged: the first invocation
    /// retries and reports it properly.
    pub async fn warm_up(&self, table: Option<&str>) {
        let Some(table) = table else {
            tracing::info!("no DEFAULT_TABLE: skipping the warm-up; the first invocation assumes the role");
            return;
        };
        // A DEFAULT_TABLE ARN in another region: its requests use that region's client, so warm it.
        if let Ok(TableRef::Arn { region, .. }) = parse_table(table) {
            if region != self.region {
                if let Ok(there) = self.in_region(&region) {
                    return Box::pin(there.warm_up(Some(table))).await;
                }
            }
        }
        let started = Instant::now();
        let call = self.client.describe_table().table_name(table).send();
        match tokio::time::timeout(WARM_UP_TIMEOUT, call).await {
            Ok(Ok(_)) => {
                tracing::info!(table, role_arn = %self.account.role_arn(), duration_ms = started.elapsed().as_millis() as u64, "warm-up done: role assumed, connections open")
            }
            Ok(Err(e)) => {
                let e = from_sdk(e, &self.ctx("dynamodb:DescribeTable", table));
                tracing::warn!(table, error_type = e.error_type(), error = %e, "warm-up failed; invocations will retry");
            }
            Err(_) => tracing::warn!(table, "warm-up timed out after 4 s; invocations will retry"),
        }
    }
}

/// The table access of a connection, calling in its home region.
impl From<CrossAccount> for TableAccess {
    fn from(account: CrossAccount) -> TableAccess {
        TableAccess { client: account.home_client().clone(), region: account.home_region().to_string(), account }
    }
}

/// The deadline arrived before anything was read: an error, not an empty answer.
fn deadline_reached() -> AppError {
    AppError::DeadlineReached {
        message: "the invocation's deadline arrived before the first page was read; raise the function's timeout or lower page_size".into(),
    }
}
