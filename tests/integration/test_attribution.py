"""Who read the data: the function's AssumeRole carries a SourceIdentity (its name) and session tags
(naming.json's session_tags), the main account's trust policy allows exactly those values
(Terraform pins them; the emulator enforces the conditions as STS does), and the main account's
CloudTrail (the emulator's record of it) names the consumer function on every DynamoDB call."""
import json

from local.deploy import naming
from local.testing import CONSUMER_ACCOUNT, ENVIRONMENT, EXECUTION_ROLE, FUNCTION_NAME, MAIN_ACCOUNT
from oracle import DEMO_ROLE

TAGS = {k: v.format(function_name=FUNCTION_NAME, environment=ENVIRONMENT, consumer_account_id=CONSUMER_ACCOUNT)
        for k, v in naming()["session_tags"].items()}


def events(aws, source, name=None):
    return [e for e in aws.cloudtrail() if e["eventSource"] == source and (name is None or e["eventName"] == name)]


def test_the_deployed_environment_sends_the_function_name_and_the_pinned_tags(aws):
    env = aws.function_env()
    assert env["SOURCE_IDENTITY"] == FUNCTION_NAME
    assert json.loads(env["SESSION_TAGS"]) == TAGS
    assert set(TAGS) == {"consumer", "environment", "function"}
    assert TAGS["consumer"] == CONSUMER_ACCOUNT and TAGS["function"] == FUNCTION_NAME


def test_cloudtrail_names_the_consumer_function_on_every_read(start_function, aws):
    aws.reset_stats()
    f = start_function()
    for request in ({"op": "scan", "table": "orders", "select": "count"},
                    {"op": "get", "table": "orders", "key": {"pk": "customer#001", "sk": "order#0001"}}):
        r = f.invoke(request)
        assert r["ok"], r
    assume = events(aws, "sts.amazonaws.com", "AssumeRole")
    assert len(assume) == 1, assume
    a = assume[0]
    assert "errorCode" not in a, a
    assert a["recipientAccountId"] == MAIN_ACCOUNT
    assert a["requestParameters"]["roleArn"] == aws.role_arn(DEMO_ROLE)
    assert a["requestParameters"]["sourceIdentity"] == FUNCTION_NAME
    assert {t["key"]: t["value"] for t in a["requestParameters"]["tags"]} == TAGS
    # Signed by the consumer's execution role (the session Lambda gave the function).
    assert a["userIdentity"]["accountId"] == CONSUMER_ACCOUNT, a
    assert a["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == \
        f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/{EXECUTION_ROLE}", a

    reads = events(aws, "dynamodb.amazonaws.com")
    assert {e["eventName"] for e in reads} >= {"Scan", "GetItem"}, reads
    session_arn = f"arn:aws:sts::{MAIN_ACCOUNT}:assumed-role/{DEMO_ROLE}/{FUNCTION_NAME}"
    for e in reads:
        assert e["recipientAccountId"] == MAIN_ACCOUNT, e
        identity = e["userIdentity"]
        assert (identity["type"], identity["arn"]) == ("AssumedRole", session_arn), identity
        assert identity["sessionContext"]["sessionIssuer"]["arn"] == aws.role_arn(DEMO_ROLE), identity
        assert identity["sessionContext"]["sourceIdentity"] == FUNCTION_NAME, identity
        assert e["principalTags"] == TAGS, e
        assert "errorCode" not in e, e
    assert any(r["ARN"].endswith(":table/orders") for e in reads for r in e["resources"]), reads


def test_a_denied_read_is_recorded_with_who_tried(fn, aws):
    aws.reset_stats()
    r = fn.invoke({"op": "scan", "table": "audit"})
    assert r["error_type"] == "AccessDenied", r
    denied = [e for e in events(aws, "dynamodb.amazonaws.com") if e.get("errorCode") == "AccessDenied"]
    assert len(denied) == 1, aws.cloudtrail()
    assert denied[0]["userIdentity"]["sessionContext"]["sourceIdentity"] == FUNCTION_NAME, denied
    assert denied[0]["resources"][0]["ARN"].endswith(":table/audit"), denied


def test_a_source_identity_the_trust_does_not_pin_is_refused(start_function, aws):
    aws.reset_stats()
    f = start_function(SOURCE_IDENTITY="someone-else")
    r = f.invoke({"op": "scan", "table": "orders", "select": "count"})
    assert r["error_type"] == "AssumeRoleFailed", r
    assert aws.role_arn(DEMO_ROLE) in r["error_message"], r
    assert any(d["action"] == "sts:SetSourceIdentity" for d in aws.denials()), aws.denials()
    refused = events(aws, "sts.amazonaws.com", "AssumeRole")
    assert refused and all(e.get("errorCode") == "AccessDenied" for e in refused), refused
    assert refused[0]["requestParameters"]["sourceIdentity"] == "someone-else"
    assert not events(aws, "dynamodb.amazonaws.com"), "nothing is read without credentials"
    assert f.alive()


def test_tags_the_trust_does_not_pin_are_refused(start_function, aws):
    """Every tag must be present with its pinned value (aws:RequestTag/...), and no other key may
    be sent (ForAllValues on aws:TagKeys)."""
    extra = {**TAGS, "team": "data"}
    changed = {**TAGS, "environment": "prod"}
    missing = {k: v for k, v in TAGS.items() if k != "function"}
    for tags in (extra, changed, missing):
        aws.reset_stats()
        f = start_function(SESSION_TAGS=json.dumps(tags))
        r = f.invoke({"op": "scan", "table": "orders", "select": "count"})
        assert r["error_type"] == "AssumeRoleFailed", (tags, r)
        assert any(d["action"] == "sts:TagSession" for d in aws.denials()), (tags, aws.denials())
        f.stop()


def test_without_attribution_the_role_is_still_assumed_and_cloudtrail_shows_no_source_identity(start_function, aws):
    aws.reset_stats()
    f = start_function(SOURCE_IDENTITY="off", SESSION_TAGS="off")
    r = f.invoke({"op": "scan", "table": "orders", "select": "count"})
    assert r["ok"], r
    (a,) = events(aws, "sts.amazonaws.com", "AssumeRole")
    assert "sourceIdentity" not in a["requestParameters"] and "tags" not in a["requestParameters"], a
    reads = events(aws, "dynamodb.amazonaws.com", "Scan")
    assert reads and all("sourceIdentity" not in e["userIdentity"]["sessionContext"] for e in reads), reads
    assert all(e["principalTags"] == {} for e in reads), reads
