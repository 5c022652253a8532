"""Other regions of the main account, through the real binary: orders is a global table with a
replica in us-west-2 (envs/local.tfvars replica_regions; seeded with items of its own, so the
answer shows which region served it), customers exists in us-west-2 but is granted in us-east-1
only. Expectations come from the emulator's backend (LocalAws.data) and its counters.
"""
import pytest

from local.seed import OTHER_REGION
from local.testing import ResourcePolicyAccess, _function, function_env
from oracle import DEMO_ROLE, assert_same_items, follow, items_of, load_event

HOME = "us-east-1"


def west_arn(aws, table: str) -> str:
    return f"arn:aws:dynamodb:{OTHER_REGION}:{aws.state['accounts']['main']}:table/{table}"


def test_the_local_environment_has_a_replica_with_items_of_its_own(aws):
    home, west = aws.data("orders"), aws.data("orders", region=OTHER_REGION)
    assert west and home
    assert not {i["pk"]["S"] for i in west} & {i["pk"]["S"] for i in home}, "the regions must be told apart"
    assert aws.state["other_region"]["tables"]["orders"]["arn"] == west_arn(aws, "orders")


def test_the_sample_event_reads_the_replica(fn, aws):
    event = load_event("query-replica.json")
    assert event["region"] == OTHER_REGION
    mark = fn.log_mark()
    r = fn.invoke(event)
    assert r["ok"], r
    line = fn.wait_for_log(lambda l: (l.json() or {}).get("request_id") == r["request_id"]
                           and "duration_ms" in (l.json() or {}), mark)
    assert line and line.json()["region"] == OTHER_REGION and line.json()["table"] == "orders", fn.logs_since(mark)
    expected = [i for i in aws.data("orders", region=OTHER_REGION) if i["pk"]["S"] == event["values"][":pk"]]
    assert expected
    assert_same_items(r["payload"]["items"], expected, ordered=True)


def test_reads_in_two_regions_in_one_warm_process_make_one_assume_role(start_function, aws):
    aws.reset_stats()
    f = start_function()
    home, west = aws.data("orders"), aws.data("orders", region=OTHER_REGION)
    for _ in range(3):
        r = f.invoke({"op": "scan", "table": "orders"})
        assert r["ok"], r
        assert_same_items(r["payload"]["items"], home)
        r = f.invoke({"op": "scan", "table": "orders", "region": OTHER_REGION})
        assert r["ok"], r
        assert_same_items(r["payload"]["items"], west)
        # The same replica named by its ARN instead of `region`.
        r = f.invoke({"op": "query", "table": west_arn(aws, "orders"), "key_condition": "pk = :pk",
                      "values": {":pk": west[0]["pk"]["S"]}})
        assert r["ok"], r
        assert_same_items(r["payload"]["items"], [i for i in west if i["pk"] == west[0]["pk"]])
    stats = aws.stats()
    assert stats.get("dynamodb:Scan", 0) >= 6 and stats.get("dynamodb:Query", 0) >= 3, stats
    assert stats.get("sts:AssumeRole") == 1, stats
    # What CloudTrail would show: the one session read in both regions.
    calls = [e for e in aws.cloudtrail() if e["eventSource"] == "dynamodb.amazonaws.com"]
    assert {e["awsRegion"] for e in calls} == {HOME, OTHER_REGION}, calls[-3:]
    assert len({e["userIdentity"]["accessKeyId"] for e in calls}) == 1, calls[-3:]
    assert f.alive()


def test_an_ungranted_region_is_denied_naming_the_table_and_the_region(fn, aws, still_serves):
    # customers is granted in us-east-1 (ReadWriteUpdate) but has no replica_regions.
    r = fn.invoke({"op": "get", "table": "customers", "region": HOME, "key": {"pk": "customer#001"}})
    assert r["ok"] and r["payload"]["count"] == 1, r
    for event in ({"op": "scan", "table": "customers", "region": OTHER_REGION},
                  {"op": "get", "table": west_arn(aws, "customers"), "key": {"pk": "customer#901"}}):
        r = fn.invoke(event)
        assert r["error_type"] == "AccessDenied", r
        message = r["error_message"]
        assert "table `customers` in region us-west-2" in message, message
        assert aws.role_arn(DEMO_ROLE) in message, message
        denied = [d for d in aws.denials() if d["resource"] == west_arn(aws, "customers")]
        assert denied, aws.denials()[-3:]
    still_serves(fn)


def test_a_token_is_refused_in_another_region(fn, aws, still_serves):
    west = aws.data("orders", region=OTHER_REGION)
    first = fn.invoke({"op": "scan", "table": "orders", "region": OTHER_REGION, "limit": 2})
    assert first["ok"] and first["payload"]["next_token"], first
    token = first["payload"]["next_token"]
    for event in ({"op": "scan", "table": "orders", "limit": 2, "next_token": token},
                  {"op": "scan", "table": "orders", "region": HOME, "limit": 2, "next_token": token}):
        r = fn.invoke(event)
        assert r["error_type"] == "InvalidRequest", r
        assert "`next_token`" in r["error_message"], r
        assert "region us-west-2" in r["error_message"] and "region us-east-1" in r["error_message"], r
        still_serves(fn)
    # A home-region token is refused in the replica's region too.
    home = fn.invoke({"op": "scan", "table": "orders", "limit": 2})
    r = fn.invoke({"op": "scan", "table": "orders", "region": OTHER_REGION, "limit": 2,
                   "next_token": home["payload"]["next_token"]})
    assert r["error_type"] == "InvalidRequest" and "`next_token`" in r["error_message"], r
    # In its own region (by `region` or by the ARN: the same request) it continues to the end.
    rest = items_of(follow(fn, {"op": "scan", "table": west_arn(aws, "orders"), "limit": 2, "next_token": token}))
    assert_same_items(first["payload"]["items"] + rest, west)


@pytest.mark.parametrize("event, expected", [
    ({"op": "scan", "table": "orders", "region": "Mars"}, "expected a region name"),
    ({"op": "scan", "table": "orders", "region": ""}, "expected a region name"),
    ({"op": "scan", "table": "orders", "region": "us-west-2 "}, "expected a region name"),
    ({"op": "scan", "table": "orders", "region": 2}, "region"),
    ({"op": "scan", "table": "orders", "region": ["us-west-2"]}, "region"),
    ({"op": "scan", "table": "arn:aws:dynamodb:us-west-2:111111111111:table/orders", "region": "us-east-1"},
     "the table ARN (field `table`) is in region us-west-2"),
])
def test_bad_region_values_are_refused_naming_the_field(fn, still_serves, event, expected):
    r = fn.invoke(event)
    assert r["error_type"] == "InvalidRequest", r
    assert "field `region`" in r["error_message"] and expected in r["error_message"], r
    still_serves(fn)


def test_a_transaction_stays_in_one_region(start_function, aws):
    f = start_function(ALLOW_WRITES="true")
    r = f.invoke({"op": "transact_write", "table": "customers", "region": OTHER_REGION, "actions": [
        {"put": {"table": f"arn:aws:dynamodb:{HOME}:{aws.state['accounts']['main']}:table/customers",
                 "item": {"pk": "customer#x"}}}]})
    assert r["error_type"] == "InvalidRequest", r
    assert "actions[0].put.table" in r["error_message"] and "us-east-1" in r["error_message"], r
    assert f.alive()


def test_resource_policy_mode_addresses_the_request_region(aws, binary):
    """ACCESS_MODE=resource_policy: the table ARN is built with the request's region. Table policies
    are per replica and modules/table-resource-policy grants the home region only, so the replica
    in us-west-2 is denied, naming its ARN and region."""
    access = ResourcePolicyAccess(aws).apply()
    try:
        f = _function(binary, function_env(aws, **access.function_overrides())).start()
        try:
            r = f.invoke({"op": "scan", "table": "orders"})
            assert r["ok"], r
            assert_same_items(r["payload"]["items"], aws.data("orders"))
            r = f.invoke({"op": "scan", "table": "orders", "region": OTHER_REGION})
            assert r["error_type"] == "AccessDenied", r
            assert f"table `{west_arn(aws, 'orders')}` in region us-west-2" in r["error_message"], r
            assert [d for d in aws.denials() if d["resource"] == west_arn(aws, "orders")], aws.denials()[-3:]
            assert f.alive()
        finally:
            f.stop()
    finally:
        access.remove()


def test_a_default_table_in_another_region_is_warmed_up_and_read_there(start_function, aws):
    aws.reset_stats()
    f = start_function(DEFAULT_TABLE=west_arn(aws, "orders"))
    # The init's warm-up DescribeTable went to the replica's region.
    warm = [e for e in aws.cloudtrail() if e["eventName"] == "DescribeTable"]
    assert [e["awsRegion"] for e in warm] == [OTHER_REGION], warm
    r = f.invoke({"op": "scan"})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], aws.data("orders", region=OTHER_REGION))
    assert aws.stats().get("sts:AssumeRole") == 1
