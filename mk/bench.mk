# Benchmarks. `make bench` measures the release function against the Node.js and boto3
# references and rewrites BENCHMARKS.md; `make bench-smoke` runs the same driver at tiny fixed sizes on
# the debug build and only checks that every section completes (CI).
BENCH_PY := .tools/venv/bin/python
BENCH_NODE_STAMP := bench/node_modules/.installed

.PHONY: bench bench-smoke bench-deps bench-exports

# The bin and the example are built by separate cargo calls on purpose: built together, the bin would get
# the dev-dependencies' features (aws-sdk-dynamodb test-util) and would no longer be the shipped binary.

# Node.js reference + dynalite, exactly as locked (no resolved URLs in the lock: npm uses its configured registry).
$(BENCH_NODE_STAMP): bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	touch $@

bench-deps: $(BENCH_NODE_STAMP)
	scripts/bootstrap.sh local-aws

# BENCH_OLD=PATH: a previous release build of the function, measured beside this one (CPU, memory).
bench: bench-deps ## measure function vs Node.js/boto3 references (release + arm64 zip), rewrite BENCHMARKS.md
	$(CARGO) build --locked --release --bin ddb-cross-account-reader
	$(CARGO) build --locked --release --example bench_client
	$(MAKE) zip
	$(BENCH_PY) bench/run.py --out BENCHMARKS.md $(if $(BENCH_OLD),--old-binary $(BENCH_OLD))

bench-smoke: bench-deps bin ## tiny benchmark run on the debug build: every section must complete
	$(CARGO) build --locked --example bench_client
	$(BENCH_PY) bench/run.py --smoke --binary $(BINARY) \
		--client target/debug/examples/bench_client --results .local/bench/smoke-results.json \
		--out .local/bench/smoke-report.md

# The same measurement as bench/run.py's export_crossover section (make bench, bench-smoke), alone on the
# debug build in a local deployment of its own (about two minutes), sizes up to 20,000 items.
bench-exports: bin ## scan through tokens vs export-and-read on the local emulator (bench/export_crossover.py; debug build)
	$(BENCH_PY) bench/export_crossover.py
