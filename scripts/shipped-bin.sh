#!/usr/bin/env bash
# Builds the function as it ships (`cargo build --bin`, no dev-dependency features) and keeps a copy
# in .local/bin/, which the Python suites, the local deployment's zip and the benchmarks run.
#
# Why a copy: `cargo test` and `cargo build --examples` build the same binary with the
# dev-dependencies' features (the SDK's test-util brings serde_json's preserve_order) and put it at
# the same target/debug path. With the copy, the Rust tests can build and run while the Python suites
# use the shipped binary, and nothing depends on which cargo command ran last.
# PREBUILT=1: reuse the copy as it is (make test builds it once, before the suites start).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.local/bin/ddb-cross-account-reader
if [[ "${PREBUILT:-}" == 1 && -x "$out" ]]; then exit 0; fi
"${CARGO:-cargo}" build --locked --bin ddb-cross-account-reader
mkdir -p .local/bin
# Only a changed binary is copied: the zip made from it is rebuilt only when the copy is newer.
cmp -s target/debug/ddb-cross-account-reader "$out" || cp -p target/debug/ddb-cross-account-reader "$out"
