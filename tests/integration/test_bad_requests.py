"""Bad requests get an InvalidRequest error naming the field in backticks, and the
same process serves the next (valid) invocation. A tampered or foreign next_token is refused.
"""
import re

import pytest

from oracle import load_event

BAD = [
    ({"op": "drop"}, "op"),
    ({"op": 7}, "op"),
    ({"table": "orders"}, "op"),
    ({"op": "scan", "limit": 0}, "limit"),
    ({"op": "scan", "limit": -1}, "limit"),
    ({"op": "scan", "limit": "10"}, "limit"),
    ({"op": "scan", "limit": 2.5}, "limit"),
    ({"op": "scan", "page_size": 0}, "page_size"),
    ({"op": "scan", "table": 12}, "table"),
    ({"op": "scan", "table": ""}, "table"),
    ({"op": "scan", "consistent_read": "yes"}, "consistent_read"),
    ({"op": "scan", "select": "everything"}, "select"),
    ({"op": "scan", "segments": 0}, "segments"),
    ({"op": "scan", "segments": 65}, "segments"),
    ({"op": "scan", "segment": 4, "total_segments": 4}, "segment"),
    ({"op": "scan", "segment": -1, "total_segments": 4}, "segment"),
    ({"op": "scan", "segment": 0}, "total_segments"),
    ({"op": "scan", "names": {"status": "status"}}, "names"),
    ({"op": "scan", "values": [1, 2]}, "values"),
    ({"op": "scan", "next_token": "not-a-token"}, "next_token"),
    ({"op": "scan", "next_token": 5}, "next_token"),
    ({"op": "get"}, "key"),
    ({"op": "get", "key": "customer#001"}, "key"),
    ({"op": "get", "key": {"pk": "customer#001"}, "limit": 1}, "limit"),
    ({"op": "batch_get"}, "keys"),
    ({"op": "batch_get", "keys": "pk"}, "keys"),
    ({"op": "query"}, "key_condition"),
    ({"op": "query", "key_condition": "pk = :pk", "values": {":pk": "x"}, "segments": 2}, "segments"),
    ({"op": "scan", "scan_forward": False}, "scan_forward"),
]


@pytest.mark.parametrize("event, field", BAD, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD)])
def test_bad_request_names_the_field(fn, still_serves, event, field):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    # The field itself, or a path inside it (`names.status`, `values.:v`).
    assert re.search(rf"`{field}(\.[^`]+)?`", r["error_message"]), r["error_message"]
    still_serves(fn)


@pytest.mark.parametrize("event", ['{"op": "scan", "foo": 1}', '{"op": "scan", "Limit": 5}'])
def test_unknown_field_is_named_with_the_expected_ones(fn, still_serves, event):
    r = fn.invoke(event)
    unknown = event.split('"')[5]
    assert r["error_type"] == "InvalidRequest", r
    assert f"unknown field `{unknown}`" in r["error_message"] and "expected one of" in r["error_message"], r
    still_serves(fn)


# (Invalid JSON never reaches a function: Lambda's Invoke API refuses it, and so does the harness.)
@pytest.mark.parametrize("event", ["[1, 2]", '"scan"', "null", "{}"])
def test_event_that_is_not_a_request(fn, still_serves, event):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    still_serves(fn)


@pytest.fixture(scope="module")
def token(fn):
    r = fn.invoke(load_event("scan.json"))
    assert r["payload"]["next_token"]
    return r["payload"]["next_token"]


def tampered(token: str) -> list[str]:
    mid = len(token) // 2
    flip = lambda c: "B" if c != "B" else "C"   # noqa: E731 - stays in the URL-safe alphabet
    return [token[:mid] + flip(token[mid]) + token[mid + 1:], token[:-1] + flip(token[-1]),
            flip(token[0]) + token[1:], token[:-4], token + "AAAA"]


def test_token_is_url_safe(token):
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_tampered_token_is_refused(fn, still_serves, token):
    for bad in tampered(token):
        r = fn.invoke(dict(load_event("scan.json"), next_token=bad))
        assert not r["ok"] and r["error_type"] == "InvalidRequest", (bad, r)
        assert "`next_token`" in r["error_message"]
    still_serves(fn)


@pytest.mark.parametrize("other", [
    {"op": "scan", "table": "customers"},
    {"op": "scan", "table": "orders", "filter": "attribute_exists(draft)"},
    {"op": "scan", "table": "orders", "segments": 2},
    {"op": "query", "table": "orders", "key_condition": "pk = :pk", "values": {":pk": "customer#001"}},
])
def test_token_from_another_request_is_refused(fn, still_serves, token, other):
    r = fn.invoke(dict(other, next_token=token))
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    assert "`next_token`" in r["error_message"]
    still_serves(fn)


def test_token_survives_changing_limit_and_page_size(fn, token, aws):
    # limit/page_size only steer paging; the rest of the request must be the same.
    r = fn.invoke(dict(load_event("scan.json"), next_token=token, limit=3, page_size=2))
    assert r["ok"] and r["payload"]["count"] == 3, r

