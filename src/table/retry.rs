//! Retrying what a batch call leaves unprocessed (BatchGetItem's UnprocessedKeys, BatchWriteItem's
//! UnprocessedItems): throttling inside a batch is not an SDK error, so the SDK's retry policy never
//! sees it. Full-jitter exponential backoff, as the SDK's own retries use, within the deadline.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use tokio::time::Instant;

/// Attempts of one batch call before what is still unprocessed is given up on.
pub(super) const UNPROCESSED_ATTEMPTS: u32 = 8;
const BACKOFF_BASE: Duration = Duration::from_millis(25);
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// The retries of one batch call.
pub(super) struct Unprocessed {
    attempt: u32,
    cutoff: Instant,
}

impl Unprocessed {
    pub(super) fn new(cutoff: Instant) -> Unprocessed {
        Unprocessed { attempt: 0, cutoff }
    }

    /// Waits before the next attempt at `pending` unprocessed entries; `false` when the attempts are
    /// used up or the wait would pass the deadline (the caller then reports what is left).
    pub(super) async fn wait(&mut self, pending: usize) -> bool {
        let delay = backoff(self.attempt);
        self.attempt += 1;
        if self.attempt >= UNPROCESSED_ATTEMPTS || Instant::now() + delay >= self.cutoff {
            return false;
        }
        tracing::debug!(unprocessed = pending, attempt = self.attempt, "retrying unprocessed entries");
        tokio::time::sleep(delay).await;
        true
    }
}

/// A uniformly random delay from 0 to 25 ms · 2^attempt, capped at 1 s.
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

    #[tokio::test]
    async fn gives_up_after_the_attempts_or_at_the_deadline() {
        let mut far = Unprocessed::new(Instant::now() + Duration::from_secs(60));
        let mut waits = 0;
        while far.wait(1).await {
            waits += 1;
        }
        assert_eq!(waits, UNPROCESSED_ATTEMPTS - 1, "one call plus this many retries");
        let mut passed = Unprocessed::new(Instant::now());
        assert!(!passed.wait(1).await, "no wait past the deadline");
    }
}
