"""With the real binary: faults injected on the wire (local/fault_proxy.py) between the
function and the strict emulator. Each fault is survived (the SDK retries it) or reported clearly
(an error, or the items read so far plus a next_token that resumes exactly at the failed page); the
process never dies and its next invocation works.

tests/faults.rs covers the same faults against an in-process fake with a paused clock (exact retry
counts, 10 s attempt timeouts in no time, credential expiry); this suite proves them end to end.
"""
import pytest

from rel_support import assert_exactly_once, assert_serves, follow, key_of, table_keys
from local.fault_proxy import Delay, Reset, ResetMidResponse, Rule, dynamodb_error, sts_error

PAGE = 5  # `orders` has 30 items: 6 pages (+1 empty, moto does not know it was the last)


class PageCounter:
    """Numbers the Scan requests of one invocation by their ExclusiveStartKey (retries of a page
    carry the same key, so they get the same number)."""

    def __init__(self, orders_keys):
        # sorted like the table: page n starts after item n*PAGE-1
        self.start_of = {orders_keys[n * PAGE - 1]: n for n in range(1, len(orders_keys) // PAGE + 1)}

    def page(self, request) -> int:
        start = request.json.get("ExclusiveStartKey")
        if start is None:
            return 0
        return self.start_of.get((start["pk"]["S"], start["sk"]["S"]), -1)


@pytest.fixture
def orders(aws):
    return table_keys(aws, "orders")


@pytest.fixture
def pages(orders):
    return PageCounter(orders)


@pytest.fixture
def fn(start_function, proxy):
    f = start_function(endpoint=proxy.endpoint)
    proxy.reset_seen()
    return f


SCAN = {"op": "scan", "table": "orders", "page_size": PAGE}


def scan_keys(payloads):
    return [key_of(i) for p in payloads for i in p["items"]]


def test_sts_throttling_is_retried(start_function, proxy, aws):
    proxy.add(Rule("sts:AssumeRole", sts_error("Throttling", "Rate exceeded"), times=2))
    aws.reset_stats()
    f = start_function(endpoint=proxy.endpoint)  # DEFAULT_TABLE: the role is assumed during init
    r = f.invoke(SCAN)
    assert r["ok"], r
    assert proxy.count("sts:AssumeRole", faulted=True) == 2
    assert proxy.count("sts:AssumeRole", faulted=False) == 1
    assert aws.stats().get("sts:AssumeRole") == 1, "only the un-throttled attempt reached STS"
    assert_serves(f, aws)


def test_sts_access_denied_is_reported_and_the_next_invocation_recovers(start_function, proxy, aws):
    denial = sts_error("AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/local-consumer-fn/x is not "
                       "authorized to perform: sts:AssumeRole", status=403)
    proxy.add(Rule("sts:AssumeRole", denial))
    f = start_function(endpoint=proxy.endpoint)  # warm-up fails: logged, not fatal
    r = f.invoke(SCAN)
    assert not r["ok"] and r["error_type"] == "AssumeRoleFailed", r
    assert aws.role_arn("local-ddb_cross_acc_access_role-222222222222") in r["error_message"]
    assert "not authorized to perform: sts:AssumeRole" in r["error_message"]
    assert proxy.count("dynamodb:Scan") == 0
    proxy.clear()  # the trust policy is fixed
    assert_serves(f, aws)


def test_dynamodb_throttling_mid_scan_is_retried(fn, proxy, aws, orders, pages):
    rule = proxy.add(Rule("dynamodb:Scan", dynamodb_error("ProvisionedThroughputExceededException"), times=3,
                          when=lambda r: pages.page(r) == 3))
    payloads = follow(fn, SCAN)
    assert len(payloads) == 1, "retried inside the invocation"
    assert rule.applied == 3
    assert_exactly_once(scan_keys(payloads), orders)
    assert_serves(fn, aws)


def test_throttling_that_outlasts_the_retries_returns_the_pages_read_and_a_resuming_token(fn, proxy, aws, orders, pages):
    proxy.add(Rule("dynamodb:Scan", dynamodb_error("ProvisionedThroughputExceededException"),
                   when=lambda r: pages.page(r) == 3))
    r = fn.invoke(SCAN)
    assert r["ok"], r
    first = scan_keys([r["payload"]])
    assert first == orders[:3 * PAGE], "exactly the pages before the throttled one"
    assert r["payload"]["next_token"], "a partial answer must not look complete"
    assert proxy.count("dynamodb:Scan", faulted=True) == 5, "the SDK's 5 attempts"
    proxy.clear()
    rest = follow(fn, dict(SCAN, next_token=r["payload"]["next_token"]))
    assert_exactly_once(first + scan_keys(rest), orders)
    assert_serves(fn, aws)


def test_throttled_first_page_is_an_error(fn, proxy, aws):
    proxy.add(Rule("dynamodb:Scan", dynamodb_error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")))
    r = fn.invoke(SCAN)
    assert not r["ok"] and r["error_type"] == "Throttled", r
    assert "ThrottlingException" in r["error_message"] and "orders" in r["error_message"]
    proxy.clear()
    assert_serves(fn, aws)


def test_connection_reset_mid_scan_is_retried(fn, proxy, aws, orders, pages):
    rule = proxy.add(Rule("dynamodb:Scan", Reset(), times=2, when=lambda r: pages.page(r) == 2))
    payloads = follow(fn, SCAN)
    assert len(payloads) == 1 and rule.applied == 2
    assert_exactly_once(scan_keys(payloads), orders)
    assert_serves(fn, aws)


def test_a_response_cut_halfway_is_retried(fn, proxy, aws, orders, pages):
    rule = proxy.add(Rule("dynamodb:Scan", ResetMidResponse(), times=1, when=lambda r: pages.page(r) == 4))
    payloads = follow(fn, SCAN)
    assert rule.applied == 1
    assert_exactly_once(scan_keys(payloads), orders)
    assert_serves(fn, aws)


def test_a_connection_that_keeps_dying_ends_the_answer_with_a_resuming_token(fn, proxy, aws, orders, pages):
    proxy.add(Rule("dynamodb:Scan", ResetMidResponse(), when=lambda r: pages.page(r) == 2))
    r = fn.invoke(SCAN)
    assert r["ok"], r
    first = scan_keys([r["payload"]])
    assert first == orders[:2 * PAGE]
    assert r["payload"]["next_token"]
    proxy.clear()
    rest = follow(fn, dict(SCAN, next_token=r["payload"]["next_token"]))
    assert_exactly_once(first + scan_keys(rest), orders)
    assert_serves(fn, aws)


@pytest.mark.slow
def test_a_page_slower_than_the_attempt_timeout_is_retried(fn, proxy, aws, orders, pages):
    # The function's SDK attempt timeout is 10 s: the first try of page 2 hangs for 12 s.
    rule = proxy.add(Rule("dynamodb:Scan", Delay(12), times=1, when=lambda r: pages.page(r) == 2))
    r = fn.invoke(SCAN, timeout_s=40)
    assert r["ok"], r
    assert rule.applied == 1
    assert 10_000 <= r["duration_ms"] < 12_000 + 5_000, r["duration_ms"]
    assert r["payload"]["next_token"] is None
    assert_exactly_once(scan_keys([r["payload"]]), orders)
    assert_serves(fn, aws)


def test_a_server_error_is_retried(fn, proxy, aws, orders, pages):
    proxy.add(Rule("dynamodb:Scan", dynamodb_error("InternalServerError", "Internal server error", status=500),
                   times=2, when=lambda r: pages.page(r) == 1))
    payloads = follow(fn, SCAN)
    assert len(payloads) == 1
    assert_exactly_once(scan_keys(payloads), orders)
    assert_serves(fn, aws)


def test_parallel_segments_resume_exactly_where_one_failed(fn, proxy, aws):
    request = {"op": "scan", "table": "bulk", "segments": 4, "page_size": 200}
    bulk = table_keys(aws, "bulk")
    # Segment 1 fails from its third page on; the other segments carry on until the answer stops.
    seen_pages = {}

    def third_page_of_segment_1(r):
        if r.json.get("Segment") != 1:
            return False
        start = r.json.get("ExclusiveStartKey")
        key = None if start is None else (start["pk"]["S"], start["sk"]["N"])
        seen_pages.setdefault(key, len(seen_pages))
        return seen_pages[key] >= 2

    proxy.add(Rule("dynamodb:Scan", ResetMidResponse(), when=third_page_of_segment_1))
    r = fn.invoke(request, timeout_s=60)
    assert r["ok"], r
    first = [key_of(i) for i in r["payload"]["items"]]
    assert 0 < len(first) < len(bulk) and r["payload"]["next_token"]
    proxy.clear()
    rest = follow(fn, dict(request, next_token=r["payload"]["next_token"]), timeout_s=60)
    assert_exactly_once(first + scan_keys(rest), bulk)
    assert_serves(fn, aws)
