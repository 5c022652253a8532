"""Concurrent invocations of one function process (Lambda Managed Instances style).

`local/runtime_api.Function.invoke` runs one invocation at a time (classic Lambda). A process started
with AWS_LAMBDA_MAX_CONCURRENCY=N polls `GET /invocation/next` from N workers at once; to drive it,
`ConcurrentFunction` lets any number of threads call `invoke` simultaneously. Everything else (the
Runtime API server, process handling, logs, RSS) is runtime_api's, reused as is.

    with ConcurrentFunction(binary, env={"AWS_LAMBDA_MAX_CONCURRENCY": "8", ...}) as fn:
        results = fn.invoke_all(events, concurrency=8)

Difference from the serial class on timeout: the serial one kills the process (as Lambda does to a
single-invocation sandbox); here a timeout only fails that invocation, since other invocations are
still in flight in the same process.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

try:  # imported as local.runtime_concurrent (tests put the repository root on sys.path)
    from .runtime_api import (Function, InvocationTimeout, _Invocation, _parse_error_body,
                              parse_payload)
except ImportError:  # imported with local/ itself on sys.path
    from runtime_api import (Function, InvocationTimeout, _Invocation, _parse_error_body,
                             parse_payload)


class ConcurrentFunction(Function):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: dict[str, _Invocation] = {}  # by request id
        self._pending_lock = threading.Lock()

    def _watch_exit(self):
        # Every invocation in flight when the process dies is answered "died", not left waiting.
        self.proc.wait()
        self.exited.set()
        with self._pending_lock:
            pending = list(self._pending.values())
        for inv in pending:
            if not inv.done.is_set():
                inv.kind = "died"
                inv.finished_ns = time.perf_counter_ns()
                inv.done.set()

    def invoke(self, event, timeout_s: float = 30.0) -> dict:
        """Same contract as Function.invoke, callable from many threads at once."""
        state = self._state()
        inv = self._new_invocation(state, self._payload(event), timeout_s)
        with self._pending_lock:
            self._pending[inv.request_id] = inv
        try:
            inv.queued_ns = time.perf_counter_ns()
            state.next_queue.put(inv)
            if self.exited.is_set() and not inv.done.is_set():
                inv.kind = "died"
                inv.done.set()
            if not inv.done.wait(timeout_s):
                raise InvocationTimeout(f"{self.name}: request {inv.request_id} timed out after {timeout_s}s")
        finally:
            with self._pending_lock:
                self._pending.pop(inv.request_id, None)
        if inv.kind == "died":
            raise self._died(f"while handling request {inv.request_id}")
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
            etype, emsg = _parse_error_body(inv.body, inv.error_type_header)
            result.update(ok=False, error_type=etype, error_message=emsg)
        return result

    def invoke_all(self, events, concurrency: int, timeout_s: float = 30.0, on_result=None) -> list[dict]:
        """Invoke every event with at most `concurrency` in flight; results in event order.
        `on_result(index, result)` is called as each one finishes (e.g. to sample RSS)."""
        def one(indexed):
            i, event = indexed
            r = self.invoke(event, timeout_s)
            if on_result:
                on_result(i, r)
            return r
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="invoke") as pool:
            return list(pool.map(one, enumerate(events)))


def peak_in_flight(results: list[dict]) -> int:
    """The largest number of invocations the process was handling at one moment: from each
    invocation's delivery (GET /next answered) to its response, as the Runtime API saw them."""
    edges = sorted([(r["delivered_ns"], 1) for r in results] + [(r["finished_ns"], -1) for r in results],
                   key=lambda e: (e[0], e[1]))  # at equal times, count a finish before a delivery
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak
