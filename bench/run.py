"""The benchmark driver: measures the release function against the Node.js and boto3 references, in one
run, against the same local endpoints, and writes the results (JSON) and BENCHMARKS.md.

    .tools/venv/bin/python bench/run.py                 # everything (what `make bench` runs)
    .tools/venv/bin/python bench/run.py --only warm     # one section: cold, warm, access_modes, tls, canned, throughput, export_crossover
    .tools/venv/bin/python bench/run.py --only canned --old-binary /tmp/old/ddb-cross-account-reader
                                                        # a previous build beside (the canned and tls sections)
    .tools/venv/bin/python bench/run.py --smoke --binary target/debug/ddb-cross-account-reader \
        --client target/debug/examples/bench_client --out /tmp/bench-smoke.md

Endpoints (see BENCHMARKS.md for why each):
  cold, warm  — the strict two-account emulator (local/testing.py): real AssumeRole with ExternalId
                against the rendered IAM, and request counts per action (STS calls);
  access_modes — the same emulator, the function in ACCESS_MODE=assume_role and =resource_policy
                (the tables' resource policies and the execution role's direct grants added);
  tls         — the same emulator behind bench/tls_front.py (a throwaway CA, RSA 2048 like AWS's
                endpoints, ECDSA P-256 beside it): init and the first invocation over https://, CPU
                milliseconds of each process beside wall time;
  canned      — bench/canned_endpoint.py: prebuilt responses, so client CPU and memory show;
  throughput  — dynalite with N seeded items for DynamoDB, the canned endpoint for STS; then the canned
                endpoint again, paged and answering each page after a fixed delay (latency-bound).
"""
from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import dynalite  # noqa: E402
import items as bench_items  # noqa: E402
from impls import Impl, implementations  # noqa: E402
from measure import loadavg, machine, machine_jiffies, proc_cpu_ms, proc_cpu_seconds, settled_cpu_ms, summary  # noqa: E402

from local.deploy import conventional_name  # noqa: E402

# The local deployment's cross-account role, named by the project's naming rules (the canned
# endpoint signs nothing, so only its shape matters there).
DEMO_ROLE = conventional_name("cross_account_role_name")
SECTIONS = ("cold", "warm", "access_modes", "tls", "canned", "throughput", "export_crossover")

# boto3 builds a new Session per invocation (as its tutorials do), which reloads service models: about
# 0.2 s a call, so it gets fewer invocations than the others.
FULL = {"cold": {"function": 30, "node": 30, "boto3": 15}, "tls": {"function": 30, "node": 20, "boto3": 10, "probe": 200}, "warm": {"function": 1000, "node": 1000, "boto3": 100}, "roundtrip": 1000,
        "modes": {"cold": 30, "warm": 1000}, "crossover": {"sizes": [1000, 5000, 20000], "repeat": 3}, "canned_items": 4000, "small_items": 30,
        "cpu_invocations": {"function": 200, "node": 40, "boto3": 8}, "cpu_reps": 50, "cpu_rounds": 4,
        "cpu_invocations_one": {"function": 800, "node": 80, "boto3": 8},
        "full_response_pages": 12, "full_response_samples": 3,
        "dynalite_items": 100_000, "segments": [1, 2, 4, 8],
        "latency_pages": 48, "latency_ms": 50}
SMOKE = {"cold": {"function": 2, "node": 2, "boto3": 1}, "tls": {"function": 2, "node": 1, "boto3": 1, "probe": 3}, "warm": {"function": 20, "node": 20, "boto3": 3}, "roundtrip": 20,
         "modes": {"cold": 2, "warm": 20}, "crossover": {"sizes": [200], "repeat": 1}, "canned_items": 500, "small_items": 30,
         "cpu_invocations": {"function": 4, "node": 2, "boto3": 1}, "cpu_reps": 3, "cpu_rounds": 2,
         "cpu_invocations_one": {"function": 4, "node": 2, "boto3": 1},
         "full_response_pages": 3, "full_response_samples": 1,
         "dynalite_items": 2000, "segments": [1, 2],
         "latency_pages": 4, "latency_ms": 20}


class BenchError(RuntimeError):
    pass


def ok_payload(fn, result: dict) -> dict:
    if not result["ok"]:
        raise BenchError(f"{fn.name}: {result['error_type']}: {result['error_message']}\n{fn.text()[-2000:]}")
    return result["payload"]


# ---- cold and warm: the strict emulator ----------------------------------------------------------

def emulator_env(aws) -> dict[str, str]:
    """The deployed function's environment (role, ExternalId and all, as Terraform set them),
    without DEFAULT_TABLE: with it, init also runs the AssumeRole and warm-up DescribeTable, and
    "init" here is the function's own start-up (see BENCHMARKS.md)."""
    env = aws.function_env()
    env.pop("DEFAULT_TABLE", None)
    return env


def cold(aws, impls: list[Impl], counts: dict) -> dict:
    """Process start -> first GET /next (init), then the first invocation (AssumeRole + first Scan)."""
    expected = len(aws.data("orders"))
    variants = [(impl, impl.key, None) for impl in impls]
    # With DEFAULT_TABLE the function assumes the role and opens its connections during init instead.
    variants.insert(1, (impls[0], "function_warmup", {"DEFAULT_TABLE": "orders"}))
    out = {}
    for impl, key, extra in variants:
        init, first, sts = [], [], []
        for _ in range(counts[impl.key]):
            aws.reset_stats()
            fn = impl.start(emulator_env(aws), extra)
            try:
                init.append(fn.init_ms)
                r = fn.invoke(impl.scan_event("orders"))
                payload = ok_payload(fn, r)
                if payload["count"] != expected:
                    raise BenchError(f"{key}: first page has {payload['count']} items, the table {expected}")
                first.append(r["duration_ms"])
            finally:
                fn.stop()
            sts.append(aws.stats().get("sts:AssumeRole", 0))
        out[key] = {"init_ms": summary(init), "first_invocation_ms": summary(first),
                    "cold_total_ms": summary([a + b for a, b in zip(init, first)]), "sts_calls": sts}
    return out


def warm(aws, impls: list[Impl], counts: dict) -> dict:
    """n + 1 invocations of one process; every STS request that reaches the endpoint is counted."""
    expected = len(aws.data("orders"))
    out = {}
    for impl in impls:
        n = counts[impl.key]
        aws.reset_stats()
        fn = impl.start(emulator_env(aws))
        started = time.perf_counter()
        try:
            ok_payload(fn, fn.invoke(impl.scan_event("orders")))   # the cold one, not timed
            durations = []
            for _ in range(n):
                r = fn.invoke(impl.scan_event("orders"))
                if ok_payload(fn, r)["count"] != expected:
                    raise BenchError(f"{impl.key}: wrong item count")
                durations.append(r["duration_ms"])
        finally:
            fn.stop()
        stats = aws.stats()
        out[impl.key] = {"duration_ms": summary(durations), "invocations": n + 1,
                         "sts_calls": stats.get("sts:AssumeRole", 0), "scans": stats.get("dynamodb:Scan", 0),
                         "seconds": round(time.perf_counter() - started, 2)}
    return out


def access_modes(aws, impl: Impl, counts: dict) -> dict:
    """The function alone in each access mode on the same deployment and table, side by side: cold
    starts (init, then the first invocation) and one warm process. In assume_role mode the first
    invocation pays the AssumeRole; in resource_policy mode no STS request may reach the endpoint
    at all (a run that sees one fails)."""
    from local.testing import ResourcePolicyAccess, function_env
    expected = len(aws.data("orders"))
    access = ResourcePolicyAccess(aws).apply()
    modes = {"assume_role": {}, "resource_policy": access.function_overrides()}
    out = {}
    try:
        for mode, overrides in modes.items():
            env = function_env(aws, **overrides, DEFAULT_TABLE=None)  # init without network I/O, as in `cold`

            def scan(fn) -> float:
                r = fn.invoke(impl.scan_event("orders"))
                if ok_payload(fn, r)["count"] != expected:
                    raise BenchError(f"{mode}: wrong item count")
                return r["duration_ms"]

            init, first, sts = [], [], []
            for _ in range(counts["cold"]):
                aws.reset_stats()
                fn = impl.start(env)
                try:
                    init.append(fn.init_ms)
                    first.append(scan(fn))
                finally:
                    fn.stop()
                sts.append(aws.stats().get("sts:AssumeRole", 0))
            aws.reset_stats()
            fn = impl.start(env)
            try:
                scan(fn)  # the cold one, not timed
                durations = [scan(fn) for _ in range(counts["warm"])]
            finally:
                fn.stop()
            stats = aws.stats()
            sts_warm = sum(v for k, v in stats.items() if k.startswith("sts:"))
            out[mode] = {"init_ms": summary(init), "first_invocation_ms": summary(first),
                         "cold_total_ms": summary([a + b for a, b in zip(init, first)]), "cold_sts_calls": sts,
                         "warm_ms": summary(durations), "warm_invocations": counts["warm"] + 1,
                         "warm_sts_calls": sts_warm, "warm_scans": stats.get("dynamodb:Scan", 0)}
    finally:
        access.remove()
    out["loadavg"] = loadavg()
    rp = out["resource_policy"]
    if any(rp["cold_sts_calls"]) or rp["warm_sts_calls"]:
        raise BenchError(f"resource_policy mode made STS calls: cold {rp['cold_sts_calls']}, warm {rp['warm_sts_calls']}")
    if set(out["assume_role"]["cold_sts_calls"]) != {1}:
        raise BenchError(f"assume_role mode: {out['assume_role']['cold_sts_calls']} AssumeRole per cold start, not 1")
    return out


def tls(aws, impls: list[Impl], counts: dict, baseline: str | None, client: str) -> dict:
    """Cold starts over https://: the emulator behind the TLS front, each client trusting its CA through
    its standard setting. Per sample: init (spawn -> first GET /next) and the first invocation, in wall
    ms and in CPU ms of the process (CPU is what Lambda's small memory sizes stretch: 128 MB gets
    about 7 % of a core), the TLS connections the process opened, and its AssumeRole calls. The same
    function over plain HTTP gives what TLS adds; `baseline` (an older build of the function) runs
    beside it in the same run. Then the TLS choices in-process (`examples/bench_client.rs tls`): root
    store loading, and handshakes per key exchange against each certificate kind."""
    from tls_front import TlsFront, make_pki
    expected = len(aws.data("orders"))
    warmup = {"DEFAULT_TABLE": "orders"}
    fn_impl = impls[0]
    old = Impl("function", "baseline", baseline) if baseline else None
    out: dict = {"variants": []}
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as tmp:
        pkis = {kind: make_pki(Path(tmp), kind) for kind in ("rsa2048", "ecdsa-p256")}
        fronts = {kind: TlsFront(aws.endpoint, pki) for kind, pki in pkis.items()}
        try:
            # (key, implementation, certificate kind or None for plain HTTP, extra environment)
            variants = [("function", fn_impl, None, None), ("function", fn_impl, "rsa2048", None),
                        ("function_warmup", fn_impl, "rsa2048", warmup)]
            if old:
                variants += [("baseline", old, "rsa2048", None), ("baseline_warmup", old, "rsa2048", warmup)]
            variants += [("function", fn_impl, "ecdsa-p256", None), ("function_warmup", fn_impl, "ecdsa-p256", warmup),
                         ("node", impls[1], "rsa2048", None), ("boto3", impls[2], "rsa2048", None)]
            for key, impl, kind, extra in variants:
                env = emulator_env(aws)
                if kind:
                    env.update(pkis[kind].trust_env(), AWS_ENDPOINT_URL=fronts[kind].endpoint)
                front = fronts.get(kind)
                samples = {k: [] for k in ("init_ms", "init_cpu_ms", "first_ms", "first_cpu_ms", "total_cpu_ms")}
                conns, sts = [], []
                for _ in range(counts[impl.key]):
                    aws.reset_stats()
                    before = front.connections if front else 0
                    fn = impl.start(env, extra)
                    try:
                        init_cpu = settled_cpu_ms(fn.proc.pid)
                        r = fn.invoke(impl.scan_event("orders"))
                        if ok_payload(fn, r)["count"] != expected:
                            raise BenchError(f"{key} ({kind or 'plain'}): wrong item count")
                        total_cpu = settled_cpu_ms(fn.proc.pid)
                    finally:
                        fn.stop()
                    samples["init_ms"].append(fn.init_ms)
                    samples["init_cpu_ms"].append(init_cpu)
                    samples["first_ms"].append(r["duration_ms"])
                    samples["first_cpu_ms"].append(total_cpu - init_cpu)
                    samples["total_cpu_ms"].append(total_cpu)
                    conns.append((front.connections - before) if front else None)
                    calls = aws.stats()
                    sts.append(calls.get("sts:AssumeRole", 0))
                out["variants"].append({"key": key, "binary": impl.binary, "transport": f"https ({kind})" if kind else "http",
                                        "cert": kind, "default_table": bool(extra), "connections": conns, "sts_calls": sts,
                                        "calls_last_sample": calls,
                                        **{k: summary(v) for k, v in samples.items()}})
            out["probe"] = {}
            for kind, front in fronts.items():
                p = subprocess.run([client, "tls", front.endpoint.removeprefix("https://"), str(counts["probe"])],
                                   env={"PATH": "/usr/bin:/bin", **pkis[kind].trust_env()}, capture_output=True, text=True, timeout=600)
                if p.returncode != 0:
                    raise BenchError(f"bench_client tls failed: {p.stderr[-2000:]}")
                probe = json.loads(p.stdout)
                for v in probe["kx"].values():
                    v["handshake_ns"] = summary(v["handshake_ns"])
                out["probe"][kind] = probe
        finally:
            for front in fronts.values():
                front.stop()
        out["system_roots"] = pkis["rsa2048"].system_roots
        out["server_tls"] = ssl.OPENSSL_VERSION   # what the TLS front negotiates with (its key exchanges)
    out["loadavg"] = loadavg()
    return out


def raw_roundtrip(client: str, env: dict[str, str], n: int, table: str) -> dict:
    """The same Scan through the same SDK client configuration, timed in-process (examples/bench_client.rs)."""
    full_env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", **env}
    p = subprocess.run([client, "roundtrip", str(n), table], env=full_env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise BenchError(f"bench_client roundtrip failed: {p.stderr[-2000:]}")
    return summary(json.loads(p.stdout)["latencies_ms"])


# ---- canned endpoint: memory and CPU -------------------------------------------------------------

class CannedEndpoint:
    def __init__(self, items: int, pages: int = 1, latency_ms: float = 0):
        self.proc = subprocess.Popen([sys.executable, str(BENCH / "canned_endpoint.py"), "--port", "0", "--items", str(items),
                                      "--pages", str(pages), "--latency-ms", str(latency_ms)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "listening":
            raise BenchError("the canned endpoint did not start")
        self.endpoint = f"http://127.0.0.1:{line[1]}"
        self.page_bytes = int(line[5])
        self.items = items

    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "AKIDBENCHEXEC", "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_SESSION_TOKEN": "bench-execution-role", "ROLE_ARN": f"arn:aws:iam::111111111111:role/{DEMO_ROLE}"}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def cpu_run(impl: Impl, endpoint: CannedEndpoint, k: int) -> tuple[float, list[float], float]:
    """CPU seconds of a fresh process over k timed invocations of the canned page (after two untimed
    ones), their durations, and the wall time. CPU time is summed over the process's threads at
    nanosecond resolution (clock ticks would round a 1-item invocation away)."""
    fn = impl.start(endpoint.env())
    try:
        for _ in range(2):   # AssumeRole, connections, allocator warm-up
            ok_payload(fn, fn.invoke(impl.scan_event("canned")))
        cpu0, wall0 = proc_cpu_ms(fn.proc.pid) / 1e3, time.perf_counter()
        durations = []
        for _ in range(k):
            r = fn.invoke(impl.scan_event("canned"))
            if ok_payload(fn, r)["count"] != endpoint.items:
                raise BenchError(f"{impl.key}: wrong item count from the canned page")
            durations.append(r["duration_ms"])
        return proc_cpu_ms(fn.proc.pid) / 1e3 - cpu0, durations, time.perf_counter() - wall0
    finally:
        fn.stop()


def canned(impls: list[Impl], cfg: dict, client: str, old_binary: str | None = None) -> dict:
    out: dict = {}
    # The function, and the previous build side by side when given (--old-binary).
    functions = [impls[0]] + ([Impl("function_old", "Rust function, previous build", old_binary)] if old_binary else [])
    big = CannedEndpoint(cfg["canned_items"])
    one = CannedEndpoint(1)
    small = CannedEndpoint(cfg["small_items"])
    paged = CannedEndpoint(cfg["canned_items"], pages=cfg["full_response_pages"])
    try:
        out["page"] = {"items": big.items, "wire_bytes": big.page_bytes}
        # Peak RSS while returning one ~1 MB page, each from a fresh process.
        out["rss"] = {}
        for impl in functions + impls[1:]:
            fn = impl.start(big.env())
            try:
                after_init = fn.peak_rss_kb()
                r = fn.invoke(impl.scan_event("canned"))
                if ok_payload(fn, r)["count"] != big.items:
                    raise BenchError(f"{impl.key}: wrong item count from the canned page")
                out["rss"][impl.key] = {"after_init_kb": after_init, "peak_kb": fn.peak_rss_kb(),
                                        "response_bytes": len(r["raw"])}
            finally:
                fn.stop()
        # Peak RSS while returning a full response (up to the 6 MB cap) read from ~1 MB pages.
        out["rss_full"] = {}
        for impl in functions:
            samples = []
            for _ in range(cfg["full_response_samples"]):
                fn = impl.start(paged.env())
                try:
                    after_init = fn.peak_rss_kb()
                    r = fn.invoke(impl.scan_event("canned"))
                    payload = ok_payload(fn, r)
                    samples.append({"after_init_kb": after_init, "peak_kb": fn.peak_rss_kb(),
                                    "response_bytes": len(r["raw"]), "items": payload["count"]})
                finally:
                    fn.stop()
            out["rss_full"][impl.key] = max(samples, key=lambda v: v["peak_kb"])
        # Whole-process CPU per item: HTTP, SDK parsing, conversion, response, Runtime API. Each
        # process's CPU per invocation of the big page minus the same on a 1-item page (what an
        # invocation costs whatever its size: the event, signing, the Runtime API, the log line; for
        # the references also their AssumeRole and client), divided by the items between them. The
        # function and its previous build alternate, in rounds, so machine load hits both alike.
        out["cpu"] = {}
        rounds = cfg["cpu_rounds"]
        acc = {impl.key: {"cpu": 0.0, "durations": [], "wall": 0.0, "k": 0, "one_cpu": 0.0, "one_k": 0} for impl in functions}
        for rnd in range(rounds):
            for impl in functions if rnd % 2 == 0 else functions[::-1]:
                k = max(1, cfg["cpu_invocations"]["function"] // rounds)
                cpu, durations, wall = cpu_run(impl, big, k)
                k_one = max(1, cfg["cpu_invocations_one"]["function"] // rounds)
                one_cpu, _, _ = cpu_run(impl, one, k_one)
                a = acc[impl.key]
                a["cpu"] += cpu
                a["durations"] += durations
                a["wall"] += wall
                a["k"] += k
                a["one_cpu"] += one_cpu
                a["one_k"] += k_one
        for impl in impls[1:]:
            k, k_one = cfg["cpu_invocations"][impl.key], cfg["cpu_invocations_one"][impl.key]
            cpu, durations, wall = cpu_run(impl, big, k)
            one_cpu, _, _ = cpu_run(impl, one, k_one)
            acc[impl.key] = {"cpu": cpu, "durations": durations, "wall": wall, "k": k, "one_cpu": one_cpu, "one_k": k_one}
        for key, a in acc.items():
            per_invocation, fixed = a["cpu"] / a["k"], a["one_cpu"] / a["one_k"]
            out["cpu"][key] = {"invocations": a["k"], "items": a["k"] * big.items, "cpu_s": round(a["cpu"], 3),
                               "one_item_invocations": a["one_k"], "one_item_cpu_ms": fixed * 1e3,
                               "ns_per_item": (per_invocation - fixed) * 1e9 / (big.items - 1),
                               "gross_ns_per_item": a["cpu"] * 1e9 / (a["k"] * big.items), "duration_ms": summary(a["durations"]),
                               "wall_s": round(a["wall"], 2)}
        # In-process split of the function's per-item CPU (examples/bench_client.rs cpu).
        with tempfile.NamedTemporaryFile(suffix=".json") as page:
            page.write(bench_items.scan_page(cfg["canned_items"]))
            page.flush()
            p = subprocess.run([client, "cpu", page.name, str(cfg["cpu_reps"])], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise BenchError(f"bench_client cpu failed: {p.stderr[-2000:]}")
        split = json.loads(p.stdout)
        out["split"] = {"items": split["items"], "sdk_ns_per_item": summary(split["sdk_ns_per_item"]),
                        "convert_ns_per_item": summary(split["convert_ns_per_item"]),
                        "transcode_ns_per_item": summary(split["transcode_ns_per_item"]),
                        "transcode_read_ns_per_item": summary(split["transcode_read_ns_per_item"]),
                        "floor_ns_per_item": summary(split["floor_ns_per_item"])}
        # Warm overhead with an endpoint that costs next to nothing: small page, function vs raw SDK call.
        fn = impls[0].start(small.env())
        try:
            ok_payload(fn, fn.invoke(impls[0].scan_event("canned")))
            durations = [fn.invoke(impls[0].scan_event("canned"))["duration_ms"] for _ in range(cfg["warm"]["function"])]
        finally:
            fn.stop()
        out["overhead_small"] = {"items": small.items, "function_ms": summary(durations),
                                 "raw_ms": raw_roundtrip(client, small.env(), cfg["roundtrip"], "canned")}
    finally:
        big.stop()
        one.stop()
        small.stop()
        paged.stop()
    return out


# ---- throughput: dynalite ------------------------------------------------------------------------

def full_scan(impl: Impl, env: dict, endpoint_cpu, segments: int | None, expected: int, distinct: int | None = None) -> dict:
    """Scans a whole table from a fresh process, following the continuation until the end; checks that
    `expected` items came back, `distinct` (default: all) of them different."""
    fn = impl.start(env)
    keys: set[str] = set()
    total, calls, durations = 0, 0, []
    try:
        cpu_fn0, (cpu_db0, cpu_dball0) = proc_cpu_seconds(fn.proc.pid), endpoint_cpu()
        cpu_self0, (busy0, total0), wall0 = time.process_time(), machine_jiffies(), time.perf_counter()
        resume = None
        while True:
            r = fn.invoke(impl.scan_event(dynalite.TABLE, resume, segments), timeout_s=120)
            payload = ok_payload(fn, r)
            calls += 1
            durations.append(r["duration_ms"])
            total += len(payload["items"])
            keys.update(i["pk"] for i in payload["items"])
            resume = impl.resume_of(payload)
            if not resume:
                break
        wall = time.perf_counter() - wall0
        cpu_db, cpu_dball = (b - a for a, b in zip((cpu_db0, cpu_dball0), endpoint_cpu()))
        cpu_fn, cpu_self = proc_cpu_seconds(fn.proc.pid) - cpu_fn0, time.process_time() - cpu_self0
        busy1, total1 = machine_jiffies()
    finally:
        fn.stop()
    if total != expected or len(keys) != (distinct or expected):
        raise BenchError(f"{impl.key} segments={segments}: read {total} items ({len(keys)} distinct), the table holds {expected}")
    busy_s = sum(durations) / 1000
    return {"segments": segments or 1, "items": total, "invocations": calls, "busy_s": round(busy_s, 3),
            "wall_s": round(wall, 3), "items_per_s": total / busy_s, "function_cpu_s": round(cpu_fn, 2),
            "endpoint_cpu_s": round(cpu_db, 2), "endpoint_busy": round(cpu_db / wall, 2),
            "endpoint_all_threads_cpu_s": round(cpu_dball, 2), "driver_cpu_s": round(cpu_self, 2),
            "machine_busy": round((busy1 - busy0) / max(1, total1 - total0), 2)}


def throughput(impls: list[Impl], cfg: dict, db_root: Path) -> dict:
    n = cfg["dynalite_items"]
    sts = CannedEndpoint(1)
    d = dynalite.seeded(db_root, n)
    try:
        env = dict(sts.env(), AWS_ENDPOINT_URL_DYNAMODB=d.endpoint, AWS_ENDPOINT_URL_STS=sts.endpoint)
        del env["AWS_ENDPOINT_URL"]
        # dynalite: its JavaScript thread (the serial part) and the whole process (LevelDB threads too).
        cpu = lambda: (d.cpu_seconds(), proc_cpu_seconds(d.proc.pid))  # noqa: E731
        runs = [full_scan(impls[0], env, cpu, s, n) for s in cfg["segments"]]
        references = {impl.key: full_scan(impl, env, cpu, None, n) for impl in impls[1:]}
    finally:
        d.stop()
        sts.stop()
    return {"items": n, "seed": dynalite.seed_info(db_root, n), "function": runs, "references": references,
            "latency_bound": latency_bound(impls, cfg)}


def latency_bound(impls: list[Impl], cfg: dict) -> dict:
    """The same full scans against the canned endpoint answering each page after a fixed delay and never
    running out of capacity: what parallel segments give when the endpoint is not the bottleneck."""
    items, pages, latency = cfg["canned_items"], cfg["latency_pages"], cfg["latency_ms"]
    ep = CannedEndpoint(items, pages, latency)
    try:
        cpu = lambda: (proc_cpu_seconds(ep.proc.pid),) * 2  # noqa: E731
        total = items * pages
        runs = [full_scan(impls[0], ep.env(), cpu, s, total, items) for s in cfg["segments"]]
        node = full_scan(impls[1], ep.env(), cpu, None, total, items)
    finally:
        ep.stop()
    return {"items_per_page": items, "pages": pages, "latency_ms": latency, "function": runs, "node": node}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny fixed sizes; checks that everything runs")
    ap.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections (repeatable)")
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "ddb-cross-account-reader"))
    ap.add_argument("--client", default=str(ROOT / "target" / "release" / "examples" / "bench_client"))
    ap.add_argument("--old-binary", help="a previous build of the function, measured side by side in the canned and tls sections")
    ap.add_argument("--zip", default=str(ROOT / "target" / "lambda" / "ddb-cross-account-reader" / "bootstrap.zip"))
    ap.add_argument("--results", type=Path, default=ROOT / ".local" / "bench" / "results.json")
    ap.add_argument("--out", type=Path, help="write the Markdown report here (make bench: BENCHMARKS.md)")
    args = ap.parse_args(argv)
    cfg = SMOKE if args.smoke else FULL
    try:
        # The machine may be shared (builds, other test runs): a higher priority for the driver and
        # everything it starts (inherited) keeps their scheduling noise out of the figures. Best effort.
        os.nice(-10)
    except OSError:
        pass
    sections = args.only or list(SECTIONS)
    impls = implementations(args.binary)
    for path in (args.binary, args.client):
        if not Path(path).exists():
            raise SystemExit(f"missing {path}: build it first (make bench builds everything it needs)")

    results: dict = {"mode": "smoke" if args.smoke else "full", "config": cfg, "machine": machine(),
                     "binary": args.binary, "old_binary": args.old_binary, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                     "loadavg_start": loadavg(), "nice": os.nice(0)}
    zip_path = Path(args.zip)
    results["zip_bytes"] = zip_path.stat().st_size if zip_path.exists() else None
    results["binary_bytes"] = Path(args.binary).stat().st_size

    def step(name, fn, *a):
        t = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results[name] = fn(*a)
        print(f"bench: {name} done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)

    if {"cold", "warm", "access_modes", "tls", "export_crossover"} & set(sections):
        from local.testing import LocalAws
        # The crossover times this machinery, not a simulated export delay (the emulator inherits it).
        os.environ["LOCAL_AWS_EXPORT_SECONDS"] = "0"
        with LocalAws() as aws:
            if "cold" in sections:
                step("cold", cold, aws, impls, cfg["cold"])
            if "warm" in sections:
                step("warm", warm, aws, impls, cfg["warm"])
                env = emulator_env(aws)
                step("raw_emulator", raw_roundtrip, args.client, env, cfg["roundtrip"], "orders")
            if "access_modes" in sections:
                step("access_modes", access_modes, aws, impls[0], cfg["modes"])
            if "tls" in sections:
                step("tls", tls, aws, impls, cfg["tls"], args.old_binary, args.client)
            if "export_crossover" in sections:  # last: it refills `bulk`
                from export_crossover import measure
                step("export_crossover", measure, args.binary, cfg["crossover"]["sizes"], cfg["crossover"]["repeat"], aws)
    if "canned" in sections:
        step("canned", canned, impls, cfg, args.client, args.old_binary)
    if "throughput" in sections:
        with tempfile.TemporaryDirectory(prefix="bench-dynalite-") as tmp:
            db_root = Path(tmp) if args.smoke else ROOT / ".local" / "bench"
            step("throughput", throughput, impls, cfg, db_root)
    results["loadavg_end"] = loadavg()

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2))
    print(f"bench: results in {args.results}", file=sys.stderr)
    if args.out:
        from report import render
        args.out.write_text(render(results))
        print(f"bench: report in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
