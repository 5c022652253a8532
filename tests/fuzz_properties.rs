//! The fuzz targets' properties as an ordinary test, without libFuzzer or an instrumented build.
//!
//! For each target (`fuzz/src/targets/NAME.rs`, the same files `make fuzz` drives) this replays every
//! input of the committed corpus (`fuzz/corpus/NAME`: everything the fuzzer ever kept), then random
//! inputs: fresh bytes, and corpus inputs with bytes flipped, inserted, removed or spliced, which
//! reach the properties behind the input's mode byte the way libFuzzer's mutations do. The random
//! inputs come from a fixed seed, so a run is repeatable; `FUZZ_PROPERTY_SEED` and
//! `FUZZ_PROPERTY_CASES` (per target and kind, default 50,000) change them. A failing input is
//! written to `target/fuzz-properties/NAME-*` to be replayed with `cargo fuzz run NAME FILE` or
//! added to the corpus.

#[allow(dead_code)]
#[path = "../fuzz/src/generate.rs"]
mod generate;
#[path = "../fuzz/src/targets/mod.rs"]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name} must be a whole number, got {v:?}")),
        Err(_) => default,
    }
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the committed corpus {} is missing: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("a corpus file"))).collect()
}

/// One of libFuzzer's simple mutations of `input` (with `other` for a splice).
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(out.len() + 1);
                let n = 1 + rng.below(8);
                let extra = rng.bytes(n);
                out.splice(i..i, extra);
            }
            3 if out.len() > 1 => {
                let i = rng.below(out.len());
                let n = 1 + rng.below((out.len() - i).min(16));
                out.drain(i..i + n);
            }
            _ => {
                let cut = rng.below(out.len() + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
        }
    }
    out
}

/// Runs `run` on every input; returns a description of each one that panicked (and keeps its bytes).
fn failures(target: &str, run: fn(&[u8]), inputs: impl Iterator<Item = (String, Vec<u8>)>) -> Vec<String> {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-properties");
    let mut failed = Vec::new();
    for (name, input) in inputs {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&input))) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            std::fs::create_dir_all(&out_dir).expect("the failure directory");
            let kept = out_dir.join(format!("{target}-{}", failed.len()));
            std::fs::write(&kept, &input).expect("the failing input");
            failed.push(format!("{name} (kept as {}): {why}", kept.display()));
        }
    }
    failed
}

fn check(target: &str, run: fn(&[u8])) {
    let corpus = corpus(target);
    assert!(corpus.len() >= 100, "{target}: only {} corpus inputs; is fuzz/corpus/{target} complete?", corpus.len());
    let mut failed = failures(target, run, corpus.iter().map(|(p, b)| (p.display().to_string(), b.clone())));

    let seed = env_number("FUZZ_PROPERTY_SEED", 0x5EED_D1CE);
    let cases = env_number("FUZZ_PROPERTY_CASES", 50_000);
    let mut rng = Rng(seed ^ target.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let fresh: Vec<(String, Vec<u8>)> = (0..cases)
        .map(|i| {
            let len = rng.below(512);
            (format!("random input {i} (seed {seed:#x})"), rng.bytes(len))
        })
        .collect();
    failed.extend(failures(target, run, fresh.into_iter()));
    let mutated: Vec<(String, Vec<u8>)> = (0..cases)
        .map(|i| {
            let (a, b) = (rng.below(corpus.len()), rng.below(corpus.len()));
            (format!("mutated input {i} (seed {seed:#x})"), mutate(&mut rng, &corpus[a].1, &corpus[b].1))
        })
        .collect();
    failed.extend(failures(target, run, mutated.into_iter()));
    assert!(failed.is_empty(), "{target}: {} inputs broke a property:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn request_parse_properties_hold_on_the_corpus_and_random_inputs() {
    check("request_parse", targets::request_parse::run);
}

#[test]
fn value_convert_properties_hold_on_the_corpus_and_random_inputs() {
    check("value_convert", targets::value_convert::run);
}

#[test]
fn token_decode_properties_hold_on_the_corpus_and_random_inputs() {
    check("token_decode", targets::token_decode::run);
}

#[test]
fn transcode_properties_hold_on_the_corpus_and_random_inputs() {
    check("transcode", targets::transcode::run);
}

/// The harness itself: a property that fails is reported with the input that broke it.
#[test]
fn a_broken_property_is_reported() {
    fn picky(data: &[u8]) {
        assert!(data.first() != Some(&7), "byte 0 is 7");
    }
    let inputs = [("fine".to_string(), vec![1u8]), ("bad".to_string(), vec![7u8, 1])];
    let failed = failures("selftest", picky, inputs.into_iter());
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].starts_with("bad") && failed[0].ends_with("byte 0 is 7"), "{failed:?}");
}
