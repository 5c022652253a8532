//! One module per fuzz target; each has `pub fn run(data: &[u8])`.

pub mod request_parse;
pub mod token_decode;
pub mod transcode;
pub mod value_convert;
