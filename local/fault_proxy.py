"""A fault-injecting HTTP proxy for the local AWS emulator.

The function is pointed at the proxy (AWS_ENDPOINT_URL) instead of the emulator; the proxy forwards
every request unchanged (the Host header too, so SigV4 signatures still verify) and, for requests
matching a rule, does something else instead or first:

    with FaultProxy(aws.endpoint) as proxy:
        proxy.add(Rule("dynamodb:Scan", dynamodb_error("ProvisionedThroughputExceededException"), times=2))
        proxy.add(Rule("dynamodb:Scan", Delay(0.3)))                     # every page 300 ms slower
        proxy.add(Rule("sts:AssumeRole", sts_error("Throttling", "Rate exceeded", 400), times=1))
        proxy.add(Rule("dynamodb:Scan", Reset(), when=lambda r: r.json.get("ExclusiveStartKey")))
        ...
        proxy.seen     # every request: action, fault applied, status, access key id, timings
        proxy.clear()  # remove all rules ("the fault goes away")

Faults: Delay (then forward), Reset (TCP RST before any response byte), ResetMidResponse (forward,
send the status line, headers and half the body, then RST), Respond (a canned HTTP response, e.g. a
throttling error, without forwarding), RespondTo (a response made from the request, without forwarding:
`unprocessed_items` hands a BatchWriteItem's items back as UnprocessedItems). A rule applies to the requests it matches, optionally only
from the `after`-th match on, at most `times` times.

Why a proxy and not emulator hooks: the faults happen on the wire, where real ones do — the function's
own HTTP client, retry policy and timeouts handle them exactly as they would against AWS.
`on_response` lets a test see what the emulator answered (e.g. the credentials AssumeRole issued).

Standard library only. CLI (for the demo): python local/fault_proxy.py --upstream URL --port P
  --rule 'dynamodb:Scan=delay:0.3' --rule 'dynamodb:Scan=throttle:2' ...
"""
from __future__ import annotations

import argparse
import http.client
import json
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


# ---- faults ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delay:
    seconds: float


@dataclass(frozen=True)
class Reset:
    """Connection reset by peer before the response starts (the request may or may not have been
    processed upstream: here it is not forwarded)."""


@dataclass(frozen=True)
class ResetMidResponse:
    """The request is processed upstream; the connection dies halfway through the response body."""


@dataclass(frozen=True)
class Respond:
    status: int
    body: bytes
    content_type: str = "application/x-amz-json-1.0"


@dataclass(frozen=True)
class RespondTo:
    """A response made from the request (not forwarded), e.g. `unprocessed_items`."""
    make: Callable[["Request"], Respond]


def unprocessed_items(request: "Request") -> Respond:
    """BatchWriteItem's answer when DynamoDB processed none of the request (throttling inside a
    batch, which AWS reports as success): every request item back in UnprocessedItems."""
    body = json.dumps({"UnprocessedItems": request.json.get("RequestItems", {}), "ConsumedCapacity": []}).encode()
    return Respond(200, body)


def dynamodb_error(code: str, message: str = "injected by fault_proxy", status: int = 400) -> Respond:
    """A DynamoDB JSON-protocol error, e.g. ProvisionedThroughputExceededException, ThrottlingException."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    return Respond(status, body)


def sts_error(code: str, message: str = "injected by fault_proxy", status: int = 400) -> Respond:
    """An STS (awsQuery XML) error, e.g. Throttling/400, AccessDenied/403."""
    body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId>"
            f"</ErrorResponse>").encode()
    return Respond(status, body, "text/xml")


# ---- requests and rules ------------------------------------------------------------------------

@dataclass
class Request:
    """What a rule can look at."""
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    action: str              # "dynamodb:Scan", "sts:AssumeRole", ... or "other"

    @property
    def json(self) -> dict:
        """The JSON body (DynamoDB), or {}."""
        try:
            v = json.loads(self.body or b"{}")
            return v if isinstance(v, dict) else {}
        except ValueError:
            return {}

    @property
    def access_key_id(self) -> str:
        """The key id in the SigV4 Authorization header ('' when unsigned)."""
        auth = self.headers.get("authorization", "")
        return auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else ""


def action_of(headers: dict[str, str], body: bytes) -> str:
    target = headers.get("x-amz-target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb:" + target.rsplit(".", 1)[-1]
    if body and b"Action=" in body:  # STS / IAM: awsQuery form body
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            service = "iam" if form.get("Version") == ["2010-05-08"] else "sts"
            return f"{service}:{form['Action'][0]}"
    return "other"


@dataclass
class Rule:
    action: str                                  # "dynamodb:Scan", "sts:AssumeRole", "dynamodb:*" or "*"
    fault: Delay | Reset | ResetMidResponse | Respond | RespondTo
    times: int | None = None                     # apply at most this many times (None: always)
    after: int = 0                               # let the first `after` matching requests through
    when: Callable[[Request], bool] | None = None
    matched: int = 0
    applied: int = 0

    def matches(self, r: Request) -> bool:
        if self.action not in ("*", r.action) and not (self.action.endswith(":*") and r.action.startswith(self.action[:-1])):
            return False
        return self.when is None or bool(self.when(r))


@dataclass
class Seen:
    action: str
    access_key_id: str
    fault: str | None        # repr of the fault applied, if any
    status: int | None       # status sent to the client (None: connection reset)
    started: float           # time.monotonic()
    duration_s: float
    start_key: dict | None = None  # DynamoDB ExclusiveStartKey, for page-level assertions
    segment: int | None = None


# ---- the proxy ---------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"

    def log_message(self, format, *args):  # noqa: A002 - silence per-request stderr lines
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reset(self):
        # SO_LINGER with a zero timeout turns close() into a RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, cut: bool = False):
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if cut:
            self.wfile.write(head + body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(0.05)  # let the partial response reach the client before the reset
            self._reset()
        else:
            self.wfile.write(head + body)

    def _handle(self):
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        started = time.monotonic()
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, self.path, headers, body, action_of(headers, body))
        fault = proxy._fault_for(request)
        if isinstance(fault, RespondTo):
            fault = fault.make(request)
        payload = request.json if request.action.startswith("dynamodb:") else {}
        seen = Seen(request.action, request.access_key_id, repr(fault) if fault else None, None, started, 0.0,
                    payload.get("ExclusiveStartKey"), payload.get("Segment"))
        try:
            if isinstance(fault, Delay):
                time.sleep(fault.seconds)
            if isinstance(fault, Reset):
                self._reset()
                return
            if isinstance(fault, Respond):
                seen.status = fault.status
                self._send(fault.status, [("Content-Type", fault.content_type)], fault.body)
                return
            status, resp_headers, resp_body = proxy._forward(self.command, self.path, self.headers.items(), body)
            if proxy.on_response:
                proxy.on_response(request, status, resp_body)
            cut = isinstance(fault, ResetMidResponse)
            seen.status = None if cut else status
            self._send(status, resp_headers, resp_body, cut=cut)
        finally:
            seen.duration_s = time.monotonic() - started
            proxy._record(seen)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def finish(self):
        try:
            super().finish()
        except OSError:  # the connection was reset on purpose
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys
        if not isinstance(sys.exc_info()[1], OSError):  # resets and client hang-ups are expected
            super().handle_error(request, client_address)


class FaultProxy:
    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0,
                 on_response: Callable[[Request, int, bytes], None] | None = None):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port or 80
        self.on_response = on_response
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._local = threading.local()  # one upstream keep-alive connection per handler thread
        self.httpd = _Server((host, port), _Handler)
        self.httpd.proxy = self  # type: ignore[attr-defined]
        self.endpoint = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----
    def start(self) -> "FaultProxy":
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- rules ----
    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def reset_seen(self) -> None:
        with self._lock:
            self.seen.clear()

    def count(self, action: str, faulted: bool | None = None) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.action == action and (faulted is None or (s.fault is not None) == faulted))

    def _fault_for(self, request: Request):
        """The first rule that matches and still applies wins; every matching rule counts the match."""
        with self._lock:
            chosen = None
            for rule in self.rules:
                if not rule.matches(request):
                    continue
                rule.matched += 1
                if chosen is None and rule.matched > rule.after and (rule.times is None or rule.applied < rule.times):
                    rule.applied += 1
                    chosen = rule.fault
            return chosen

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    # ---- upstream ----
    def _forward(self, method: str, path: str, headers, body: bytes):
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
            try:
                # skip_host: the client's Host header is forwarded as is (it is part of the signature).
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        conn.putheader(k, v)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            except (http.client.HTTPException, ConnectionError):
                # A stale keep-alive connection to the emulator: reconnect once.
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# ---- CLI ---------------------------------------------------------------------------------------

def parse_rule(text: str) -> Rule:
    """ACTION=KIND[:ARG]  kinds: delay:SECONDS, reset[:TIMES], cut[:TIMES], throttle[:TIMES] (DynamoDB
    ProvisionedThroughputExceededException or STS Throttling, by action)."""
    action, _, spec = text.partition("=")
    kind, _, arg = spec.partition(":")
    times = int(arg) if arg and kind != "delay" else None
    if kind == "delay":
        return Rule(action, Delay(float(arg)))
    if kind == "reset":
        return Rule(action, Reset(), times=times)
    if kind == "cut":
        return Rule(action, ResetMidResponse(), times=times)
    if kind == "throttle":
        fault = sts_error("Throttling", "Rate exceeded") if action.startswith("sts:") else \
            dynamodb_error("ProvisionedThroughputExceededException", "injected throttling")
        return Rule(action, fault, times=times)
    raise SystemExit(f"fault_proxy: unknown fault kind {kind!r} in {text!r}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:5055")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--rule", action="append", default=[], help="ACTION=KIND[:ARG], repeatable")
    args = parser.parse_args(argv)
    proxy = FaultProxy(args.upstream, args.host, args.port)
    for r in args.rule:
        proxy.add(parse_rule(r))
    print(f"fault_proxy: {proxy.endpoint} -> {args.upstream}, {len(proxy.rules)} rule(s)", flush=True)
    try:
        proxy.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
