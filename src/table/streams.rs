//! Pagination streams: one task per stream (segment) reads its pages, has their items transcoded to
//! JSON straight from the body (`page_body`) and forwards the pages to the consumer (`read`), at most one page ahead.
//! A stream stops fetching once the pages it sent could fill the response.

use std::sync::Arc;

use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity, Select as SdkSelect};
use aws_sdk_dynamodb::Client;
use tokio::sync::mpsc;

use super::budget::SharedRoom;
use super::page_body::TranscodeItems;
use crate::connect::call_error::{from_sdk, CallContext};
use crate::wire::convert::{item_to_raw, Item};
use crate::wire::cursor::Cursor;
use crate::wire::error::AppError;
use crate::wire::json_items::JsonItems;
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
    /// The page's items after the skipped ones.
    pub items: JsonItems,
    pub count: i32,
    pub scanned: i32,
    pub last_key: Option<Item>,
    pub capacity: Option<ConsumedCapacity>,
}

/// (stream index, its next page)
pub(super) type Msg = (usize, Result<Page, AppError>);

/// The parts of a Scan or Query output a page needs (the items are in the page body's slot, or
/// here when the body was left to the SDK).
struct RawPage {
    items: Option<Vec<Item>>,
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
                    items: o.items,
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

/// Reads one stream's pages, one call each (as the SDK's paginator would: the next page starts at
/// LastEvaluatedKey; none, an empty one or the same one again ends the stream), and forwards them,
/// converted, to the consumer.
pub(super) async fn pump(
    shared: Arc<StreamRequest>,
    index: usize,
    segment: Option<(i32, i32)>,
    cursor: Cursor,
    tx: mpsc::Sender<Msg>,
) {
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
    loop {
        let msg = fetch(&shared, segment, start_key.take(), skip).await;
        let mut stop = msg.is_err();
        if let Ok(page) = &msg {
            // The paginator's end: no key, or the key this page was read with (it would loop).
            stop = page.last_key.is_none() || page.last_key == page.start_key;
            start_key.clone_from(&page.last_key);
            skip = 0;
            produced += page.items.len();
            let page_bytes = page.items.size();
            bytes += page_bytes;
            shared.room.settle(page_bytes, std::mem::take(&mut claimed));
            stop = stop || enough(produced, bytes);
            if !stop && !count_only {
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

/// One page: the call (with the transcoding interceptor), its items as JSON without the first
/// `skip`, and its LastEvaluatedKey (an empty one is none).
async fn fetch(
    shared: &StreamRequest,
    segment: Option<(i32, i32)>,
    start_key: Option<Item>,
    skip: usize,
) -> Result<Page, AppError> {
    let transcoded = TranscodeItems::default();
    let ctx = |action| CallContext { role_arn: &shared.role_arn, action, table: &shared.table, region: &shared.region };
    let raw: RawPage = match &shared.op {
        PagedOp::Scan => paged_read!(shared.client.scan(), shared, start_key.clone())
            .set_segment(segment.map(|s| s.0))
            .set_total_segments(segment.map(|s| s.1))
            .customize()
            .interceptor(transcoded.clone())
            .send()
            .await
            .map_err(|e| from_sdk(e, &ctx("dynamodb:Scan")))?
            .into(),
        PagedOp::Query { key_condition, scan_forward } => paged_read!(shared.client.query(), shared, start_key.clone())
            .key_condition_expression(key_condition)
            .set_scan_index_forward((!scan_forward).then_some(false))
            .customize()
            .interceptor(transcoded.clone())
            .send()
            .await
            .map_err(|e| from_sdk(e, &ctx("dynamodb:Query")))?
            .into(),
    };
    let items = match (transcoded.take(), raw.items) {
        (Some(items), _) if skip == 0 => items,
        (Some(all), _) => {
            // Resuming mid-page (rare): one copy of the items after those already returned.
            let mut items = JsonItems::with_capacity(all.joined().len());
            items.extend_from(&all, skip.min(all.len())..all.len());
            all.recycle();
            items
        }
        (None, sdk_items) => {
            let mut items = JsonItems::default();
            for item in sdk_items.unwrap_or_default().iter().skip(skip) {
                items.push(&item_to_raw(item)?);
            }
            items
        }
    };
    Ok(Page {
        start_key,
        skipped: skip,
        items,
        count: raw.count,
        scanned: raw.scanned,
        last_key: raw.last_key.filter(|k| !k.is_empty()),
        capacity: raw.capacity,
    })
}
