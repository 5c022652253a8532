# Reliability: fuzzing, fault injection, deadline, load, secrets in logs.
#
# Fuzzing uses cargo-fuzz (libFuzzer). It needs nightly-only rustc flags (-Zsanitizer, sancov); on a
# stable toolchain RUSTC_BOOTSTRAP=1 unlocks them. cargo-fuzz itself is installed pinned into
# .tools/cargo. The fuzz crate (fuzz/) is its own workspace with its own target dir (fuzz/target):
# the first build compiles the whole dependency tree instrumented (~15-25 min on 2 cores); later
# builds only the targets.
CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ := .tools/cargo/bin/cargo-fuzz
FUZZ_TARGETS := request_parse value_convert token_decode transcode
FUZZ_RUNS ?= 1000000
FUZZ_SMOKE_SECONDS ?= 12
FUZZ_LOGS := .local/fuzz
FUZZ_ENV := RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
# -print_final_stats: the executed-runs count the report quotes; -dict: JSON and field-name tokens.
FUZZ_FLAGS = -print_final_stats=1 -dict=fuzz/dict/$(1).dict -timeout=10 -rss_limit_mb=2048
RELIABILITY_PY := .tools/venv/bin/python

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-tools test-reliability

$(CARGO_FUZZ):
	$(CARGO) install --locked --root .tools/cargo cargo-fuzz@$(CARGO_FUZZ_VERSION)

fuzz-tools: $(CARGO_FUZZ)

fuzz-build: $(CARGO_FUZZ) ## build the fuzz targets (instrumented, debug assertions on)
	$(FUZZ_ENV) $(CARGO_FUZZ) build

# Each target runs FUZZ_RUNS executions on its corpus (fuzz/corpus/TARGET, grown by the run); any
# panic or failed property stops the run with an artifact in fuzz/artifacts/TARGET.
fuzz: fuzz-build ## fuzz every target for FUZZ_RUNS executions (default 1,000,000 each); keeps the corpus
	@mkdir -p $(FUZZ_LOGS)
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t, $(FUZZ_RUNS) runs (log $(FUZZ_LOGS)/$$t.log)"; \
	  start=$$(date +%s); \
	  $(FUZZ_ENV) $(CARGO_FUZZ) run $$t fuzz/corpus/$$t -- -runs=$(FUZZ_RUNS) $(call FUZZ_FLAGS,$$t) \
	    >$(FUZZ_LOGS)/$$t.log 2>&1 || { tail -40 $(FUZZ_LOGS)/$$t.log; exit 1; }; \
	  echo "fuzz: $$t: $$(grep -o 'number_of_executed_units: [0-9]*' $(FUZZ_LOGS)/$$t.log | tail -1 | cut -d' ' -f2) runs," \
	    "$$(( $$(date +%s) - start )) s, corpus $$(ls fuzz/corpus/$$t | wc -l) files, no crash"; \
	done

# Bounded: FUZZ_SMOKE_SECONDS per target on a scratch copy of the corpus (the committed corpus is
# replayed first, so every input that ever mattered runs again). `make test` does not run it: the
# same properties run over the whole corpus and random inputs in `cargo test`
# (tests/fuzz_properties.rs), without the instrumented build of the whole dependency tree.
fuzz-smoke: fuzz-build ## short instrumented fuzz run of every target
	@mkdir -p $(FUZZ_LOGS)
	@for t in $(FUZZ_TARGETS); do \
	  scratch=$$(mktemp -d); cp -r fuzz/corpus/$$t/. $$scratch/; \
	  $(FUZZ_ENV) $(CARGO_FUZZ) run $$t $$scratch -- -max_total_time=$(FUZZ_SMOKE_SECONDS) $(call FUZZ_FLAGS,$$t) \
	    >$(FUZZ_LOGS)/$$t.smoke.log 2>&1 || { tail -40 $(FUZZ_LOGS)/$$t.smoke.log; rm -rf $$scratch; exit 1; }; \
	  rm -rf $$scratch; \
	  echo "fuzz-smoke: $$t: $$(grep -o 'number_of_executed_units: [0-9]*' $(FUZZ_LOGS)/$$t.smoke.log | tail -1 | cut -d' ' -f2) runs, no crash"; \
	done

# The Rust fault tests (tests/faults.rs: fakes of STS and DynamoDB) run with the other Rust tests
# (`make test-rust`); this is the wire side: the shipped binary through a fault-injecting proxy.
test-reliability: bin ## fault injection through a wire proxy, deadline, 1,000 invocations at concurrency 8, secrets in logs
	@scripts/bootstrap.sh local-aws terraform
	$(RELIABILITY_PY) -m pytest tests/reliability -q -p no:cacheprovider
