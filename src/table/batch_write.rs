//! batch_write: puts and deletes in chunks of at most 25 (BatchWriteItem's maximum), with the
//! entries DynamoDB leaves in UnprocessedItems retried. When some are still not written, the error
//! names exactly which ones (`puts[i]`, `deletes[j]`) and how many were; a partial write is never
//! reported as success.

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, ReturnConsumedCapacity, WriteRequest};
use tokio::time::Instant;

use super::retry::{Unprocessed, UNPROCESSED_ATTEMPTS};
use super::{Budget, Outcome, Results, TableAccess};
use crate::connect::call_error::from_sdk;
use crate::wire::error::AppError;
use crate::wire::request::BatchWrite;

/// BatchWriteItem's per-request maximum.
const BATCH_WRITE_MAX_ITEMS: usize = 25;

/// Where an entry stands in the request: `puts[i]` or `deletes[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    list: &'static str,
    index: usize,
}

pub(super) async fn batch_write(
    access: &TableAccess,
    table: &str,
    batch: &BatchWrite,
    budget: Budget,
) -> Result<Outcome, AppError> {
    let mut entries = Vec::with_capacity(batch.puts.len() + batch.deletes.len());
    for (index, item) in batch.puts.iter().enumerate() {
        let put = PutRequest::builder().set_item(Some(item.clone())).build().map_err(building)?;
        entries.push((Entry { list: "puts", index }, WriteRequest::builder().put_request(put).build()));
    }
    for (index, key) in batch.deletes.iter().enumerate() {
        let delete = DeleteRequest::builder().set_key(Some(key.clone())).build().map_err(building)?;
        entries.push((Entry { list: "deletes", index }, WriteRequest::builder().delete_request(delete).build()));
    }
    let mut outcome = Outcome::default();
    let mut done = 0;
    for chunk in entries.chunks(BATCH_WRITE_MAX_ITEMS) {
        let left = |from: usize| entries[from..].iter().map(|(e, _)| *e).collect::<Vec<_>>();
        if Instant::now() >= budget.cutoff {
            return Err(incomplete(done, &left(done), "the invocation's deadline arrived", None));
        }
        match write_chunk(access, table, chunk, &mut outcome, budget).await {
            Ok(()) => done += chunk.len(),
            // Nothing written yet: the call's own error says what to fix.
            Err(Failure::Call(e)) if done == 0 => return Err(e),
            Err(Failure::Call(e)) => {
                let reason = format!("{}: {e}", e.error_type());
                return Err(incomplete(done, &left(done), &reason, Some(e)));
            }
            Err(Failure::Unprocessed(pending)) => {
                let mut not_written = pending;
                not_written.extend(left(done + chunk.len()));
                let written = entries.len() - not_written.len();
                let reason = format!(
                    "DynamoDB left them unprocessed (throttled) after {UNPROCESSED_ATTEMPTS} attempts; retry them later or raise the table's write capacity"
                );
                return Err(incomplete(written, &not_written, &reason, None));
            }
        }
    }
    outcome.results.count = done as u64;
    Ok(outcome)
}

enum Failure {
    /// The call failed: none of its entries were written.
    Call(AppError),
    /// These entries of the chunk are still unprocessed; the others were written.
    Unprocessed(Vec<Entry>),
}

/// One BatchWriteItem of ≤ 25 entries, retrying UnprocessedItems with backoff.
async fn write_chunk(
    access: &TableAccess,
    table: &str,
    chunk: &[(Entry, WriteRequest)],
    outcome: &mut Outcome,
    budget: Budget,
) -> Result<(), Failure> {
    let mut pending: Vec<usize> = (0..chunk.len()).collect();
    let mut retry = Unprocessed::new(budget.cutoff);
    loop {
        let requests: Vec<WriteRequest> = pending.iter().map(|&i| chunk[i].1.clone()).collect();
        let mut out = access
            .client
            .batch_write_item()
            .request_items(table, requests)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| Failure::Call(from_sdk(e, &access.ctx("dynamodb:BatchWriteItem", table))))?;
        outcome.pages += 1;
        add_all(&mut outcome.results, &out);
        let unprocessed = out.unprocessed_items.take().and_then(|mut u| u.remove(table)).unwrap_or_default();
        pending = still_pending(chunk, &pending, &unprocessed);
        if pending.is_empty() {
            return Ok(());
        }
        if !retry.wait(pending.len()).await {
            return Err(Failure::Unprocessed(pending.iter().map(|&i| chunk[i].0).collect()));
        }
    }
}

fn add_all(results: &mut Results, out: &aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput) {
    for c in out.consumed_capacity() {
        results.add_capacity(Some(c));
    }
}

/// The chunk positions of the `unprocessed` requests DynamoDB returned. A request that matches none
/// of the pending ones (never expected) keeps them all pending: re-sending a put or delete is
/// harmless, losing track of one is not.
fn still_pending(chunk: &[(Entry, WriteRequest)], pending: &[usize], unprocessed: &[WriteRequest]) -> Vec<usize> {
    let mut out = Vec::with_capacity(unprocessed.len());
    for request in unprocessed {
        match pending.iter().find(|&&i| chunk[i].1 == *request && !out.contains(&i)) {
            Some(&i) => out.push(i),
            None => return pending.to_vec(),
        }
    }
    out.sort_unstable();
    out
}

fn incomplete(written: usize, not_written: &[Entry], reason: &str, cause: Option<AppError>) -> AppError {
    AppError::BatchWriteIncomplete {
        message: format!(
            "{written} of {} entries written; not written: {} ({reason})",
            written + not_written.len(),
            ranges(not_written)
        ),
        source: cause.map(|c| std::sync::Arc::new(c) as crate::wire::error::Cause),
    }
}

/// `puts[0], puts[3] to puts[99], deletes[2]`: consecutive entries as one range.
fn ranges(entries: &[Entry]) -> String {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|e| (e.list != "puts", e.index));
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1].list == start.list && sorted[i + 1].index == end.index + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if end.index == start.index {
            format!("{}[{}]", start.list, start.index)
        } else {
            format!("{}[{}] to {}[{}]", start.list, start.index, end.list, end.index)
        });
        i += 1;
    }
    parts.join(", ")
}

fn building(e: aws_sdk_dynamodb::error::BuildError) -> AppError {
    AppError::internal("building BatchWriteItem", e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn put(pk: &str) -> WriteRequest {
        let item = [("pk".to_string(), AttributeValue::S(pk.into()))].into();
        WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().unwrap()).build()
    }

    #[test]
    fn ranges_name_every_entry_compactly() {
        let e = |list, index| Entry { list, index };
        let list = [e("deletes", 2), e("puts", 4), e("puts", 0), e("puts", 3), e("puts", 5), e("deletes", 3)];
        assert_eq!(ranges(&list), "puts[0], puts[3] to puts[5], deletes[2] to deletes[3]");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn unprocessed_requests_map_back_to_their_entries() {
        let chunk: Vec<(Entry, WriteRequest)> =
            ["a", "b", "c"].iter().enumerate().map(|(i, pk)| (Entry { list: "puts", index: i }, put(pk))).collect();
        assert_eq!(still_pending(&chunk, &[0, 1, 2], &[put("c"), put("a")]), vec![0, 2]);
        assert_eq!(still_pending(&chunk, &[0, 2], &[]), Vec::<usize>::new());
        assert_eq!(still_pending(&chunk, &[0, 2], &[put("zzz")]), vec![0, 2], "an unknown request keeps all");
    }
}
