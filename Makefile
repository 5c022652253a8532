# Entry points. `make demo` runs the product end to end locally; `make test` is the whole test suite
# (what .ci/run runs). Tools install themselves, pinned, into .tools/ (scripts/bootstrap.sh).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
CARGO ?= cargo
# The shipped debug build, copied where `cargo test` cannot overwrite it (scripts/shipped-bin.sh);
# every Python suite, the local deployment's zip and bench-smoke run this file.
BINARY := .local/bin/ddb-cross-account-reader
export DDB_READER_BIN := $(CURDIR)/$(BINARY)

.PHONY: help build bin test test-rust lint release zip

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

build: ## debug build of the function
	$(CARGO) build --locked

bin: ## the shipped debug binary the suites run, kept in .local/bin/ (PREBUILT=1: use it as it is)
	@CARGO=$(CARGO) scripts/shipped-bin.sh

lint: ## rustfmt, clippy and rustdoc (the library's docs), warnings are errors
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked

test-rust: ## unit tests and mock-backed fault tests
	$(CARGO) test --locked

# The stages run in three lanes that overlap (scripts/test-suite.sh prints each stage's wall time and
# keeps its log in .local/test-logs/); CONTRIBUTING.md has the stages and their time budget.
test: ## the whole suite: lint, Rust tests (with the fuzz properties), Terraform, IAM matrix, integration, reliability, smoke benchmark
	scripts/test-suite.sh

release: ## optimized native build (benchmarks)
	$(CARGO) build --locked --release

zip: ## the deployable arm64 zip: target/lambda/ddb-cross-account-reader/bootstrap.zip
	scripts/bootstrap.sh cargo-lambda
	rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true
	PATH="$$PWD/.tools/cargo-lambda/bin:$$PATH" $(CARGO) lambda build --release --arm64 --output-format zip

include $(wildcard mk/*.mk)
