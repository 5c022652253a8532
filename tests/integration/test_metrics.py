"""EMF metrics in the real binary's log lines (read from its stdout under the local Runtime API):
each request's line is valid Embedded Metric Format by the specification's rules (local/emf.py),
its metrics are the numbers the response reports, errors count by op/table and by error_type,
METRICS=off and METRICS_NAMESPACE work (bad values: test_startup_config.py), and the log fields that existed before EMF are unchanged."""
import pytest

from local import emf

# The fields of the two per-invocation lines before they carried metrics (`stopped` only when a
# read stopped early); EMF adds `_aws`, and the failure line `errors`.
REQUEST_FIELDS = {"timestamp", "level", "target", "message", "request_id", "op", "table", "region", "items", "count",
                  "scanned_count", "pages", "consumed_capacity", "more", "duration_ms"}
FAILURE_FIELDS = {"timestamp", "level", "target", "message", "request_id", "op", "table", "region", "error_type", "error",
                  "duration_ms"}
REQUEST_METRICS = {"items": "Count", "scanned_count": "Count", "pages": "Count", "consumed_capacity": "Count",
                   "duration_ms": "Milliseconds"}

REQUESTS = [
    {"op": "scan", "table": "orders", "page_size": 4, "limit": 10},
    {"op": "scan", "table": "orders", "select": "count"},
    {"op": "query", "table": "orders", "key_condition": "pk = :pk", "values": {":pk": "customer#001"}},
    {"op": "get", "table": "orders", "key": {"pk": "customer#001", "sk": "order#0001"}},
    {"op": "batch_get", "table": "orders", "keys": [{"pk": "customer#001", "sk": "order#0001"},
                                                    {"pk": "customer#002", "sk": "order#0001"}]},
]


def line_of(f, r, mark, message):
    line = f.wait_for_log(lambda l: (l.json() or {}).get("request_id") == r["request_id"]
                          and (l.json() or {}).get("message") == message, mark)
    assert line, f.logs_since(mark)
    return line.json()


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r['op']}-{r.get('select', 'items')}" for r in REQUESTS])
def test_a_request_line_is_valid_emf_with_the_responses_numbers(fn, request_):
    mark = fn.log_mark()
    r = fn.invoke(request_)
    assert r["ok"], r
    line = line_of(fn, r, mark, "request complete")
    assert emf.problems(line) == []
    assert set(line) - {"_aws", "stopped"} == REQUEST_FIELDS
    d, = line["_aws"]["CloudWatchMetrics"]
    assert d["Namespace"] == "DdbCrossAccountReader"
    assert d["Dimensions"] == [["op", "table"]]
    assert {m["Name"]: m["Unit"] for m in d["Metrics"]} == REQUEST_METRICS
    points = {p["name"]: p for p in emf.metrics(line)}
    assert all(p["dimensions"] == {"op": request_["op"], "table": "orders"} for p in points.values())
    payload = r["payload"]
    assert points["items"]["value"] == len(payload["items"])
    assert points["scanned_count"]["value"] == payload["scanned_count"]
    assert points["consumed_capacity"]["value"] == payload["consumed_capacity"]
    assert points["pages"]["value"] >= 1
    assert 0 < points["duration_ms"]["value"] <= r["roundtrip_ms"]


def test_errors_count_by_op_and_table_and_by_error_type(fn):
    mark = fn.log_mark()
    denied = fn.invoke({"op": "get", "table": "audit", "key": {"pk": "audit#0001"}})
    invalid = fn.invoke({"op": "scann", "table": "orders"})
    assert (denied["error_type"], invalid["error_type"]) == ("AccessDenied", "InvalidRequest")

    line = line_of(fn, denied, mark, "request failed")
    assert emf.problems(line) == []
    assert set(line) - {"_aws"} == FAILURE_FIELDS | {"errors"}
    assert sorted((p["name"], tuple(p["dimensions"].items()), p["value"]) for p in emf.metrics(line)) == [
        ("errors", (("error_type", "AccessDenied"),), 1),
        ("errors", (("op", "get"), ("table", "audit")), 1)]

    # The request did not parse: no op or table to count by (CloudWatch refuses empty dimensions).
    line = line_of(fn, invalid, mark, "request failed")
    assert emf.problems(line) == []
    assert (line["op"], line["table"]) == ("", "")
    assert [(p["name"], p["dimensions"]) for p in emf.metrics(line)] == [("errors", {"error_type": "InvalidRequest"})]


def test_metrics_off_leaves_the_lines_as_they_were(start_function):
    f = start_function(METRICS="off")
    mark = f.log_mark()
    r = f.invoke(REQUESTS[0])
    line = line_of(f, r, mark, "request complete")
    assert "_aws" not in line
    assert set(line) - {"stopped"} == REQUEST_FIELDS
    assert not any("_aws" in (l.json() or {}) for l in f.logs), "no line carries EMF with METRICS=off"


def test_namespace_is_configurable(start_function):
    f = start_function(METRICS_NAMESPACE="Team/Reader")
    mark = f.log_mark()
    r = f.invoke(REQUESTS[3])
    line = line_of(f, r, mark, "request complete")
    assert emf.problems(line) == []
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Team/Reader"


def test_the_validator_rejects_what_the_specification_forbids():
    good = {"_aws": {"Timestamp": 1_800_000_000_000, "CloudWatchMetrics": [
        {"Namespace": "N", "Dimensions": [["op"]], "Metrics": [{"Name": "items", "Unit": "Count"}]}]},
        "op": "scan", "items": 1}
    assert emf.problems(good) == []
    def broken(**changes):
        d = dict(good["_aws"]["CloudWatchMetrics"][0], **changes)
        return dict(good, _aws={"Timestamp": good["_aws"]["Timestamp"], "CloudWatchMetrics": [d]})
    assert emf.problems({"op": "scan"}) == ["no top-level _aws object"]
    assert any("unit" in p for p in emf.problems(broken(Metrics=[{"Name": "items", "Unit": "Items"}])))
    assert any("1-100" in p for p in emf.problems(broken(Metrics=[{"Name": "items"}] * 101)))
    assert any("1-30" in p for p in emf.problems(broken(Dimensions=[["op"] * 31])))
    assert any("dimension 'table'" in p for p in emf.problems(broken(Dimensions=[["op", "table"]])))
    assert any("metric 'pages'" in p for p in emf.problems(broken(Metrics=[{"Name": "pages"}])))
    assert any("Namespace" in p for p in emf.problems(broken(Namespace="AWS/Lambda")))
    assert any("Timestamp" in p for p in emf.problems(dict(good, _aws=dict(good["_aws"], Timestamp="now"))))
