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
from concurrent.futures import ThreadPoolExecutor

try:  # imported as local.runtime_concurrent (tests put the repository root on sys.path)
    from .runtime_api import Function, Invocation, InvocationTimeout
except ImportError:  # imported with local/ itself on sys.path
    from runtime_api import Function, Invocation, InvocationTimeout


class ConcurrentFunction(Function):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Invocation] = {}  # by request id
        self._pending_lock = threading.Lock()

    def in_flight(self) -> list[Invocation]:
        with self._pending_lock:
            return list(self._pending.values())

    def invoke(self, event, timeout_s: float = 30.0) -> dict:
        """Same contract as Function.invoke, callable from many threads at once."""
        inv = self.new_invocation(event, timeout_s)
        with self._pending_lock:
            self._pending[inv.request_id] = inv
        try:
            self.enqueue(inv)
            if not inv.done.wait(timeout_s):
                raise InvocationTimeout(f"{self.name}: request {inv.request_id} timed out after {timeout_s}s")
        finally:
            with self._pending_lock:
                self._pending.pop(inv.request_id, None)
        return self.result(inv)

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
