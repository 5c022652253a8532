//! batch_get: the keys in chunks of at most 100 (BatchGetItem's maximum), within the response budget,
//! with the keys DynamoDB leaves unprocessed retried.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnConsumedCapacity};
use tokio::time::Instant;

use super::budget::{size_of, Budget, Room};
use super::{deadline_reached, Outcome, Results, Stop, TableAccess};
use crate::convert::{item_to_raw, Item};
use crate::cursor::Position;
use crate::error::{from_sdk, AppError};
use crate::request::BatchGet;

/// BatchGetItem's per-request key maximum.
const BATCH_GET_MAX_KEYS: usize = 100;
/// Attempts for keys DynamoDB leaves in UnprocessedKeys (throttling inside a batch is not an SDK error,
/// so the SDK's retry policy never sees it).
const UNPROCESSED_ATTEMPTS: u32 = 8;
const BACKOFF_BASE: Duration = Duration::from_millis(25);
const BACKOFF_CAP: Duration = Duration::from_secs(1);

pub async fn batch_get(
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
        outcome.results.items.extend(raws);
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
    for attempt in 0..UNPROCESSED_ATTEMPTS {
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
        let delay = backoff(attempt);
        if Instant::now() + delay >= budget.cutoff {
            break;
        }
        tracing::debug!(unprocessed = pending.len(), attempt, "retrying UnprocessedKeys");
        tokio::time::sleep(delay).await;
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

/// Full-jitter exponential backoff, as the SDK's own retries use: a uniformly random delay from 0 to
/// 25 ms · 2^attempt, capped at 1 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling = (BACKOFF_BASE * (1 << attempt.min(6))).min(BACKOFF_CAP);
    ceiling.mul_f64(unit_random())
}

/// A number in [0, 1): std's randomly seeded hasher keys are randomness enough to spread retries,
/// without a random-number crate for this one use.
fn unit_random() -> f64 {
    (RandomState::new().hash_one(0u8) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_ceiling() {
        for attempt in 0..10 {
            let ceiling = (BACKOFF_BASE * (1 << attempt.min(6))).min(BACKOFF_CAP);
            let delays: Vec<Duration> = (0..200).map(|_| backoff(attempt)).collect();
            assert!(delays.iter().all(|d| *d < ceiling.max(Duration::from_nanos(1))), "{attempt}: {delays:?}");
            // full jitter: delays below half the ceiling occur (equal jitter never goes there)
            assert!(delays.iter().any(|d| *d < ceiling / 2), "{attempt}: {delays:?}");
        }
        assert_eq!((BACKOFF_BASE * (1 << 6)).min(BACKOFF_CAP), BACKOFF_CAP);
    }
}
