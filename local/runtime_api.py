"""A local AWS Lambda Runtime API (2018-06-01) and a harness that runs a function binary under it.

Why this exists: the integration tests, the demo helpers and the benchmarks must drive the real
function binary exactly the way Lambda does (the binary polls `GET .../invocation/next`, then posts
`.../response` or `.../error`), while also measuring what Lambda hides: init time (spawn to first
poll), per-invocation duration, RSS, exit status and the raw log lines. `cargo lambda watch` serves
the same API but recompiles on start and cannot report those numbers, so the tests use this module.

Standard library only, so it runs from any Python 3.11 without a venv.

    with Function("target/debug/ddb-cross-account-reader", env={...}) as fn:
        r = fn.invoke({"op": "scan"})
        r["ok"], r["payload"] / r["error_type"], r["error_message"], r["duration_ms"], r["request_id"]
"""
from __future__ import annotations

import decimal
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PREFIX = "/2018-06-01/runtime"
# Lambda rejects a synchronous response larger than this (the number in its own error message).
MAX_RESPONSE_BYTES = 6_291_556


class FunctionError(RuntimeError):
    """The function process cannot serve the invocation (as opposed to a handled error result)."""


class FunctionDied(FunctionError):
    def __init__(self, message: str, returncode: int | None, stderr_tail: str):
        super().__init__(message)
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class FunctionInitError(FunctionError):
    """The function reported POST /runtime/init/error."""

    def __init__(self, error_type: str, error_message: str):
        super().__init__(f"init error {error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message


class InvocationTimeout(FunctionError):
    pass


@dataclass
class LogLine:
    t_ns: int      # time.perf_counter_ns() when the line was read from the pipe
    stream: str    # "stdout" or "stderr"
    text: str

    def json(self):
        """The line parsed as JSON (the function logs one JSON object per line), or None."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None


@dataclass
class Invocation:
    """One invocation as the Runtime API sees it: the event, then the function's answer."""
    request_id: str
    event: bytes
    deadline_ms: int
    trace_id: str
    function_arn: str
    deadline_header: str | None = None
    queued_ns: int = 0
    delivered_ns: int = 0
    delivered_on_poll: int = 0  # which GET /next took it (the function's next poll ends it)
    finished_ns: int = 0
    kind: str = ""            # "response" | "error" | "died"
    body: bytes = b""
    error_type_header: str = ""
    done: threading.Event = field(default_factory=threading.Event)


class _RuntimeState:
    """What the HTTP handlers share with the Function: the event queue and in-flight invocations."""

    def __init__(self):
        self.next_queue: queue.Queue[Invocation | None] = queue.Queue()
        self.lock = threading.Lock()
        self.in_flight: dict[str, Invocation] = {}
        self.first_next_ns = 0
        self.ready = threading.Event()   # set on the first GET /next (end of init)
        self.polls = 0                   # GET /next calls so far: one more means an invocation is over
        self.polled = threading.Condition(self.lock)
        self.init_error: tuple[str, str] | None = None
        self.stopping = False

    def take_next(self) -> Invocation | None:
        now = time.perf_counter_ns()
        with self.lock:
            if not self.first_next_ns:
                self.first_next_ns = now
            self.polls += 1
            self.polled.notify_all()
        self.ready.set()
        inv = self.next_queue.get()
        if inv is None:                 # stop(): release the blocked poller
            self.next_queue.put(None)   # and any other poller after it
            return None
        inv.delivered_ns = time.perf_counter_ns()
        with self.lock:
            inv.delivered_on_poll = self.polls
            self.in_flight[inv.request_id] = inv
        return inv

    def finish(self, request_id: str, kind: str, body: bytes, error_type_header: str = "") -> bool:
        with self.lock:
            inv = self.in_flight.pop(request_id, None)
        if inv is None:
            return False
        inv.finished_ns = time.perf_counter_ns()
        inv.kind, inv.body, inv.error_type_header = kind, body, error_type_header
        inv.done.set()
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, like the real endpoint; every reply has a length
    server_version = "local-lambda-runtime-api"

    def setup(self):
        super().setup()
        # Replies are small and latency-sensitive: without this, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - silence the per-request stderr line
        pass

    @property
    def state(self) -> _RuntimeState:
        return self.server.state  # type: ignore[attr-defined]

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        # Head and body in one write: one segment per reply keeps timing stable.
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                "Content-Type: application/json", f"Content-Length: {len(body)}",
                f"Date: {self.date_time_string()}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _reply_json(self, status: int, obj):
        self._reply(status, json.dumps(obj).encode())

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        if self.path != f"{API_PREFIX}/invocation/next":
            return self._reply_json(404, {"errorType": "NotFound", "errorMessage": self.path})
        inv = self.state.take_next()
        if inv is None:
            self.close_connection = True
            return self._reply_json(500, {"errorType": "ServiceStopping", "errorMessage": "runtime API stopped"})
        self._reply(200, inv.event, {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": inv.deadline_header or str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": inv.function_arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        })

    def do_POST(self):
        body = self._read_body()
        parts = self.path[len(API_PREFIX):].strip("/").split("/") if self.path.startswith(API_PREFIX) else []
        if parts == ["init", "error"]:
            err = parse_error_body(body, self.headers.get("Lambda-Runtime-Function-Error-Type", ""))
            self.state.init_error = err
            self.state.ready.set()
            return self._reply_json(202, {"status": "OK"})
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            request_id, kind = parts[1], parts[2]
            if kind == "response" and len(body) > MAX_RESPONSE_BYTES:
                # Like Lambda: the runtime gets 413 and the caller gets Function.ResponseSizeTooLarge.
                msg = f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                self.state.finish(request_id, "error", json.dumps(
                    {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": msg}).encode())
                return self._reply_json(413, {"errorType": "RequestEntityTooLarge", "errorMessage": msg})
            header = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
            if not self.state.finish(request_id, kind, body, header):
                return self._reply_json(400, {"errorType": "InvalidRequestID",
                                              "errorMessage": f"unknown or finished request id {request_id}"})
            return self._reply_json(202, {"status": "OK"})
        return self._reply_json(404, {"errorType": "NotFound", "errorMessage": self.path})


def parse_error_body(body: bytes, header_type: str) -> tuple[str, str]:
    """(errorType, errorMessage) of an error POST; the header's type when the body has none."""
    try:
        obj = json.loads(body or b"{}")
    except ValueError:
        return header_type or "Unknown", body.decode("utf-8", "replace")
    if not isinstance(obj, dict):
        return header_type or "Unknown", body.decode("utf-8", "replace")
    return str(obj.get("errorType") or header_type or "Unknown"), str(obj.get("errorMessage", ""))


def parse_payload(body: bytes):
    """Parse a response payload without losing numeric precision: decimals become Decimal, integers int."""
    return json.loads(body, parse_float=decimal.Decimal)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A function process that dies or is stopped mid-request resets its connection: expected.
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


class RuntimeApiServer:
    """The HTTP endpoint alone (threaded, on 127.0.0.1, an ephemeral port by default)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.state = _RuntimeState()
        self.httpd = _Server((host, port), _Handler)
        self.httpd.state = self.state  # type: ignore[attr-defined]
        self.address = f"{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="runtime-api", daemon=True)
        self._thread.start()

    def stop(self):
        if self.state.stopping:
            return
        self.state.stopping = True
        self.state.next_queue.put(None)
        self.httpd.shutdown()
        self.httpd.server_close()


class Function:
    """One function process (one Lambda execution environment) served by its own Runtime API."""

    def __init__(self, binary: str, env: dict[str, str] | None = None, *,
                 name: str = "ddb-cross-account-reader", memory_mb: int = 128,
                 region: str = "us-east-1", account_id: str = "222222222222",
                 version: str = "$LATEST", cwd: str | None = None, inherit_env: bool = False,
                 deadline_header: str | None = None):
        """deadline_header: send this literal Lambda-Runtime-Deadline-Ms instead of the real epoch
        deadline, to reproduce other runtime emulators (cargo lambda watch 1.9 sends "600000")."""
        self.binary = binary
        self.deadline_header = deadline_header
        self.name = name
        self.region = region
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
        self.cwd = cwd
        # Lambda starts the runtime with a small, fixed environment; by default nothing leaks in from
        # the test process (a stray AWS_PROFILE or AWS_* variable would make results machine-dependent).
        base = {k: os.environ[k] for k in ("PATH", "LANG", "TZ") if k in os.environ}
        if inherit_env:
            base = dict(os.environ)
        base.update({
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/") + f"[{version}]" + uuid.uuid4().hex,
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
        })
        base.update(env or {})
        self.env = base
        self.server: RuntimeApiServer | None = None
        self.proc: subprocess.Popen | None = None
        self.logs: list[LogLine] = []
        self.spawn_ns = 0
        self.exited = threading.Event()
        self._readers: list[threading.Thread] = []
        self._current: Invocation | None = None
        self._invoke_lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self, wait: bool = True, timeout_s: float = 30.0) -> "Function":
        """Spawn the process. With wait=True, return once it polls for its first event (init done)."""
        self.server = RuntimeApiServer()
        env = dict(self.env, AWS_LAMBDA_RUNTIME_API=self.server.address)
        self.spawn_ns = time.perf_counter_ns()
        self.proc = subprocess.Popen([self.binary], env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for stream in ("stdout", "stderr"):
            t = threading.Thread(target=self._read_lines, args=(stream, getattr(self.proc, stream)),
                                 name=f"{self.name}-{stream}", daemon=True)
            t.start()
            self._readers.append(t)
        threading.Thread(target=self._watch_exit, name=f"{self.name}-exit", daemon=True).start()
        if wait:
            self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float = 30.0) -> float:
        """Block until init is over (first GET /next); return init time in ms. Raises if it failed."""
        deadline = time.monotonic() + timeout_s
        state = self._state()
        while not state.ready.is_set():
            if self.exited.is_set():
                raise self.died("before finishing init")
            if time.monotonic() > deadline:
                raise InvocationTimeout(f"{self.name}: no GET /next within {timeout_s}s of spawn")
            state.ready.wait(0.02)
        if state.init_error:
            raise FunctionInitError(*state.init_error)
        return self.init_ms

    @property
    def init_ms(self) -> float | None:
        """Spawn to first GET /invocation/next, in ms (Lambda's cold-start init phase, minus sandbox)."""
        s = self.server.state if self.server else None
        return (s.first_next_ns - self.spawn_ns) / 1e6 if s and s.first_next_ns else None

    def stop(self, grace_s: float = 2.0) -> int | None:
        """Terminate the process (SIGTERM, then SIGKILL after grace_s) and close the endpoint."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._readers:
            t.join(1.0)
        if self.server:
            self.server.stop()
        return self.proc.returncode if self.proc else None

    def wait_exit(self, timeout_s: float = 30.0) -> int:
        """Wait for the process to exit by itself; return its exit code (raises TimeoutError)."""
        if not self.exited.wait(timeout_s):
            raise TimeoutError(f"{self.name} still running after {timeout_s}s")
        for t in self._readers:
            t.join(1.0)
        return self.proc.returncode

    def __enter__(self) -> "Function":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    # ---- state -----------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def _proc_status(self, key: str) -> int | None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            return None
        return None

    def rss_kb(self) -> int | None:
        """Current resident set size (VmRSS), in kB; None once the process is gone."""
        return self._proc_status("VmRSS")

    def peak_rss_kb(self) -> int | None:
        """Peak resident set size so far (VmHWM), in kB: what Lambda reports as Max Memory Used."""
        return self._proc_status("VmHWM")

    # ---- logs ------------------------------------------------------------------------------
    def log_mark(self) -> int:
        return len(self.logs)

    def logs_since(self, mark: int = 0, stream: str | None = None) -> list[LogLine]:
        return [l for l in self.logs[mark:] if stream is None or l.stream == stream]

    def text(self, stream: str | None = None) -> str:
        return "\n".join(l.text for l in self.logs_since(0, stream))

    def wait_for_log(self, predicate, mark: int = 0, timeout_s: float = 5.0) -> LogLine | None:
        """First line after `mark` for which predicate(LogLine) is true, waiting for it to arrive."""
        deadline = time.monotonic() + timeout_s
        seen = mark
        while True:
            lines = self.logs[seen:]
            for line in lines:
                if predicate(line):
                    return line
            seen += len(lines)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    def _read_lines(self, stream: str, pipe):
        for raw in iter(pipe.readline, b""):
            self.logs.append(LogLine(time.perf_counter_ns(), stream, raw.decode("utf-8", "replace").rstrip("\r\n")))
        pipe.close()

    def _watch_exit(self):
        # Every invocation in flight when the process dies is answered "died", not left waiting.
        self.proc.wait()
        self.exited.set()
        for inv in self.in_flight():
            if not inv.done.is_set():
                inv.kind = "died"
                inv.finished_ns = time.perf_counter_ns()
                inv.done.set()

    def in_flight(self) -> list[Invocation]:
        """The invocations sent and not answered yet (one at most here; subclasses may run more)."""
        inv = self._current
        return [inv] if inv is not None else []

    def died(self, when: str) -> FunctionDied:
        """The error for a process that exited `when` (with its exit code and last output)."""
        for t in self._readers:
            t.join(1.0)
        tail = "\n".join(l.text for l in self.logs_since(max(0, len(self.logs) - 20)))
        code = self.proc.returncode
        return FunctionDied(f"{self.name} exited with code {code} {when}; last output:\n{tail}", code, tail)

    def _state(self) -> _RuntimeState:
        if self.server is None:
            raise FunctionError(f"{self.name} was not started")
        return self.server.state

    # ---- invoke ----------------------------------------------------------------------------
    @staticmethod
    def _payload(event) -> bytes:
        """The invocation payload: str/bytes verbatim, anything else as JSON; it must parse as JSON."""
        if isinstance(event, str):
            body = event.encode()
        elif isinstance(event, (bytes, bytearray)):
            body = bytes(event)
        else:
            body = json.dumps(event).encode()
        try:  # Lambda's Invoke API refuses a payload that is not JSON; it never reaches the function.
            json.loads(body)
        except ValueError as e:
            raise ValueError(f"InvalidRequestContentException: Could not parse request body into json: {e}") from None
        return body

    def new_invocation(self, event, timeout_s: float) -> Invocation:
        """A new invocation of `event` (see `_payload`) for this live, initialised process (raises
        otherwise); `enqueue` sends it."""
        state = self._state()
        body = self._payload(event)
        if self.exited.is_set():
            raise self.died("before this invocation")
        if state.init_error:
            raise FunctionInitError(*state.init_error)
        return Invocation(
            request_id=str(uuid.uuid4()), event=body,
            deadline_ms=int(time.time() * 1000 + timeout_s * 1000),
            trace_id=f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0",
            function_arn=self.arn, deadline_header=self.deadline_header)

    def enqueue(self, inv: Invocation) -> None:
        """Hands `inv` to the next GET /invocation/next (it must already be in `in_flight`)."""
        inv.queued_ns = time.perf_counter_ns()
        self._state().next_queue.put(inv)
        # A death before the invocation was registered must not leave its caller waiting.
        if self.exited.is_set() and not inv.done.is_set():
            inv.kind = "died"
            inv.done.set()

    def result(self, inv: Invocation) -> dict:
        """The result of an answered invocation (raises FunctionDied if the process died on it)."""
        if inv.kind == "died":
            raise self.died(f"while handling request {inv.request_id}")
        result = {
            "request_id": inv.request_id,
            "duration_ms": (inv.finished_ns - inv.delivered_ns) / 1e6,
            "roundtrip_ms": (inv.finished_ns - inv.queued_ns) / 1e6,
            "raw": inv.body,
            "delivered_ns": inv.delivered_ns,
            "finished_ns": inv.finished_ns,
        }
        if inv.kind == "response":
            result.update(ok=True, payload=parse_payload(inv.body) if inv.body else None)
        else:
            etype, emsg = parse_error_body(inv.body, inv.error_type_header)
            result.update(ok=False, error_type=etype, error_message=emsg)
        return result

    def invoke(self, event, timeout_s: float = 30.0) -> dict:
        """Run one invocation (synchronous, like `RequestResponse`).

        event: a JSON-able value, or str/bytes sent verbatim (to keep exact numbers from a file).
        Returns {ok, payload | error_type + error_message, duration_ms, roundtrip_ms, request_id, raw,
        delivered_ns, finished_ns}. duration_ms runs from event delivery (GET /next answered) to the
        response POST (Lambda's billed duration); roundtrip_ms from this call to the result. Raises
        FunctionDied if the process is or goes down, InvocationTimeout (after killing it, as Lambda
        does) on timeout.
        """
        with self._invoke_lock:
            inv = self.new_invocation(event, timeout_s)
            self._current = inv
            self.enqueue(inv)
            if not inv.done.wait(timeout_s):
                self.stop(grace_s=0.5)
                raise InvocationTimeout(f"{self.name}: request {inv.request_id} timed out after {timeout_s}s")
            self._current = None
        return self.result(inv)
