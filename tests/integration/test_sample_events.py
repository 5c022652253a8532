"""Every sample event in events/ returns what the emulator's data says it should.

Expectations come from the emulator itself: LocalAws.data() (its backend, every item) or the same
DynamoDB operation issued by the main-account admin with boto3. Nothing is hard-coded.
"""
from decimal import Decimal

import pytest

from local.testing import ResourcePolicyAccess, _function, function_env
from oracle import admin_query, assert_same_items, follow, item_mismatch, items_of, key_of, load_event, to_av, to_key


@pytest.fixture(scope="module", params=["assume_role", "resource_policy"])
def fn(request, aws, binary, fn):
    """The sample events in both access modes: the deployed function (assume_role), and one
    started with ACCESS_MODE=resource_policy after the tables' resource policies and the
    execution role's direct grants are in place."""
    if request.param == "assume_role":
        yield fn  # the session's shared function
        return
    access = ResourcePolicyAccess(aws).apply()
    try:
        f = _function(binary, function_env(aws, **access.function_overrides())).start()
        yield f
        f.stop()
    finally:
        access.remove()


def admin_scan(aws, request: dict, limit: int | None = None, start: dict | None = None):
    """The emulator's scan for `request` (all pages unless `limit`); returns (items, LastEvaluatedKey)."""
    params = {"TableName": request["table"]}
    if request.get("filter"):
        params["FilterExpression"] = request["filter"]
    if request.get("values"):
        params["ExpressionAttributeValues"] = {k: to_av(v) for k, v in request["values"].items()}
    if request.get("names"):
        params["ExpressionAttributeNames"] = request["names"]
    if limit:
        params["Limit"] = limit
    items = []
    while True:
        page = aws.client("dynamodb").scan(**params, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if limit or not start:
            return items, start


def test_scan(fn, aws):
    event = load_event("scan.json")
    r = fn.invoke(event)
    assert r["ok"], r
    p = r["payload"]
    # The first `limit` items in the table's scan order, as the emulator serves them.
    expected, _ = admin_scan(aws, event, limit=event["limit"])
    assert len(expected) == event["limit"] < len(aws.data(event["table"]))
    assert_same_items(p["items"], expected, ordered=True)
    assert p["count"] == len(expected) and p["next_token"]


def test_scan_next_page(fn, aws):
    first = load_event("scan.json")
    event = load_event("scan-next-page.json")
    # The stored token is what the function produces today for scan.json (else: scripts/regen-events.py).
    assert fn.invoke(first)["payload"]["next_token"] == event["next_token"], \
        "events/scan-next-page.json is stale: run scripts/regen-events.py"
    r = fn.invoke(event)
    assert r["ok"], r
    _, after_first = admin_scan(aws, first, limit=first["limit"])
    expected, _ = admin_scan(aws, first, limit=first["limit"], start=after_first)
    assert_same_items(r["payload"]["items"], expected, ordered=True)
    # scan.json's page + this page + whatever follows = the whole table, each item once.
    rest = follow(fn, event)
    everything = fn.invoke(first)["payload"]["items"] + items_of(rest)
    assert_same_items(everything, aws.data(first["table"]))


def test_scan_parallel(fn, aws):
    event = load_event("scan-parallel.json")
    pages = follow(fn, event)
    expected, _ = admin_scan(aws, event)
    assert 0 < len(expected) < len(aws.data(event["table"]))   # the filter really filters
    assert_same_items(items_of(pages), expected)
    assert sum(p["count"] for p in pages) == len(expected)
    # All segments were read: every item of the table was examined once.
    assert sum(p["scanned_count"] for p in pages) == len(aws.data(event["table"]))


def test_count(fn, aws):
    event = load_event("count.json")
    pages = follow(fn, event)
    assert all(p["items"] == [] for p in pages)
    assert sum(p["count"] for p in pages) == len(aws.data(event["table"]))


def test_query(fn, aws):
    event = load_event("query.json")
    r = fn.invoke(event)
    assert r["ok"], r
    expected = admin_query(aws, event)
    assert expected, "the sample query should match items"
    assert_same_items(r["payload"]["items"], expected, ordered=True)
    assert r["payload"]["count"] == len(expected) and r["payload"]["next_token"] is None


def test_query_index(fn, aws):
    event = load_event("query-index.json")
    r = fn.invoke(event)
    assert r["ok"], r
    expected = admin_query(aws, event)
    assert len(expected) > 1
    assert_same_items(r["payload"]["items"], expected, ordered=True)
    # Cross-check the index against the table data itself: the projected items with that status.
    status = event["values"][":status"]
    base = [i for i in aws.data(event["table"]) if i.get("status", {}).get("S") == status]
    assert {key_of(i) for i in r["payload"]["items"]} == {key_of(i) for i in base}
    sort_keys = [i["sk"] for i in r["payload"]["items"]]
    assert sort_keys == sorted(sort_keys, reverse=not event.get("scan_forward", True))
    assert all(set(i) <= {"pk", "sk", "status", "total"} for i in r["payload"]["items"])


def test_get(fn, aws):
    event = load_event("get.json")
    r = fn.invoke(event)
    assert r["ok"], r
    expected = [i for i in aws.data(event["table"]) if key_of(i) == key_of(to_key(event["key"]))]
    assert len(expected) == 1
    assert r["payload"]["count"] == 1 and len(r["payload"]["items"]) == 1
    assert item_mismatch(r["payload"]["items"][0], expected[0]) is None


def test_get_missing_key_returns_no_item(fn, aws):
    event = dict(load_event("get.json"), key={"pk": "no-such-customer"})
    assert not [i for i in aws.data(event["table"]) if i["pk"]["S"] == "no-such-customer"]
    r = fn.invoke(event)
    assert r["ok"] and r["payload"]["items"] == [] and r["payload"]["count"] == 0


def test_batch_get(fn, aws):
    event = load_event("batch-get.json")
    r = fn.invoke(event)
    assert r["ok"], r
    wanted = {key_of(to_key(k)) for k in event["keys"]}
    expected = [i for i in aws.data(event["table"]) if key_of(i) in wanted]
    assert 0 < len(expected) < len(wanted)   # the sample includes a key that does not exist
    assert_same_items(r["payload"]["items"], expected)
    assert r["payload"]["count"] == len(expected)


def test_scheduled_event_runs_the_default_count(fn, aws):
    event = load_event("scheduled-event.json")
    assert event["detail-type"] == "Scheduled Event"
    r = fn.invoke(event)
    assert r["ok"], r
    # SCHEDULED_REQUEST is unset: a count of DEFAULT_TABLE (orders).
    assert r["payload"]["items"] == []
    assert r["payload"]["count"] == len(aws.data("orders"))


def test_scheduled_event_runs_scheduled_request(start_function, aws):
    f = start_function(SCHEDULED_REQUEST='{"op": "query", "table": "customers", "key_condition": "pk = :pk", '
                                         '"values": {":pk": "types#sets"}}')
    r = f.invoke(load_event("scheduled-event.json"))
    assert r["ok"], r
    expected = [i for i in aws.data("customers") if i["pk"]["S"] == "types#sets"]
    assert_same_items(r["payload"]["items"], expected)


def test_check(fn, aws):
    """check.json: orders and vault, all green in assume_role mode. In resource_policy mode the
    key grant of vault is not carried over (docs/access-modes.md), and the check says exactly that."""
    r = fn.invoke(load_event("check.json"))
    assert r["ok"], r
    p = r["payload"]
    steps = {s.get("table", s["step"]): s for s in p["steps"]}
    assert list(steps) == ["configuration", "assume_role", "orders", "vault"], p
    mode = steps["configuration"]["settings"]["access_mode"]
    assert steps["orders"]["status"] == "ok", steps["orders"]
    vault = {c["check"]: c for c in steps["vault"]["checks"]}
    key = aws.client("dynamodb").describe_table(TableName="vault")["Table"]["SSEDescription"]["KMSMasterKeyArn"]
    assert vault["kms_key"]["key_arn"] == key
    if mode == "assume_role":
        assert p["ok"] and steps["assume_role"]["status"] == "ok", p
        assert vault["kms_key"]["status"] == vault["read"]["status"] == "ok", vault
    else:
        assert mode == "resource_policy" and steps["assume_role"]["status"] == "skipped", p
        assert not p["ok"] and vault["kms_key"]["error_type"] == "KmsAccessDenied", vault
        assert vault["describe_table"]["status"] == "ok" and vault["read"]["status"] == "skipped", vault


def test_table_given_as_arn(fn, aws):
    arn = aws.state["tables"]["customers"]["arn"]
    r = fn.invoke({"op": "scan", "table": arn, "select": "count"})
    assert r["ok"], r
    assert r["payload"]["count"] == len(aws.data("customers"))
    assert isinstance(r["payload"]["consumed_capacity"], (int, Decimal, type(None)))


def test_serves_under_cargo_lambda_watch_deadline(start_function, aws):
    """`make demo` runs the function under cargo lambda watch 1.9.2, whose Runtime API sends
    Lambda-Runtime-Deadline-Ms: 600000 (a duration, not an epoch time). On Lambda a deadline is
    never in the past on arrival; the function must still answer instead of timing out at once."""
    f = start_function(deadline_header="600000")
    r = f.invoke(load_event("count.json"))
    assert r["ok"], r
    assert r["payload"]["count"] == len(aws.data("bulk"))


# ---- the write events (customers, ReadWriteUpdate; delete on ledger, Full) --------------------

WRITE_EVENTS = ["batch-write.json", "delete.json", "put.json", "transact-write.json", "update.json"]  # make demo's order
DEMO_KEYS = {"customers": ["demo#writer", "demo#batch-1", "demo#batch-2", "demo#batch-gone", "demo#transact-a",
                           "demo#transact-b"], "ledger": ["demo#never-written"]}


def event_av(value) -> dict:
    """A request value (with the $N / $B / $SS escapes the events use) as typed DynamoDB JSON."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("$N", "$B", "$SS"):
        (tag, v), = value.items()
        return {tag[1:]: v}
    if isinstance(value, dict):
        return {"M": {k: event_av(v) for k, v in value.items()}}
    return to_av(value)


def demo_state(aws):
    """The demo keys as the emulator holds them (sets sorted, so two reads compare equal)."""
    state = {}
    for table, pks in DEMO_KEYS.items():
        for item in aws.data(table):
            if item["pk"]["S"] in pks:
                state[item["pk"]["S"]] = {k: ({"SS": sorted(v["SS"])} if "SS" in v else v) for k, v in item.items()}
    return state


def test_write_events_do_what_they_say_and_a_rerun_leaves_the_same_tables(start_function, aws):
    # One process in assume_role mode: the write events carry client tokens, and the same token
    # with the table given by ARN (resource_policy mode) inside DynamoDB's idempotency window is
    # a different request (IdempotentParameterMismatch), so the two modes cannot replay them back
    # to back on one table.
    fn = start_function()
    try:
        results = {}
        for name in WRITE_EVENTS:
            r = fn.invoke(load_event(name))
            assert r["ok"], (name, r)
            results[name] = r["payload"]
        state = demo_state(aws)
        put, update = load_event("put.json"), load_event("update.json")
        expected_writer = {k: event_av(v) for k, v in put["item"].items()}
        expected_writer["tags"] = {"SS": sorted(expected_writer["tags"]["SS"])}
        expected_writer.update({"tier": {"S": "gold"}, "visits": {"N": "3"}})
        assert state["demo#writer"] == expected_writer
        assert item_mismatch(results["update.json"]["items"][0], {"tier": {"S": "gold"}, "visits": {"N": "3"}}) is None
        for p in load_event("batch-write.json")["puts"]:
            assert state[p["pk"]] == {k: event_av(v) for k, v in p.items()}
        assert "demo#batch-gone" not in state and "demo#never-written" not in state
        assert results["batch-write.json"]["count"] == 3 and results["transact-write.json"]["count"] == 2
        assert state["demo#transact-a"]["note"]["S"] and state["demo#transact-b"]["referred_by"] == {"S": "customer#001"}
        # a re-run (as `make demo` twice) succeeds and leaves every demo item as it was
        for name in WRITE_EVENTS:
            r = fn.invoke(load_event(name))
            assert r["ok"], (name, r)
            results[name] = r["payload"]
        assert demo_state(aws) == state
        # put's all_old shows the item the first run left
        assert item_mismatch(results["put.json"]["items"][0], {
            k: ({"SS": list(v["SS"])} if "SS" in v else v) for k, v in state["demo#writer"].items()}) is None
    finally:
        ddb = aws.client("dynamodb")
        for table, pks in DEMO_KEYS.items():
            for pk in pks:
                ddb.delete_item(TableName=table, Key={"pk": {"S": pk}})


def test_a_warm_resource_policy_process_makes_no_sts_call(fn, aws):
    """In resource_policy mode the execution role's own credentials sign: no AssumeRole, ever.
    (In assume_role mode the warm process reuses its cached session: no STS call either.)"""
    aws.reset_stats()
    for name in ("scan.json", "get.json", "query.json", "batch-get.json"):
        assert fn.invoke(load_event(name))["ok"], name
    stats = aws.stats()
    assert stats.get("dynamodb:Scan") and stats.get("dynamodb:GetItem"), stats  # the calls were counted
    assert {k: v for k, v in stats.items() if k.startswith("sts:")} == {}, stats
