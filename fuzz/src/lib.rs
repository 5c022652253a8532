//! The fuzz targets' bodies and the input generators they share.
//!
//! Each target is a plain function (`targets::NAME::run`) that panics when a property does not hold.
//! libFuzzer drives them through `fuzz_targets/NAME.rs` (`make fuzz`), and the main crate's
//! `tests/fuzz_properties.rs` includes these same files to replay the committed corpus and random
//! inputs in an ordinary `cargo test`, without the instrumented build. Paths inside these files are
//! `crate::generate` / `crate::targets`, which resolve the same way in both crates.

pub mod generate;
pub mod targets;
