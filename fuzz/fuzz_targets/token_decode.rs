//! libFuzzer entry point; the body and its properties are in src/targets/token_decode.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_cross_account_reader_fuzz::targets::token_decode::run(data));
