"""1,000 invocations at concurrency 8 against the strict local AWS, served by ONE process
started with AWS_LAMBDA_MAX_CONCURRENCY=8 (Lambda Managed Instances: the function runs
`run_concurrent`, sharing one client and one credential cache). Expected: 0 errors, every answer
right, exactly 1 sts:AssumeRole for the whole run, and flat memory.

RSS (VmRSS of the process) is sampled after every 50 completed invocations; the curve is reported.
"Flat" is checked after warm-up: allocator arenas, connection pools and caches fill during the first
invocations, so the reference is the RSS after WARMUP invocations, and the rest of the run may not
grow it by more than GROWTH_KB, nor its second half by more than GROWTH_KB / 4 (a leak grows
linearly; arena growth levels off).
"""
import os
import threading
import time

from rel_support import assert_no_panic, key_of, table_keys
from local.runtime_concurrent import peak_in_flight

# RELIABILITY_INVOCATIONS=5000 makes it a longer soak (same checks).
INVOCATIONS = int(os.environ.get("RELIABILITY_INVOCATIONS", "1000"))
CONCURRENCY = 8
SAMPLE_EVERY = 50
WARMUP = 200
GROWTH_KB = 1024


def workload(aws):
    """A mix of every operation with the answer each must give, derived from the emulator's data."""
    orders = aws.data("orders")
    customers = aws.data("customers")
    cases = []
    for o in orders[:10]:
        key = {"pk": o["pk"]["S"], "sk": o["sk"]["S"]}
        cases.append(({"op": "get", "table": "orders", "key": key}, [(key["pk"], key["sk"])]))
    for pk in sorted({o["pk"]["S"] for o in orders}):
        expected = sorted((o["pk"]["S"], o["sk"]["S"]) for o in orders if o["pk"]["S"] == pk)
        cases.append(({"op": "query", "table": "orders", "key_condition": "pk = :pk", "values": {":pk": pk}}, expected))
    cases.append(({"op": "scan", "table": "customers"}, sorted((c["pk"]["S"],) for c in customers)))
    keys = [{"pk": c["pk"]["S"]} for c in customers[:5]]
    cases.append(({"op": "batch_get", "table": "customers", "keys": keys}, sorted((k["pk"],) for k in keys)))
    return cases


def test_1000_invocations_at_concurrency_8(start_function, aws, figures):
    cases = workload(aws)
    events = [cases[i % len(cases)] for i in range(INVOCATIONS)]
    aws.reset_stats()
    fn = start_function(concurrent=True, AWS_LAMBDA_MAX_CONCURRENCY=CONCURRENCY)
    rss = [(0, fn.rss_kb())]
    done = [0]
    lock = threading.Lock()

    def sample(_, __):
        with lock:
            done[0] += 1
            if done[0] % SAMPLE_EVERY == 0:
                rss.append((done[0], fn.rss_kb()))

    started = time.monotonic()
    results = fn.invoke_all([e for e, _ in events], concurrency=CONCURRENCY, timeout_s=60, on_result=sample)
    wall = time.monotonic() - started

    errors = [r for r in results if not r["ok"]]
    assert not errors, f"{len(errors)} errors, first: {errors[0]}"
    wrong = 0
    for (event, expected), r in zip(events, results):
        names = ("pk", "sk") if event["table"] == "orders" else ("pk",)
        if sorted(key_of(i, names) for i in r["payload"]["items"]) != expected:
            wrong += 1
    assert wrong == 0, f"{wrong} wrong answers"

    stats = aws.stats()
    assert stats.get("sts:AssumeRole") == 1, stats
    assert fn.alive()
    assert_no_panic(fn)

    peak = peak_in_flight(results)
    durations = sorted(r["duration_ms"] for r in results)
    curve = {n: kb for n, kb in rss}
    baseline = curve[WARMUP]
    growth = max(kb for n, kb in rss if n >= WARMUP) - baseline
    half = INVOCATIONS // 2 // SAMPLE_EVERY * SAMPLE_EVERY
    late_growth = curve[INVOCATIONS] - curve[half]
    figures["load"] = {
        "invocations": INVOCATIONS, "concurrency": CONCURRENCY, "errors": len(errors),
        "sts_assume_role": stats.get("sts:AssumeRole"), "peak_in_flight": peak,
        "wall_s": round(wall, 1), "per_s": round(INVOCATIONS / wall),
        "duration_ms_p50": round(durations[len(durations) // 2], 1),
        "duration_ms_p99": round(durations[int(len(durations) * 0.99)], 1),
        "rss_kb_by_invocations": curve, "rss_growth_after_warmup_kb": growth,
        "rss_growth_second_half_kb": late_growth,
        "peak_rss_kb": fn.peak_rss_kb(),
    }
    # the process really served invocations side by side
    assert peak > 1, f"never more than {peak} invocation in flight"
    assert growth <= GROWTH_KB, f"RSS grew {growth} kB after warm-up: {curve}"
    assert late_growth <= GROWTH_KB // 4, f"RSS grew {late_growth} kB in the second half: {curve}"
