//! Table access: runs a checked `Request` against DynamoDB and assembles the response, within the
//! response-size cap, the item `limit` and the invocation's deadline.
//!
//! Scan and query pages come from the SDK's paginators, one task per stream (segment), so parallel
//! segments overlap their round trips and convert items to JSON on any core. The consumer takes pages
//! in arrival order and keeps, per stream, the exact point to resume from (page start key + items
//! already taken), so stopping mid-page never loses or repeats an item.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{ConsumedCapacity, KeysAndAttributes, ReturnConsumedCapacity, Select};
use aws_sdk_dynamodb::Client;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::convert::{item_to_raw, Item};
use crate::error::{from_sdk, AppError, CallContext};
use crate::request::{non_empty, Kind, ReadSpec, Request};
use crate::token::{self, Cursor, Position};

/// BatchGetItem's per-request key maximum.
const BATCH_GET_MAX_KEYS: usize = 100;
/// Attempts for keys DynamoDB leaves in UnprocessedKeys (throttling inside a batch is not an SDK error,
/// so the SDK's retry policy never sees it).
const UNPROCESSED_ATTEMPTS: u32 = 8;
/// Room kept for the response envelope (counts, next_token) besides the items.
const ENVELOPE_BYTES: usize = 4 * 1024;
/// Room per stream cursor in next_token: a key is at most 2048 + 1024 bytes, base64-inflated.
const CURSOR_BYTES: usize = 6 * 1024;

/// Why a response stopped before the end of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Limit,
    Size,
    Deadline,
    /// A page failed after earlier pages were returned; next_token resumes at the failed page.
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

#[derive(Debug, Default)]
pub struct Outcome {
    pub items: Vec<Box<RawValue>>,
    pub count: u64,
    pub scanned_count: u64,
    pub next_token: Option<String>,
    pub consumed_capacity: Option<f64>,
    pub pages: u32,
    pub stopped: Option<Stop>,
    /// The error that cut a partial response short (logged by the handler).
    pub page_error: Option<AppError>,
}

impl Outcome {
    fn add_capacity(&mut self, c: Option<&ConsumedCapacity>) {
        if let Some(units) = c.and_then(|c| c.capacity_units) {
            *self.consumed_capacity.get_or_insert(0.0) += units;
        }
    }
}

/// What one call may use.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_response_bytes: usize,
    /// Stop reading new pages after this instant (the Lambda deadline minus a margin).
    pub cutoff: Instant,
}

pub struct TableAccess<'a> {
    pub client: &'a Client,
    pub role_arn: &'a str,
}

impl TableAccess<'_> {
    pub async fn execute(&self, req: &Request, budget: Budget) -> Result<Outcome, AppError> {
        match &req.kind {
            Kind::Scan(spec) | Kind::Query(spec) => self.read(req, spec, budget).await,
            Kind::Get { key } => self.get(req, key).await,
            Kind::BatchGet { keys } => self.batch_get(req, keys, budget).await,
        }
    }

    fn ctx<'b>(&'b self, action: &'b str, table: &'b str) -> CallContext<'b> {
        CallContext { role_arn: self.role_arn, action, table }
    }

    async fn get(&self, req: &Request, key: &Item) -> Result<Outcome, AppError> {
        let out = self
            .client
            .get_item()
            .table_name(&req.table)
            .set_key(Some(key.clone()))
            .set_projection_expression(req.projection.clone())
            .set_expression_attribute_names(req.names.clone())
            .set_consistent_read(req.consistent_read)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| from_sdk(e, &self.ctx("dynamodb:GetItem", &req.table)))?;
        let mut outcome = Outcome { pages: 1, ..Default::default() };
        outcome.add_capacity(out.consumed_capacity());
        if let Some(item) = out.item() {
            outcome.items.push(item_to_raw(item)?);
        }
        outcome.count = outcome.items.len() as u64;
        outcome.scanned_count = outcome.count;
        Ok(outcome)
    }

    async fn batch_get(&self, req: &Request, keys: &[Item], budget: Budget) -> Result<Outcome, AppError> {
        let mut offset = match &req.next_token {
            None => 0,
            Some(t) => match token::decode(t, &req.fingerprint, 1)? {
                Position::KeyOffset(o) if o < keys.len() => o,
                _ => {
                    return Err(AppError::invalid(
                        "next_token",
                        "the token does not fit this batch_get's keys; pass it with the same request",
                    ))
                }
            },
        };
        let mut outcome = Outcome::default();
        let mut used = ENVELOPE_BYTES + CURSOR_BYTES;
        let mut chunk = BATCH_GET_MAX_KEYS;
        while offset < keys.len() {
            if Instant::now() >= budget.cutoff {
                if outcome.pages == 0 {
                    return Err(deadline_error());
                }
                outcome.stopped = Some(Stop::Deadline);
                break;
            }
            let end = (offset + chunk).min(keys.len());
            let items = self.batch_get_chunk(req, &keys[offset..end], &mut outcome, budget).await?;
            outcome.pages += 1;
            let raws = items.iter().map(item_to_raw).collect::<Result<Vec<_>, _>>()?;
            let size: usize = raws.iter().map(|r| r.get().len() + 1).sum();
            if used + size > budget.max_response_bytes {
                if outcome.items.is_empty() && chunk > 1 {
                    // Even the first chunk is too big: ask again for fewer keys.
                    chunk = (end - offset).div_ceil(2);
                    continue;
                }
                if !outcome.items.is_empty() {
                    outcome.stopped = Some(Stop::Size);
                    break;
                }
                // A single item always goes out (it is at most 400 KB), so every call makes progress.
            }
            used += size;
            outcome.items.extend(raws);
            offset = end;
        }
        outcome.count = outcome.items.len() as u64;
        outcome.scanned_count = outcome.count;
        if offset < keys.len() {
            outcome.next_token = Some(token::encode(&req.fingerprint, &Position::KeyOffset(offset))?);
        }
        Ok(outcome)
    }

    /// One BatchGetItem of ≤ 100 keys, retrying UnprocessedKeys with jittered exponential backoff.
    async fn batch_get_chunk(
        &self,
        req: &Request,
        keys: &[Item],
        outcome: &mut Outcome,
        budget: Budget,
    ) -> Result<Vec<Item>, AppError> {
        let mut pending = keys.to_vec();
        let mut found = Vec::with_capacity(keys.len());
        for attempt in 0..UNPROCESSED_ATTEMPTS {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .set_projection_expression(req.projection.clone())
                .set_expression_attribute_names(req.names.clone())
                .set_consistent_read(req.consistent_read)
                .build()
                .map_err(|e| AppError::Internal { message: format!("building BatchGetItem: {e}") })?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&req.table, request)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| from_sdk(e, &self.ctx("dynamodb:BatchGetItem", &req.table)))?;
            for c in out.consumed_capacity() {
                outcome.add_capacity(Some(c));
            }
            let mut out = out;
            if let Some(mut responses) = out.responses.take() {
                found.extend(responses.remove(&req.table).unwrap_or_default());
            }
            pending =
                out.unprocessed_keys.take().and_then(|mut u| u.remove(&req.table)).map(|k| k.keys).unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
            let delay = backoff(attempt);
            if Instant::now() + delay >= budget.cutoff {
                break;
            }
            tracing::debug!(unprocessed = pending.len(), attempt, "retrying UnprocessedKeys");
            tokio::time::sleep(delay).await;
        }
        Err(AppError::Throttled {
            message: format!(
                "{} of {} keys of a BatchGetItem on `{}` stayed unprocessed after {UNPROCESSED_ATTEMPTS} attempts; retry later or raise the table's read capacity",
                pending.len(),
                keys.len(),
                req.table
            ),
        })
    }

    async fn read(&self, req: &Request, spec: &ReadSpec, budget: Budget) -> Result<Outcome, AppError> {
        let streams = spec.segmentation.streams();
        let (page_limit, mut resume): (Option<i32>, Vec<Option<Cursor>>) = match &req.next_token {
            None => {
                // Each stream reads at most its share of `limit`, so a limited parallel scan does not read
                // segments × limit items to return `limit`.
                let share = spec.limit.map(|l| l.div_ceil(streams.len()).min(i32::MAX as usize) as i32);
                let page_limit = match (spec.page_size, share) {
                    (Some(p), Some(s)) => Some(p.min(s)),
                    (p, s) => p.or(s),
                };
                (page_limit, vec![Some(Cursor::default()); streams.len()])
            }
            Some(t) => match token::decode(t, &req.fingerprint, streams.len() as u32)? {
                Position::Streams { page_limit, cursors } => {
                    let mut resume = vec![None; streams.len()];
                    for (i, c) in cursors {
                        resume[i as usize] = Some(c);
                    }
                    (page_limit, resume)
                }
                Position::KeyOffset(_) => {
                    return Err(AppError::invalid(
                        "next_token",
                        "this token belongs to a batch_get, not a scan or query",
                    ))
                }
            },
        };

        let shared = Arc::new(StreamRequest {
            client: self.client.clone(),
            role_arn: self.role_arn.to_string(),
            req: req.clone(),
            spec: spec.clone(),
            page_limit,
            max_bytes: budget.max_response_bytes,
            // The consumer's own starting `used`, so both sides count against the same room.
            reserved: AtomicUsize::new(ENVELOPE_BYTES + CURSOR_BYTES * resume.iter().filter(|c| c.is_some()).count()),
        });
        // Capacity 1 per stream: each stream prefetches at most one page ahead of the consumer.
        let (tx, mut rx) = mpsc::channel(streams.len());
        let mut tasks = JoinSet::new();
        for (i, cursor) in resume.iter().enumerate() {
            if let Some(cursor) = cursor.clone() {
                tasks.spawn(pump(shared.clone(), i, streams[i], cursor, tx.clone()));
            }
        }
        drop(tx);

        let mut outcome = Outcome::default();
        let mut active = resume.iter().filter(|c| c.is_some()).count();
        let mut used = ENVELOPE_BYTES + CURSOR_BYTES * active;
        let deadline = tokio::time::sleep_until(budget.cutoff);
        tokio::pin!(deadline);
        'pages: while active > 0 {
            let (i, page) = tokio::select! {
                // A passed deadline wins over a page that is also ready.
                biased;
                _ = &mut deadline => {
                    if outcome.pages == 0 {
                        return Err(deadline_error());
                    }
                    outcome.stopped = Some(Stop::Deadline);
                    break;
                }
                msg = rx.recv() => match msg {
                    Some(m) => m,
                    None => break, // every stream ended
                },
            };
            let page = match page {
                Ok(p) => p,
                Err(e) if outcome.pages == 0 => return Err(e),
                Err(e) => {
                    // Keep what earlier pages gave; resume[i] still points at the failed page.
                    outcome.stopped = Some(Stop::PageError);
                    outcome.page_error = Some(e);
                    break;
                }
            };
            outcome.pages += 1;
            outcome.scanned_count += page.scanned as u64;
            outcome.add_capacity(page.capacity.as_ref());
            if spec.count_only {
                outcome.count += page.count as u64;
            } else {
                for (j, item) in page.items.into_iter().enumerate() {
                    let size = item.get().len() + 1;
                    let full = spec.limit.is_some_and(|l| outcome.items.len() >= l);
                    // The first item always goes out, so every call makes progress.
                    let too_big = used + size > budget.max_response_bytes && !outcome.items.is_empty();
                    if full || too_big {
                        resume[i] = Some(Cursor { start_key: page.start_key, skip: page.skipped + j });
                        outcome.stopped = Some(if full { Stop::Limit } else { Stop::Size });
                        break 'pages;
                    }
                    used += size;
                    outcome.items.push(item);
                }
            }
            resume[i] = page.last_key.map(|k| Cursor { start_key: Some(k), skip: 0 });
            if resume[i].is_none() {
                active -= 1;
            }
            if spec.limit.is_some_and(|l| outcome.items.len() >= l) && active > 0 {
                outcome.stopped = Some(Stop::Limit);
                break;
            }
        }
        // Streams that stopped reading because the response was full end the loop without a break.
        if outcome.stopped.is_none() && !spec.count_only && resume.iter().any(Option::is_some) {
            let full = spec.limit.is_some_and(|l| outcome.items.len() >= l);
            outcome.stopped = Some(if full { Stop::Limit } else { Stop::Size });
        }
        // Pages still in flight are abandoned; their streams resume from resume[i].
        tasks.abort_all();
        if !spec.count_only {
            outcome.count = outcome.items.len() as u64;
        }
        let cursors: Vec<(u32, Cursor)> =
            resume.into_iter().enumerate().filter_map(|(i, c)| c.map(|c| (i as u32, c))).collect();
        if !cursors.is_empty() {
            outcome.next_token = Some(token::encode(&req.fingerprint, &Position::Streams { page_limit, cursors })?);
        }
        Ok(outcome)
    }
}

fn deadline_error() -> AppError {
    AppError::Timeout {
        message: "the invocation's deadline arrived before the first page was read; raise the function's timeout or lower page_size".into(),
    }
}

/// Full-jitter exponential backoff: 25 ms · 2^attempt, capped at 1 s.
fn backoff(attempt: u32) -> Duration {
    let cap = Duration::from_millis(25 << attempt.min(6)).min(Duration::from_secs(1));
    // No RNG dependency for this: the clock's nanoseconds are jitter enough for spreading retries.
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    cap.mul_f64(0.5 + f64::from(nanos % 1000) / 2000.0)
}

struct StreamRequest {
    client: Client,
    role_arn: String,
    req: Request,
    spec: ReadSpec,
    page_limit: Option<i32>,
    max_bytes: usize,
    /// Response bytes claimed by all streams together: pages already sent to the consumer plus, for
    /// each stream fetching a page, the size of its previous page as an estimate. A stream fetches
    /// another page only while that fits in `max_bytes`; otherwise parallel streams would keep
    /// reading pages that the full response then throws away (and the next call reads again).
    reserved: AtomicUsize,
}

impl StreamRequest {
    /// Claims room for a page of about `estimate` bytes; false when the response has no room left.
    fn reserve(&self, estimate: usize) -> bool {
        let before = self.reserved.fetch_add(estimate, Ordering::Relaxed);
        if before + estimate > self.max_bytes {
            self.reserved.fetch_sub(estimate, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// One page, already converted to JSON.
struct Page {
    /// The ExclusiveStartKey this page was read with, and how many of its items were dropped because
    /// a previous response already returned them.
    start_key: Option<Item>,
    skipped: usize,
    items: Vec<Box<RawValue>>,
    count: i32,
    scanned: i32,
    last_key: Option<Item>,
    capacity: Option<ConsumedCapacity>,
}

/// The parts of a Scan or Query output a page needs.
struct RawPage {
    items: Vec<Item>,
    count: i32,
    scanned: i32,
    last_key: Option<Item>,
    capacity: Option<ConsumedCapacity>,
}

impl From<aws_sdk_dynamodb::operation::scan::ScanOutput> for RawPage {
    fn from(o: aws_sdk_dynamodb::operation::scan::ScanOutput) -> Self {
        RawPage {
            items: o.items.unwrap_or_default(),
            count: o.count,
            scanned: o.scanned_count,
            last_key: o.last_evaluated_key,
            capacity: o.consumed_capacity,
        }
    }
}

impl From<aws_sdk_dynamodb::operation::query::QueryOutput> for RawPage {
    fn from(o: aws_sdk_dynamodb::operation::query::QueryOutput) -> Self {
        RawPage {
            items: o.items.unwrap_or_default(),
            count: o.count,
            scanned: o.scanned_count,
            last_key: o.last_evaluated_key,
            capacity: o.consumed_capacity,
        }
    }
}

type Msg = (usize, Result<Page, AppError>);

/// Reads one stream's pages with the SDK paginator and forwards them, converted, to the consumer.
async fn pump(
    shared: Arc<StreamRequest>,
    index: usize,
    segment: Option<(i32, i32)>,
    cursor: Cursor,
    tx: mpsc::Sender<Msg>,
) {
    let StreamRequest { client, req, spec, page_limit, .. } = &*shared;
    let select = spec.count_only.then_some(Select::Count);
    match &req.kind {
        Kind::Scan(_) => {
            let pages = client
                .scan()
                .table_name(&req.table)
                .set_index_name(spec.index.clone())
                .set_filter_expression(spec.filter.clone())
                .set_projection_expression(req.projection.clone())
                .set_expression_attribute_names(req.names.clone())
                .set_expression_attribute_values(non_empty(&req.values))
                .set_consistent_read(req.consistent_read)
                .set_select(select)
                .set_limit(*page_limit)
                .set_segment(segment.map(|s| s.0))
                .set_total_segments(segment.map(|s| s.1))
                .set_exclusive_start_key(cursor.start_key.clone())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .into_paginator()
                .send();
            forward(&shared, "dynamodb:Scan", index, cursor, pages, &tx).await
        }
        Kind::Query(_) => {
            let pages = client
                .query()
                .table_name(&req.table)
                .set_index_name(spec.index.clone())
                .set_key_condition_expression(spec.key_condition.clone())
                .set_filter_expression(spec.filter.clone())
                .set_projection_expression(req.projection.clone())
                .set_expression_attribute_names(req.names.clone())
                .set_expression_attribute_values(non_empty(&req.values))
                .set_consistent_read(req.consistent_read)
                .set_scan_index_forward(spec.scan_forward)
                .set_select(select)
                .set_limit(*page_limit)
                .set_exclusive_start_key(cursor.start_key.clone())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .into_paginator()
                .send();
            forward(&shared, "dynamodb:Query", index, cursor, pages, &tx).await
        }
        _ => {}
    }
}

async fn forward<O, E, R>(
    shared: &StreamRequest,
    action: &str,
    index: usize,
    cursor: Cursor,
    mut pages: PaginationStream<Result<O, SdkError<E, R>>>,
    tx: &mpsc::Sender<Msg>,
) where
    O: Into<RawPage>,
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let mut start_key = cursor.start_key;
    let mut skip = cursor.skip;
    // One response can take at most `limit` items and `max_bytes` from this stream: reading further
    // pages would only spend read capacity on data the next call reads again.
    let (mut produced, mut bytes) = (0usize, 0usize);
    let enough = |produced: usize, bytes: usize| {
        !shared.spec.count_only && (shared.spec.limit.is_some_and(|l| produced >= l) || bytes >= shared.max_bytes)
    };
    // What this stream has claimed in `shared.reserved` for the page it is fetching (its first page
    // is always fetched, so every call makes progress).
    let mut claimed = 0usize;
    while let Some(result) = pages.next().await {
        let msg = match result {
            Ok(out) => {
                let raw: RawPage = out.into();
                let converted = raw.items.iter().skip(skip).map(item_to_raw).collect::<Result<Vec<_>, _>>();
                converted.map(|items| Page {
                    start_key: start_key.take(),
                    skipped: skip,
                    items,
                    count: raw.count,
                    scanned: raw.scanned,
                    last_key: raw.last_key.filter(|k| !k.is_empty()),
                    capacity: raw.capacity,
                })
            }
            Err(e) => Err(from_sdk(e, &CallContext { role_arn: &shared.role_arn, action, table: &shared.req.table })),
        };
        let mut stop = msg.is_err();
        if let Ok(page) = &msg {
            start_key = page.last_key.clone();
            skip = 0;
            produced += page.items.len();
            let page_bytes = page.items.iter().map(|r| r.get().len() + 1).sum::<usize>();
            bytes += page_bytes;
            // The page's real size replaces the estimate claimed for it (add first: never below zero).
            shared.reserved.fetch_add(page_bytes, Ordering::Relaxed);
            shared.reserved.fetch_sub(std::mem::take(&mut claimed), Ordering::Relaxed);
            stop = enough(produced, bytes);
            if !stop && page.last_key.is_some() && !shared.spec.count_only {
                if shared.reserve(page_bytes) {
                    claimed = page_bytes;
                } else {
                    stop = true;
                }
            }
        }
        if tx.send((index, msg)).await.is_err() || stop {
            return;
        }
    }
}
