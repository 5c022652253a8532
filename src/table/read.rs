//! Scan and query: the consumer side of the pagination streams. It takes pages in arrival order and
//! keeps, per stream, the exact point to resume from (page start key + items already taken), so
//! stopping mid-page never loses or repeats an item.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::budget::{Budget, Room, SharedRoom};
use super::streams::{pump, Page, PagedOp, StreamRequest};
use super::{deadline_reached, Outcome, Stop, TableAccess};
use crate::wire::cursor::{Cursor, Position, StreamCursors};
use crate::wire::error::AppError;
use crate::wire::request::{Query, Read, Scan, Segmentation, Select};

pub(super) async fn scan(access: &TableAccess, table: &str, scan: &Scan, budget: Budget) -> Result<Outcome, AppError> {
    read(access, table, PagedOp::Scan, &scan.read, scan.segmentation, budget).await
}

pub(super) async fn query(
    access: &TableAccess,
    table: &str,
    query: &Query,
    budget: Budget,
) -> Result<Outcome, AppError> {
    let op = PagedOp::Query { key_condition: query.key_condition.clone(), scan_forward: query.scan_forward };
    read(access, table, op, &query.read, Segmentation::Single, budget).await
}

/// Where each stream starts: from the request's cursors, or every segment from its beginning.
/// Each stream then reads at most its share of `limit`, so a limited parallel scan does not read
/// segments × limit items to return `limit`.
fn starting_points(read: &Read, streams: usize) -> (Option<i32>, Vec<Option<Cursor>>) {
    match &read.resume {
        Some(StreamCursors { page_limit, cursors }) => {
            let mut resume = vec![None; streams];
            for (i, c) in cursors {
                resume[*i as usize] = Some(c.clone());
            }
            (*page_limit, resume)
        }
        None => {
            let share = read.select.limit().map(|l| l.div_ceil(streams).min(i32::MAX as usize) as i32);
            let page_limit = match (read.page_size, share) {
                (Some(p), Some(s)) => Some(p.min(s)),
                (p, s) => p.or(s),
            };
            (page_limit, vec![Some(Cursor::default()); streams])
        }
    }
}

async fn read(
    access: &TableAccess,
    table: &str,
    op: PagedOp,
    read: &Read,
    segmentation: Segmentation,
    budget: Budget,
) -> Result<Outcome, AppError> {
    let streams = segmentation.streams();
    let (page_limit, resume) = starting_points(read, streams.len());
    let active = resume.iter().filter(|c| c.is_some()).count();
    let room = Room::new(budget.max_response_bytes, active);
    let shared = Arc::new(StreamRequest {
        client: access.client.clone(),
        role_arn: access.role_arn().to_string(),
        region: access.region.clone(),
        table: table.to_string(),
        op,
        read: read.clone(),
        page_limit,
        room: SharedRoom::new(room),
    });
    // Capacity 1 per stream: each stream prefetches at most one page ahead of the consumer.
    let (tx, rx) = mpsc::channel(streams.len());
    let mut tasks = JoinSet::new();
    for (i, cursor) in resume.iter().enumerate() {
        if let Some(cursor) = cursor.clone() {
            tasks.spawn(pump(shared.clone(), i, streams[i], cursor, tx.clone()));
        }
    }
    drop(tx);
    let mut consumer = Consumer { select: read.select, room, resume, active, outcome: Outcome::default() };
    let result = consumer.take_pages(rx, budget).await;
    // Pages still in flight are abandoned; their streams resume from `resume`.
    tasks.abort_all();
    result?;
    Ok(consumer.finish(page_limit))
}

struct Consumer {
    select: Select,
    room: Room,
    /// Per stream: where it continues; `None` once it is finished.
    resume: Vec<Option<Cursor>>,
    /// Streams not finished.
    active: usize,
    outcome: Outcome,
}

impl Consumer {
    fn full(&self) -> bool {
        self.select.limit().is_some_and(|l| self.outcome.results.items.len() >= l)
    }

    /// Takes pages until every stream ended or the response is done (limit, size, deadline, a
    /// failed page). An error only when nothing was read yet.
    async fn take_pages(
        &mut self,
        mut rx: mpsc::Receiver<super::streams::Msg>,
        budget: Budget,
    ) -> Result<(), AppError> {
        let deadline = tokio::time::sleep_until(budget.cutoff);
        tokio::pin!(deadline);
        while self.active > 0 {
            let (i, page) = tokio::select! {
                // A passed deadline wins over a page that is also ready.
                biased;
                _ = &mut deadline => {
                    if self.outcome.pages == 0 {
                        return Err(deadline_reached());
                    }
                    self.outcome.stopped = Some(Stop::Deadline);
                    return Ok(());
                }
                msg = rx.recv() => match msg {
                    Some(m) => m,
                    None => return Ok(()), // every stream ended
                },
            };
            let page = match page {
                Ok(p) => p,
                Err(e) if self.outcome.pages == 0 => return Err(e),
                Err(e) => {
                    // Keep what earlier pages gave; resume[i] still points at the failed page.
                    self.outcome.stopped = Some(Stop::PageError);
                    self.outcome.page_error = Some(e);
                    return Ok(());
                }
            };
            if !self.take(i, page) {
                return Ok(());
            }
            if self.full() && self.active > 0 {
                self.outcome.stopped = Some(Stop::Limit);
                return Ok(());
            }
        }
        Ok(())
    }

    /// Takes one page of stream `i`; false when the response filled up inside it.
    fn take(&mut self, i: usize, page: Page) -> bool {
        let results = &mut self.outcome.results;
        self.outcome.pages += 1;
        results.scanned_count += page.scanned as u64;
        results.add_capacity(page.capacity.as_ref());
        if self.select == Select::Count {
            results.count += page.count as u64;
        } else {
            let limit = self.select.limit();
            for j in 0..page.items.len() {
                let size = page.items.size_of(j);
                let full = limit.is_some_and(|l| results.items.len() + j >= l);
                // The first item always goes out, so every call makes progress.
                let first = results.items.is_empty() && j == 0;
                let too_big = !(first || self.room.fits(size));
                if full || too_big {
                    results.items.extend_from(&page.items, 0..j);
                    page.items.recycle();
                    self.resume[i] = Some(Cursor { start_key: page.start_key, skip: page.skipped + j });
                    self.outcome.stopped = Some(if full { Stop::Limit } else { Stop::Size });
                    return false;
                }
                self.room.take(size);
            }
            if results.items.is_empty() {
                // The first page's items become the response's without a copy.
                results.items = page.items;
            } else {
                results.items.extend_from(&page.items, 0..page.items.len());
                page.items.recycle();
            }
        }
        self.resume[i] = page.last_key.map(|k| Cursor { start_key: Some(k), skip: 0 });
        if self.resume[i].is_none() {
            self.active -= 1;
        }
        true
    }

    fn finish(mut self, page_limit: Option<i32>) -> Outcome {
        let count_only = self.select == Select::Count;
        // Streams that stopped reading because the response was full end the loop without a stop.
        if self.outcome.stopped.is_none() && !count_only && self.resume.iter().any(Option::is_some) {
            self.outcome.stopped = Some(if self.full() { Stop::Limit } else { Stop::Size });
        }
        if !count_only {
            self.outcome.results.count = self.outcome.results.items.len() as u64;
        }
        let cursors: Vec<(u32, Cursor)> =
            self.resume.into_iter().enumerate().filter_map(|(i, c)| c.map(|c| (i as u32, c))).collect();
        if !cursors.is_empty() {
            self.outcome.resume = Some(Position::Streams(StreamCursors { page_limit, cursors }));
        }
        self.outcome
    }
}
