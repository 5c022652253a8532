# Entry points. `make demo` runs the product end to end locally; `make test` is the whole test suite
# (what .ci/run runs). Tools install themselves, pinned, into .tools/ (scripts/bootstrap.sh).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
CARGO ?= cargo
BINARY := target/debug/ddb-cross-account-reader

.PHONY: help build test test-rust lint release zip

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

build: ## debug build of the function (what the tests run)
	$(CARGO) build --locked

lint: ## rustfmt, clippy and rustdoc (the library's docs), warnings are errors
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked

test-rust: ## unit tests and mock-backed fault tests
	$(CARGO) test --locked

# Order: cheap and independent first, so a failure shows fast.
test: ## the whole suite: lint, Rust tests, Terraform checks, IAM matrix, integration, reliability, smoke benchmark
	scripts/bootstrap.sh local-aws terraform
	$(MAKE) lint
	$(MAKE) test-rust
	$(MAKE) tf-check
	$(MAKE) test-iam
	$(MAKE) test-integration
	$(MAKE) test-reliability
	$(MAKE) fuzz-smoke
	$(MAKE) bench-smoke

release: ## optimized native build (benchmarks)
	$(CARGO) build --locked --release

zip: ## the deployable arm64 zip: target/lambda/ddb-cross-account-reader/bootstrap.zip
	scripts/bootstrap.sh cargo-lambda
	rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true
	PATH="$$PWD/.tools/cargo-lambda/bin:$$PATH" $(CARGO) lambda build --release --arm64 --output-format zip

include $(wildcard mk/*.mk)
