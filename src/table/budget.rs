//! The response budget: how many bytes of items one response may carry and until when pages may be
//! read.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::value::RawValue;
use tokio::time::Instant;

/// Room kept for the response envelope (counts, next_token) besides the items.
const ENVELOPE_BYTES: usize = 4 * 1024;
/// Room per stream cursor in next_token: a key is at most 2048 + 1024 bytes, base64-inflated.
const CURSOR_BYTES: usize = 6 * 1024;

/// What one call may use.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_response_bytes: usize,
    /// Stop reading new pages after this instant (the Lambda deadline minus a margin).
    pub cutoff: Instant,
}

/// What an item adds to the response: its JSON and a comma.
pub(super) fn size_of(item: &RawValue) -> usize {
    item.get().len() + 1
}

/// The bytes a response has used: the envelope, room for `cursors` cursors in next_token, and the
/// items taken so far.
#[derive(Debug, Clone, Copy)]
pub(super) struct Room {
    used: usize,
    max: usize,
}

impl Room {
    pub(super) fn new(max: usize, cursors: usize) -> Room {
        Room { used: ENVELOPE_BYTES + CURSOR_BYTES * cursors, max }
    }

    pub(super) fn fits(&self, bytes: usize) -> bool {
        self.used + bytes <= self.max
    }

    pub(super) fn take(&mut self, bytes: usize) {
        self.used += bytes;
    }
}

/// Response bytes claimed by all streams of a read together: pages already sent to the consumer plus,
/// for each stream fetching a page, the size of its previous page as an estimate. A stream fetches
/// another page only while that fits; otherwise parallel streams would keep reading pages that the
/// full response then throws away (and the next call reads again).
#[derive(Debug)]
pub(super) struct SharedRoom {
    reserved: AtomicUsize,
    max: usize,
}

impl SharedRoom {
    /// Starts where the consumer's own `Room` starts, so both count against the same room.
    pub(super) fn new(room: Room) -> SharedRoom {
        SharedRoom { reserved: AtomicUsize::new(room.used), max: room.max }
    }

    pub(super) fn max(&self) -> usize {
        self.max
    }

    /// Claims room for a page of about `estimate` bytes; false when the response has no room left.
    pub(super) fn claim(&self, estimate: usize) -> bool {
        let before = self.reserved.fetch_add(estimate, Ordering::Relaxed);
        if before + estimate > self.max {
            self.reserved.fetch_sub(estimate, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// A page of `actual` bytes arrived for which `claimed` bytes were claimed: the real size
    /// replaces the estimate (added first, so the count never goes below zero).
    pub(super) fn settle(&self, actual: usize, claimed: usize) {
        self.reserved.fetch_add(actual, Ordering::Relaxed);
        self.reserved.fetch_sub(claimed, Ordering::Relaxed);
    }
}
