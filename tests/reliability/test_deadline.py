"""The function reads the invocation's deadline (Lambda-Runtime-Deadline-Ms) and stops
early with a next_token before Lambda would kill it; following the tokens still yields every item
exactly once.

The emulator is slowed by the fault proxy (every Scan page +DELAY), so a full read of `bulk` takes
far longer than one invocation's timeout. The local Runtime API kills the process, as Lambda does,
when no response arrives by the deadline, so "returned in time" is enforced, not just measured.
"""
import time

from rel_support import assert_exactly_once, assert_serves, key_of, table_keys
from local.fault_proxy import Delay, Rule

DELAY = 0.3      # seconds added to every Scan page


def follow_with_deadline(fn, request, timeout_s):
    """Follows next_token; returns (items, durations_ms). Each call must answer before its deadline."""
    items, durations, req = [], [], dict(request)
    for _ in range(200):
        r = fn.invoke(req, timeout_s=timeout_s)
        assert r["ok"], r
        durations.append(r["duration_ms"])
        items += [key_of(i) for i in r["payload"]["items"]]
        token = r["payload"]["next_token"]
        if token is None:
            return items, durations
        req = dict(request, next_token=token)
    raise AssertionError("too many calls")


def check(aws, fn, proxy, request, timeout_s, figures, name):
    """timeout_s: the invocation's timeout (deadline = now + timeout_s). It must leave room for the
    first page (the proxy's DELAY plus moto's Scan, one Python process evaluating IAM, KMS and the
    CloudTrail record of every call): up to ~2 s on 2 busy cores, so the timeouts below are a few
    pages long, and still far shorter than the whole read."""
    bulk = table_keys(aws, "bulk")
    proxy.add(Rule("dynamodb:Scan", Delay(DELAY)))
    started = time.monotonic()
    items, durations = follow_with_deadline(fn, request, timeout_s)
    assert_exactly_once(items, bulk)
    # every call but the last was cut by the deadline: it answered before it, using most of it
    assert len(durations) >= 2, durations
    assert all(d < timeout_s * 1000 for d in durations), durations
    assert all(d > timeout_s * 1000 * 0.5 for d in durations[:-1]), durations
    figures[name] = {"timeout_ms": timeout_s * 1000, "page_delay_ms": DELAY * 1000, "calls": len(durations),
                     "max_duration_ms": round(max(durations)), "items": len(items),
                     "wall_s": round(time.monotonic() - started, 1)}
    proxy.clear()
    assert_serves(fn, aws)


def test_sequential_scan_stops_before_the_deadline_and_resumes(start_function, proxy, aws, figures):
    fn = start_function(endpoint=proxy.endpoint)
    check(aws, fn, proxy, {"op": "scan", "table": "bulk", "page_size": 250}, 4.0, figures, "deadline_sequential")


def test_parallel_scan_stops_before_the_deadline_and_resumes(start_function, proxy, aws, figures):
    fn = start_function(endpoint=proxy.endpoint)
    check(aws, fn, proxy, {"op": "scan", "table": "bulk", "page_size": 50, "segments": 4}, 6.0, figures,
          "deadline_parallel_4_segments")


def test_a_deadline_too_close_for_one_page_is_a_timeout_error(start_function, proxy, aws):
    fn = start_function(endpoint=proxy.endpoint)
    proxy.add(Rule("dynamodb:Scan", Delay(3)))
    r = fn.invoke({"op": "scan", "table": "orders"}, timeout_s=1.0)
    assert not r["ok"] and r["error_type"] == "Timeout", r
    assert r["duration_ms"] < 1000
    proxy.clear()
    assert_serves(fn, aws)
