"""Scan through tokens vs export-and-read, on the local emulator: the wall time to have every item of
a table of N items in hand, both ways, through the real function binary.

    .tools/venv/bin/python bench/export_crossover.py                  # sizes 1,000 5,000 20,000 (make bench-exports)
    (make bench runs it as bench/run.py's `export_crossover` section, on the release build; make
    bench-smoke at one tiny size)
    .tools/venv/bin/python bench/export_crossover.py --smoke          # one tiny size, checks both paths complete
    .tools/venv/bin/python bench/export_crossover.py --sizes 500 2000 --out /tmp/x.json

scan:   {"op": "scan", "table": "bulk"}, following next_token until null (every page an invocation).
export: {"op": "export", "table": "bulk"}, export_status until COMPLETED, then the manifest and every
        data file read back from the consumer's bucket and decoded (what a reader of the export does).

The emulator's own export runs with no artificial delay here (LOCAL_AWS_EXPORT_SECONDS=0), so the
export side measures this machinery only; DynamoDB's real export adds minutes of fixed start-up
whatever the size (see BENCHMARKS.md, "Scan or export"). Both read `bulk`, refilled to N items in
its own emulator (never the tests').
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from local.testing import CONSUMER_ACCOUNT, MAIN_ACCOUNT, REGION, LocalAws, function_binary, function_env  # noqa: E402

TABLE = "bulk"


def refill(aws: LocalAws, n: int) -> None:
    """`bulk` with exactly n items of the seed's shape (as the main account's deployer)."""
    ddb = aws.client("dynamodb", account=MAIN_ACCOUNT)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in aws.data(TABLE)]
    items = [{"pk": {"S": f"b#{i:06d}"}, "sk": {"N": str(i)}, "n": {"N": str(i * 3)},
              "payload": {"S": hashlib.sha256(f"bulk-{i}".encode()).hexdigest()}} for i in range(n)]
    requests = [{"DeleteRequest": {"Key": k}} for k in keys] + [{"PutRequest": {"Item": i}} for i in items]
    for start in range(0, len(requests), 25):
        batch = {TABLE: requests[start:start + 25]}
        while batch:
            batch = ddb.batch_write_item(RequestItems=batch).get("UnprocessedItems")


def by_scan(f) -> tuple[float, int, int]:
    started, token, items, pages = time.monotonic(), None, 0, 0
    while True:
        r = f.invoke({"op": "scan", "table": TABLE, **({"next_token": token} if token else {})}, timeout_s=120)
        if not r["ok"]:
            raise RuntimeError(f"scan page {pages}: {r}")
        items, pages, token = items + r["payload"]["count"], pages + 1, r["payload"]["next_token"]
        if token is None:
            return time.monotonic() - started, items, pages


def by_export(f, s3, bucket: str) -> tuple[float, int, int]:
    started = time.monotonic()
    r = f.invoke({"op": "export", "table": TABLE, "prefix": "bench"})
    if not r["ok"]:
        raise RuntimeError(f"export: {r}")
    arn = r["payload"]["items"][0]["export_arn"]
    while True:
        d = f.invoke({"op": "export_status", "export_arn": arn})["payload"]["items"][0]
        if d["status"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    if d["status"] != "COMPLETED":
        raise RuntimeError(f"export: {d}")
    get = lambda key: s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # noqa: E731
    summary = json.loads(get(d["manifest"].removeprefix(f"s3://{bucket}/")))
    files = [json.loads(x) for x in get(summary["manifestFilesS3Key"]).decode().splitlines()]
    items = sum(len([json.loads(x) for x in gzip.decompress(get(e["dataFileS3Key"])).decode().splitlines()])
                for e in files)
    return time.monotonic() - started, items, len(files)


def measure(binary: str, sizes: list[int], repeat: int, aws: LocalAws | None = None) -> dict:
    """Both paths for every size, the median of `repeat` runs each; fails if either misses an item.
    In `aws` (a running local deployment whose emulator has LOCAL_AWS_EXPORT_SECONDS=0; `bulk` is
    refilled) or in a deployment of its own."""
    if aws is None:
        os.environ["LOCAL_AWS_EXPORT_SECONDS"] = "0"  # the emulator inherits it
        with LocalAws(test_only_roles=False) as own:
            return measure(binary, sizes, repeat, own)
    from local.runtime_api import Function
    creds = aws.credentials(None, account=CONSUMER_ACCOUNT)
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name=REGION, config=Config(s3={"addressing_style": "path"}),
                      aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"])
    env = function_env(aws)
    results = []
    f = Function(binary, env, name=aws.state["function"]["name"]).start()
    try:
        for n in sizes:
            refill(aws, n)
            runs = {"scan": [], "export": []}
            for _ in range(repeat):
                runs["scan"].append(by_scan(f))
                runs["export"].append(by_export(f, s3, env["EXPORT_BUCKET"]))
            row = {"items": n}
            for path, rs in runs.items():
                if any(items != n for _, items, _ in rs):
                    raise RuntimeError(f"{path} of {n} items returned {[r[1] for r in rs]}")
                seconds = sorted(r[0] for r in rs)[len(rs) // 2]
                row[path] = {"seconds": round(seconds, 3), "calls_or_files": rs[0][2]}
            results.append(row)
            print(f"{n:>7} items: scan {row['scan']['seconds']:.2f}s ({row['scan']['calls_or_files']} invocations), "
                  f"export+read {row['export']['seconds']:.2f}s ({row['export']['calls_or_files']} data files)",
                  file=sys.stderr, flush=True)
    finally:
        f.stop()
    return {"binary": binary, "repeat": repeat, "results": results, "loadavg": round(os.getloadavg()[0], 2)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--smoke", action="store_true", help="one size of 200 items")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and path (the median is kept)")
    parser.add_argument("--binary", default=None, help="the function binary (default: $DDB_READER_BIN, else the debug build)")
    parser.add_argument("--out", default=str(ROOT / ".local" / "bench" / "export-crossover.json"))
    args = parser.parse_args(argv)
    sizes, repeat = ([200], 1) if args.smoke else (args.sizes, args.repeat)
    out = measure(args.binary or function_binary(), sizes, repeat)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
