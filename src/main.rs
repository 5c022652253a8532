//! The reader Lambda's bootstrap: everything is in the library (`lambda::start`).

fn main() -> Result<(), lambda_runtime::Error> {
    fixed_mmap_threshold();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime")
        .block_on(ddb_cross_account_reader::internals::lambda::start::run())
}

/// glibc raises its mmap threshold to the size of each large block freed, so after the first page
/// every ~1.4 MB page body and its transcoded items come from the heap, whose freed space stays
/// resident. Kept at the 128 KiB default, large blocks are mapped and unmapped each time: peak RSS
/// returning a full 6 MB response fell from 29.6 to 22.9 MiB for about 8 % more CPU per item (page
/// faults), measured with the canned endpoint (BENCHMARKS.md). Set before any allocation matters.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fixed_mmap_threshold() {
    // SAFETY: mallopt only changes allocator settings; it is called before any other thread exists.
    let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    debug_assert_eq!(done, 1, "mallopt(M_MMAP_THRESHOLD) refused");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}
