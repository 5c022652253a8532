"""dynalite (a DynamoDB implementation on Node.js + LevelDB, pinned in bench/package.json) as the fast
DynamoDB endpoint of the throughput figures, and its seed: N benchmark items written with parallel
BatchWriteItem calls.

dynalite checks that requests carry a well-formed SigV4 Authorization header but not the signature, so
the seed sends pre-serialized JSON over plain keep-alive connections: the seed costs dynalite's time,
not boto3's. A seeded database directory is kept (with a marker naming its item count) and reused.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from items import item  # noqa: E402
from measure import proc_cpu_seconds  # noqa: E402

BENCH = Path(__file__).resolve().parent
CLI = BENCH / "node_modules" / "dynalite" / "cli.js"
TABLE = "bench"
_AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDBENCH/20240101/us-east-1/dynamodb/aws4_request, "
         "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dynalite:
    def __init__(self, db_dir: Path | None, port: int | None = None):
        self.db_dir = db_dir
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Dynalite":
        if not CLI.exists():
            raise SystemExit("dynalite is not installed: run `npm ci --prefix bench` (make bench does)")
        args = ["node", str(CLI), "--port", str(self.port), "--host", "127.0.0.1",
                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
        if self.db_dir:
            self.db_dir.mkdir(parents=True, exist_ok=True)
            args += ["--path", str(self.db_dir)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.call("ListTables", {})
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"dynalite exited: {self.proc.stderr.read().decode()}")
                time.sleep(0.05)
        raise RuntimeError("dynalite did not answer within 30 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self):
        return self if self.proc else self.start()

    def __exit__(self, *exc):
        self.stop()

    def call(self, action: str, body: dict, conn: http.client.HTTPConnection | None = None) -> dict:
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", "/", body=json.dumps(body, separators=(",", ":")), headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDB_20120810.{action}",
                "X-Amz-Date": "20240101T000000Z", "Authorization": _AUTH})
            resp = conn.getresponse()
            out = json.loads(resp.read() or b"{}")
            if resp.status != 200:
                raise RuntimeError(f"dynalite {action}: {resp.status} {out}")
            return out
        finally:
            if own:
                conn.close()

    def cpu_seconds(self) -> float:
        """CPU time of dynalite's main thread: it runs all the JavaScript (request handling, JSON,
        expression evaluation); LevelDB reads run on libuv's pool threads, which are not counted here."""
        return proc_cpu_seconds(self.proc.pid, thread=self.proc.pid)

    # ---- seed ---------------------------------------------------------------------------------
    def seed(self, count: int, workers: int = 8) -> float:
        """Create table `bench` (hash key pk S) holding items 0 .. count-1; returns seconds taken."""
        started = time.perf_counter()
        tables = self.call("ListTables", {}).get("TableNames", [])
        if TABLE in tables:
            self.call("DeleteTable", {"TableName": TABLE})
        self.call("CreateTable", {
            "TableName": TABLE, "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"})
        batches = [range(i, min(i + 25, count)) for i in range(0, count, 25)]

        def write(worker: int):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            for batch in batches[worker::workers]:
                pending = [{"PutRequest": {"Item": item(i)}} for i in batch]
                while pending:
                    out = self.call("BatchWriteItem", {"RequestItems": {TABLE: pending}}, conn)
                    pending = out.get("UnprocessedItems", {}).get(TABLE, [])
            conn.close()

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(write, range(workers)))
        return time.perf_counter() - started


def seeded(db_root: Path, count: int) -> Dynalite:
    """A started dynalite whose table `bench` holds exactly `count` items, seeding it if needed."""
    db_dir = _db_dir(db_root, count)
    marker = db_dir / "SEEDED"
    if db_dir.exists() and not marker.exists():
        shutil.rmtree(db_dir)   # an interrupted seed: start over
    d = Dynalite(db_dir).start()
    if not marker.exists():
        seconds = d.seed(count)
        marker.write_text(json.dumps({"items": count, "seed_seconds": round(seconds, 2)}))
    return d


def _db_dir(db_root: Path, count: int) -> Path:
    # The item shape is part of the name: editing bench/items.py gets a fresh seed, never stale data.
    shape = hashlib.sha256((BENCH / "items.py").read_bytes()).hexdigest()[:10]
    return db_root / f"dynalite-{count}-{shape}"


def seed_info(db_root: Path, count: int) -> dict:
    return json.loads((_db_dir(db_root, count) / "SEEDED").read_text())


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="Seed (or reuse) a dynalite database of N bench items.")
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--db-root", type=Path, default=BENCH.parent / ".local" / "bench")
    args = ap.parse_args()
    with seeded(args.db_root, args.items) as d:
        print(json.dumps(dict(seed_info(args.db_root, args.items), endpoint=d.endpoint)))
