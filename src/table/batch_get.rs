//! batch_get: the keys in chunks of at most 100 (BatchGetItem's maximum), within the response budget,
//! with the keys DynamoDB leaves unprocessed retried.

use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnConsumedCapacity};
use tokio::time::Instant;

use super::budget::{size_of, Budget, Room};
use super::retry::{Unprocessed, UNPROCESSED_ATTEMPTS};
use super::{deadline_reached, Outcome, Results, Stop, TableAccess};
use crate::connect::call_error::from_sdk;
use crate::wire::convert::{item_to_raw, Item};
use crate::wire::cursor::Position;
use crate::wire::error::AppError;
use crate::wire::request::BatchGet;

/// BatchGetItem's per-request key maximum.
const BATCH_GET_MAX_KEYS: usize = 100;

pub(super) async fn batch_get(
    access: &TableAccess,
    table: &str,
    batch: &BatchGet,
    budget: Budget,
) -> Result<Outcome, AppError> {
    let keys = &batch.keys;
    let mut offset = batch.offset;
    let mut outcome = Outcome::default();
    let mut room = Room::new(budget.max_response_bytes, 1);
    let mut chunk = BATCH_GET_MAX_KEYS;
    while offset < keys.len() {
        if Instant::now() >= budget.cutoff {
            if outcome.pages == 0 {
                return Err(deadline_reached());
            }
            outcome.stopped = Some(Stop::Deadline);
            break;
        }
        let end = (offset + chunk).min(keys.len());
        let items = fetch_chunk(access, table, batch, &keys[offset..end], &mut outcome.results, budget).await?;
        outcome.pages += 1;
        let raws = items.iter().map(item_to_raw).collect::<Result<Vec<_>, _>>()?;
        let size: usize = raws.iter().map(|r| size_of(r)).sum();
        if !room.fits(size) {
            if outcome.results.items.is_empty() && chunk > 1 {
                // Even the first chunk is too big: ask again for fewer keys.
                chunk = (end - offset).div_ceil(2);
                continue;
            }
            if !outcome.results.items.is_empty() {
                outcome.stopped = Some(Stop::Size);
                break;
            }
            // A single item always goes out (it is at most 400 KB), so every call makes progress.
        }
        room.take(size);
        for raw in &raws {
            outcome.results.items.push(raw);
        }
        offset = end;
    }
    outcome.results.count = outcome.results.items.len() as u64;
    outcome.results.scanned_count = outcome.results.count;
    if offset < keys.len() {
        outcome.resume = Some(Position::KeyOffset(offset));
    }
    Ok(outcome)
}

/// One BatchGetItem of ≤ 100 keys, retrying UnprocessedKeys with backoff while the budget allows.
async fn fetch_chunk(
    access: &TableAccess,
    table: &str,
    batch: &BatchGet,
    keys: &[Item],
    results: &mut Results,
    budget: Budget,
) -> Result<Vec<Item>, AppError> {
    let mut pending = keys.to_vec();
    let mut found = Vec::with_capacity(keys.len());
    let mut retry = Unprocessed::new(budget.cutoff);
    loop {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(std::mem::take(&mut pending)))
            .set_projection_expression(batch.attributes.projection.clone())
            .set_expression_attribute_names(batch.attributes.names.clone())
            .set_consistent_read(batch.consistent_read.then_some(true))
            .build()
            .map_err(|e| AppError::internal("building BatchGetItem", e))?;
        let mut out = access
            .client
            .batch_get_item()
            .request_items(table, request)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| from_sdk(e, &access.ctx("dynamodb:BatchGetItem", table)))?;
        for c in out.consumed_capacity() {
            results.add_capacity(Some(c));
        }
        if let Some(mut responses) = out.responses.take() {
            found.extend(responses.remove(table).unwrap_or_default());
        }
        pending = out.unprocessed_keys.take().and_then(|mut u| u.remove(table)).map(|k| k.keys).unwrap_or_default();
        if pending.is_empty() {
            return Ok(found);
        }
        if !retry.wait(pending.len()).await {
            break;
        }
    }
    Err(AppError::Throttled {
        message: format!(
            "{} of {} keys of a BatchGetItem on `{table}` stayed unprocessed after {UNPROCESSED_ATTEMPTS} attempts; retry later or raise the table's read capacity",
            pending.len(),
            keys.len(),
        ),
        source: None,
    })
}
