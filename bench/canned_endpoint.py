"""A canned-response AWS endpoint: answers STS AssumeRole with fresh temporary credentials and every
DynamoDB Scan with the same prebuilt page, as fast as a socket can write bytes.

With --pages N a scan has N pages (split evenly over TotalSegments), chained by LastEvaluatedKey
{"pk": "page#K"}; with --latency-ms L every Scan is answered after L ms, concurrently (one thread per
connection). That models a DynamoDB that is latency-bound per page but never runs out of capacity,
which is how a parallel scan's own scaling shows.

Why: the CPU a function spends per item (parsing, conversion, response building) is only visible when
the endpoint costs next to nothing. A real DynamoDB emulator spends far more time producing a page
than the client spends reading it, and competes for the same two cores.

It ignores signatures and request bodies (apart from telling AssumeRole from other STS actions) and
counts requests per action: GET /_stats, POST /_stats/reset.

    python bench/canned_endpoint.py --port 0 --items 4000   # prints "listening PORT" when ready
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from items import items_json, scan_body  # noqa: E402

DDB_CONTENT_TYPE = "application/x-amz-json-1.0"


def _assume_role_xml() -> bytes:
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    key = "ASIA" + uuid.uuid4().hex[:16].upper()
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>canned-secret</SecretAccessKey>"
        f"<SessionToken>canned-session-token-{key}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
        "<AssumedRoleUser><AssumedRoleId>AROACANNED:bench</AssumedRoleId>"
        "<Arn>arn:aws:sts::111111111111:assumed-role/bench/bench</Arn></AssumedRoleUser>"
        f"</AssumeRoleResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    ).encode()


class Canned:
    def __init__(self, items: int, pages: int = 1, latency_ms: float = 0.0):
        self.items_json = items_json(items)
        self.scan_body = scan_body(self.items_json, items)
        self.items = items
        self.pages = pages
        self.latency_s = latency_ms / 1000
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        if path.startswith("/_stats"):
            if method == "POST":
                with self.lock:
                    self.stats.clear()
            with self.lock:
                return 200, "application/json", json.dumps(dict(self.stats)).encode()
        target = headers.get("x-amz-target", "")
        if target:
            action = "dynamodb:" + target.rsplit(".", 1)[-1]
            self._count(action)
            if action == "dynamodb:Scan":
                if self.latency_s:
                    time.sleep(self.latency_s)
                if self.pages == 1:
                    return 200, DDB_CONTENT_TYPE, self.scan_body
                return 200, DDB_CONTENT_TYPE, self._paged(json.loads(body or b"{}"))
            if action == "dynamodb:DescribeTable":
                return 200, DDB_CONTENT_TYPE, json.dumps({"Table": {
                    "TableName": "canned", "TableStatus": "ACTIVE", "ItemCount": self.items}}).encode()
            return 400, DDB_CONTENT_TYPE, json.dumps({
                "__type": "com.amazon.coral.validate#ValidationException",
                "message": f"the canned endpoint only answers Scan and DescribeTable, not {target}"}).encode()
        if b"Action=AssumeRole" in body:
            self._count("sts:AssumeRole")
            return 200, "text/xml", _assume_role_xml()
        self._count("other")
        return 400, "text/xml", b"<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>"

    def _paged(self, request: dict) -> bytes:
        """Page K+1 of this stream after ExclusiveStartKey page#K; each of TotalSegments streams gets
        pages / TotalSegments pages."""
        per_stream = self.pages // max(1, request.get("TotalSegments", 1))
        start = request.get("ExclusiveStartKey", {}).get("pk", {}).get("S")
        k = int(start.split("#")[1]) + 1 if start else 0
        return scan_body(self.items_json, self.items, f"page#{k}" if k + 1 < per_stream else None)

    def _count(self, action: str):
        with self.lock:
            self.stats[action] += 1

    # ---- a minimal HTTP/1.1 server: keep-alive, Content-Length bodies, one thread per connection ----
    def serve_connection(self, conn: socket.socket):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0"))
                while len(buf) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]
                status, ctype, out = self.answer(method, path, headers, body)
                conn.sendall(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Bad Request'}\r\n"
                    f"Content-Type: {ctype}\r\nContent-Length: {len(out)}\r\n"
                    f"x-amzn-RequestId: {uuid.uuid4()}\r\n\r\n".encode() + out)
        except (ConnectionError, OSError):
            return
        finally:
            conn.close()

    def serve(self, sock: socket.socket):
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--items", type=int, default=4000, help="items in every Scan page")
    ap.add_argument("--pages", type=int, default=1, help="pages in a full scan (over all segments)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay before answering each Scan")
    args = ap.parse_args(argv)
    canned = Canned(args.items, args.pages, args.latency_ms)
    sock = socket.create_server(("127.0.0.1", args.port), backlog=128)
    print(f"listening {sock.getsockname()[1]} items {args.items} page_bytes {len(canned.scan_body)}", flush=True)
    canned.serve(sock)


if __name__ == "__main__":
    main()
