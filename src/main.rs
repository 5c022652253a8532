//! The reader Lambda's bootstrap: everything is in the library (`lambda::start`).

fn main() -> Result<(), lambda_runtime::Error> {
    fixed_mmap_threshold();
    runtime()
        .enable_all()
        .build()
        .expect("the tokio runtime")
        .block_on(ddb_cross_account_reader::internals::lambda::start::run())
}

/// One thread unless the process serves several invocations at once (Lambda sets
/// AWS_LAMBDA_MAX_CONCURRENCY above 1 for that). An invocation is I/O waits and short CPU bursts,
/// and a multi-threaded runtime passes each wake-up between threads: measured with the canned
/// endpoint, a 1-item Scan invocation cost 420 µs of CPU with two worker threads and 280 µs on one,
/// a 4,000-item page 3.99 and 3.46 ms. Below 1,769 MB a function has less than one vCPU anyway.
fn runtime() -> tokio::runtime::Builder {
    let concurrent =
        std::env::var("AWS_LAMBDA_MAX_CONCURRENCY").ok().and_then(|v| v.parse::<u32>().ok()).is_some_and(|c| c > 1);
    if concurrent {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
}

/// glibc raises its mmap threshold to the size of each large block freed, so after the first page
/// every ~1.4 MB page body and its transcoded items come from the heap, whose freed space stays
/// resident. Kept at the 128 KiB default, large blocks are mapped and unmapped each time: peak RSS
/// returning a full 6 MB response fell from 29.6 to 22.9 MiB, measured with the canned endpoint
/// (BENCHMARKS.md). The page faults that costs are mostly avoided by reusing the large buffers the
/// reader controls (`wire::buffers`). Set before any allocation matters.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fixed_mmap_threshold() {
    // SAFETY: mallopt only changes allocator settings; it is called before any other thread exists.
    let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    debug_assert_eq!(done, 1, "mallopt(M_MMAP_THRESHOLD) refused");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}
