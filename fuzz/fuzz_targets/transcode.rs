//! libFuzzer entry point; the body and its properties are in src/targets/transcode.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_cross_account_reader_fuzz::targets::transcode::run(data));
