"""Small measurement helpers: percentiles, process CPU time, and the facts about the machine that every
figure in BENCHMARKS.md is reported with."""
from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was actually observed, never interpolated."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": percentile(values, 50), "p99": percentile(values, 99),
            "min": min(values) if values else float("nan"), "max": max(values) if values else float("nan")}


def proc_cpu_seconds(pid: int, thread: int | None = None) -> float:
    """utime + stime of a process and all its threads (or of one thread), from /proc (clock-tick resolution)."""
    with open(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_cpu_ms(pid: int) -> float:
    """CPU time (user + system) of a process's live threads in ms, at nanosecond resolution: the sum of
    /proc/PID/task/*/schedstat (clock ticks, 10 ms here, are too coarse for a cold start)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            pass   # a thread that ended meanwhile
    return total / 1e6


def settled_cpu_ms(pid: int, step_s: float = 0.01, limit_s: float = 1.0) -> float:
    """proc_cpu_ms once the process has stopped using CPU (two readings `step_s` apart agree): after
    posting a response a function still logs and polls again, and that belongs to the invocation."""
    last, waited = proc_cpu_ms(pid), 0.0
    while waited < limit_s:
        time.sleep(step_s)
        waited += step_s
        now = proc_cpu_ms(pid)
        if now == last:
            return now
        last = now
    return last


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs together since boot, from /proc/stat: the share of the
    machine a run used, whoever used it (the benchmarked processes, the driver, anything else)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def _run(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


def _lock_version(lock_text: str, name: str) -> str:
    m = re.search(r'name = "' + re.escape(name) + r'"\nversion = "([^"]+)"', lock_text)
    return m.group(1) if m else "?"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = next((int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                   if l.startswith("MemTotal:")), 0)
    cargo_lock = (ROOT / "Cargo.lock").read_text()
    npm_lock = json.loads((ROOT / "bench" / "package-lock.json").read_text())["packages"]
    npm = {n: npm_lock.get(f"node_modules/{n}", {}).get("version", "?")
           for n in ("@aws-sdk/client-sts", "@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "dynalite")}
    venv_python = ROOT / ".tools" / "venv" / "bin" / "python"
    py_versions = _run(str(venv_python), "-c",
                       "import boto3, moto; print(boto3.__version__, moto.__version__)").split()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rustc": _run("rustc", "--version"),
        "node": _run("node", "--version"),
        "python": platform.python_version(),
        "aws_sdk_rust": {n: _lock_version(cargo_lock, n) for n in ("aws-sdk-dynamodb", "aws-sdk-sts", "aws-config", "lambda_runtime")},
        "aws_sdk_js": npm,
        "boto3": py_versions[0] if len(py_versions) == 2 else "?",
        "moto": py_versions[1] if len(py_versions) == 2 else "?",
    }


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])
