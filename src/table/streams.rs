//! Pagination streams: one task per stream (segment) reads its pages with the SDK's paginator,
//! converts the items to JSON and forwards the pages to the consumer (`read`), at most one page ahead.
//! A stream stops fetching once the pages it sent could fill the response.

use std::sync::Arc;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity, Select as SdkSelect};
use aws_sdk_dynamodb::Client;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::budget::{size_of, SharedRoom};
use crate::connect::call_error::{from_sdk, CallContext};
use crate::wire::convert::{item_to_raw, Item};
use crate::wire::cursor::Cursor;
use crate::wire::error::AppError;
use crate::wire::request::{Read, Select};

/// What a scan or query reads, shared by all its streams.
pub(super) struct StreamRequest {
    pub client: Client,
    pub role_arn: String,
    pub region: String,
    pub table: String,
    pub op: PagedOp,
    pub read: Read,
    /// DynamoDB `Limit` of every page.
    pub page_limit: Option<i32>,
    pub room: SharedRoom,
}

/// The operation-specific part of a paged read.
pub(super) enum PagedOp {
    Scan,
    Query { key_condition: String, scan_forward: bool },
}

/// One page, already converted to JSON.
pub(super) struct Page {
    /// The ExclusiveStartKey this page was read with, and how many of its items were dropped because
    /// a previous response already returned them.
    pub start_key: Option<Item>,
    pub skipped: usize,
    pub items: Vec<Box<RawValue>>,
    pub count: i32,
    pub scanned: i32,
    pub last_key: Option<Item>,
    pub capacity: Option<ConsumedCapacity>,
}

/// (stream index, its next page)
pub(super) type Msg = (usize, Result<Page, AppError>);

/// The parts of a Scan or Query output a page needs.
struct RawPage {
    items: Vec<Item>,
    count: i32,
    scanned: i32,
    last_key: Option<Item>,
    capacity: Option<ConsumedCapacity>,
}

/// The SDK's Scan and Query outputs have the same fields but no common trait.
macro_rules! raw_page_from {
    ($($output:ty),*) => {$(
        impl From<$output> for RawPage {
            fn from(o: $output) -> Self {
                RawPage {
                    items: o.items.unwrap_or_default(),
                    count: o.count,
                    scanned: o.scanned_count,
                    last_key: o.last_evaluated_key,
                    capacity: o.consumed_capacity,
                }
            }
        }
    )*};
}
raw_page_from!(ScanOutput, QueryOutput);

/// Sets what Scan and Query share on either's request builder (again, no common trait).
macro_rules! paged_read {
    ($builder:expr, $shared:expr, $start_key:expr) => {{
        let StreamRequest { table, read, page_limit, .. } = $shared;
        $builder
            .table_name(table)
            .set_index_name(read.index.clone())
            .set_filter_expression(read.filter.clone())
            .set_projection_expression(read.attributes.projection.clone())
            .set_expression_attribute_names(read.attributes.names.clone())
            .set_expression_attribute_values(read.values.clone())
            .set_consistent_read(read.consistent_read.then_some(true))
            .set_select((read.select == Select::Count).then_some(SdkSelect::Count))
            .set_limit(*page_limit)
            .set_exclusive_start_key($start_key)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    }};
}

/// Reads one stream's pages with the SDK paginator and forwards them, converted, to the consumer.
pub(super) async fn pump(
    shared: Arc<StreamRequest>,
    index: usize,
    segment: Option<(i32, i32)>,
    cursor: Cursor,
    tx: mpsc::Sender<Msg>,
) {
    let start_key = cursor.start_key.clone();
    match &shared.op {
        PagedOp::Scan => {
            let pages = paged_read!(shared.client.scan(), &*shared, start_key)
                .set_segment(segment.map(|s| s.0))
                .set_total_segments(segment.map(|s| s.1))
                .into_paginator()
                .send();
            forward(&shared, "dynamodb:Scan", index, cursor, pages, &tx).await
        }
        PagedOp::Query { key_condition, scan_forward } => {
            let pages = paged_read!(shared.client.query(), &*shared, start_key)
                .key_condition_expression(key_condition)
                .set_scan_index_forward((!scan_forward).then_some(false))
                .into_paginator()
                .send();
            forward(&shared, "dynamodb:Query", index, cursor, pages, &tx).await
        }
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
    let count_only = shared.read.select == Select::Count;
    let limit = shared.read.select.limit();
    let mut start_key = cursor.start_key;
    let mut skip = cursor.skip;
    // One response can take at most `limit` items and the response's bytes from this stream: reading
    // further pages would only spend read capacity on data the next call reads again.
    let (mut produced, mut bytes) = (0usize, 0usize);
    let enough = |produced: usize, bytes: usize| {
        !count_only && (limit.is_some_and(|l| produced >= l) || bytes >= shared.room.max())
    };
    // What this stream has claimed in `shared.room` for the page it is fetching (its first page
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
            Err(e) => Err(from_sdk(
                e,
                &CallContext { role_arn: &shared.role_arn, action, table: &shared.table, region: &shared.region },
            )),
        };
        let mut stop = msg.is_err();
        if let Ok(page) = &msg {
            start_key = page.last_key.clone();
            skip = 0;
            produced += page.items.len();
            let page_bytes = page.items.iter().map(|r| size_of(r)).sum::<usize>();
            bytes += page_bytes;
            shared.room.settle(page_bytes, std::mem::take(&mut claimed));
            stop = enough(produced, bytes);
            if !stop && page.last_key.is_some() && !count_only {
                if shared.room.claim(page_bytes) {
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
