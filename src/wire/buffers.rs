//! Large buffers kept for reuse: page bodies, their transcoded items and responses.
//!
//! Why: the bootstrap keeps glibc's mmap threshold at 128 KiB (`main.rs`, for a low peak RSS),
//! so every buffer of a page's size is mapped afresh and each of its pages faults on first touch.
//! With a 4,000-item page (1.4 MB body) that was about 1,100 page faults per invocation, about
//! 0.45 µs of the 1.45 µs of whole-process CPU per item (measured with the canned endpoint against
//! a build whose big buffers came from a reused heap). Buffers taken from here are already
//! resident. The pool is small (a few buffers, none over 4 MiB) and is emptied before a large
//! response is handed to the Lambda runtime, whose own copy of the response is the peak of a
//! full-size call: reuse never raises that peak.

use std::sync::{Mutex, PoisonError};

/// Buffers kept at most (a page body, its items and the response, plus one page read ahead).
const KEEP: usize = 4;
/// Larger buffers are freed, not kept: a page is at most 1 MB of items (about 1.5 MB of body).
const MAX_KEPT_CAPACITY: usize = 4 << 20;

static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// An empty buffer for about `bytes`: the smallest kept one that is large enough, else the largest
/// kept one (it grows in place as it fills: large blocks are remapped, not copied), else a new one.
pub(crate) fn take(bytes: usize) -> Vec<u8> {
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let fitting = pool.iter().enumerate().filter(|(_, b)| b.capacity() >= bytes).min_by_key(|(_, b)| b.capacity());
    let chosen = fitting.or_else(|| pool.iter().enumerate().max_by_key(|(_, b)| b.capacity())).map(|(i, _)| i);
    match chosen {
        Some(i) => pool.swap_remove(i),
        None => {
            drop(pool);
            Vec::with_capacity(bytes)
        }
    }
}

/// An empty `String` with room for at least `bytes` (see `take`).
pub(crate) fn take_string(bytes: usize) -> String {
    let mut buf = take(bytes);
    buf.clear();
    // An empty buffer is valid UTF-8.
    String::from_utf8(buf).unwrap_or_default()
}

/// Keeps `buf` for a later `take`, unless it is small (not worth keeping), too large, or the pool
/// is full (then the smallest goes).
pub(crate) fn give(mut buf: Vec<u8>) {
    if buf.capacity() < 64 * 1024 || buf.capacity() > MAX_KEPT_CAPACITY {
        return;
    }
    buf.clear();
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() == KEEP {
        let Some((smallest, _)) = pool.iter().enumerate().min_by_key(|(_, b)| b.capacity()) else { return };
        if pool[smallest].capacity() >= buf.capacity() {
            return;
        }
        pool.swap_remove(smallest);
    }
    pool.push(buf);
}

/// Frees every kept buffer (before a response so large that its copy is the call's memory peak).
pub(crate) fn release() {
    let kept = std::mem::take(&mut *POOL.lock().unwrap_or_else(PoisonError::into_inner));
    drop(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the pool is process-wide, so its steps must not interleave with another test's.
    #[test]
    fn buffers_come_back_smallest_fitting_first_and_within_bounds() {
        release();
        let a = take(100_000);
        let b = take(300_000);
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        give(a);
        give(b);
        let small = take(50_000);
        assert_eq!(small.as_ptr(), pa, "the smallest that fits");
        let large = take(200_000);
        assert_eq!(large.as_ptr(), pb);
        assert!(take(100).capacity() >= 100, "an empty pool makes a new buffer");
        give(small);
        give(large);
        let none_fits = take(900_000);
        assert_eq!(none_fits.as_ptr(), pb, "none fits: the largest");
        drop(none_fits);
        release();

        give(Vec::with_capacity(1000));
        give(Vec::with_capacity(MAX_KEPT_CAPACITY + 1));
        assert_eq!(POOL.lock().unwrap().len(), 0, "too small and too large buffers are not kept");

        for n in 1..=KEEP + 2 {
            give(Vec::with_capacity(n * 100_000));
        }
        let kept: Vec<usize> = POOL.lock().unwrap().iter().map(Vec::capacity).collect();
        assert_eq!(kept.len(), KEEP);
        assert!(kept.iter().all(|&c| c >= 300_000), "the smallest gave way: {kept:?}");

        let mut used = take(10);
        used.extend_from_slice(b"left over");
        give(used);
        assert!(take_string(10).is_empty(), "a kept buffer comes back empty");
        release();
        assert_eq!(POOL.lock().unwrap().len(), 0);
    }
}
