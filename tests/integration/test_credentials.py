"""The credential and configuration paths: one AssumeRole per credential lifetime shared by
every warm invocation (counted at the emulator), the role ARN derived from MAIN_ACCOUNT_ID +
ENVIRONMENT, the session name, and logs that carry the request fields but never a credential.
"""
import pytest

from oracle import DEMO_ROLE, assert_same_items, load_event

WARM_INVOCATIONS = 60


def test_one_assume_role_for_many_warm_invocations(start_function, aws):
    aws.reset_stats()
    f = start_function()
    events = [load_event(n) for n in ("count.json", "get.json", "query.json", "batch-get.json", "scan.json")]
    for i in range(WARM_INVOCATIONS):
        r = f.invoke(events[i % len(events)])
        assert r["ok"], r
    stats = aws.stats()
    ddb_calls = sum(n for action, n in stats.items() if action.startswith("dynamodb:"))
    assert ddb_calls >= WARM_INVOCATIONS, stats      # every invocation really reached DynamoDB
    assert stats.get("sts:AssumeRole") == 1, stats
    assert f.alive()


def test_role_arn_derived_from_main_account_and_environment(start_function, aws):
    """No ROLE_ARN, no CONSUMER_ACCOUNT_ID: the consumer account comes from GetCallerIdentity and the
    name follows {env}-ddb_cross_acc_access_role-{consumer}; with CONSUMER_ACCOUNT_ID that call is skipped."""
    main, consumer = aws.state["accounts"]["main"], aws.state["accounts"]["consumer"]
    assert aws.role_arn(DEMO_ROLE) == f"arn:aws:iam::{main}:role/local-ddb_cross_acc_access_role-{consumer}"
    for consumer_env, identity_calls in ((None, 1), (consumer, 0)):
        aws.reset_stats()
        f = start_function(ROLE_ARN=None, MAIN_ACCOUNT_ID=main, ENVIRONMENT="local", CONSUMER_ACCOUNT_ID=consumer_env)
        r = f.invoke({"op": "scan", "table": "customers"})
        assert r["ok"], r
        assert_same_items(r["payload"]["items"], aws.data("customers"))
        stats = aws.stats()
        assert stats.get("sts:GetCallerIdentity", 0) == identity_calls, stats
        assert stats.get("sts:AssumeRole") == 1, stats
        # Proof of which role it assumed: a denied read names it.
        r = f.invoke({"op": "scan", "table": "audit"})
        assert r["error_type"] == "AccessDenied" and aws.role_arn(DEMO_ROLE) in r["error_message"], r
        f.stop()


def test_role_session_name_reaches_sts(start_function, aws):
    f = start_function(ROLE_SESSION_NAME="nightly-export.job")
    r = f.invoke({"op": "get", "table": "audit", "key": {"pk": "audit#0001"}})
    # The session name is part of the assumed-role ARN the emulator reports in its denial.
    assert r["error_type"] == "AccessDenied", r
    assert f"assumed-role/{DEMO_ROLE}/nightly-export.job" in r["error_message"], r["error_message"]


def test_default_session_name_derives_from_function_name(fn, aws):
    r = fn.invoke({"op": "get", "table": "audit", "key": {"pk": "audit#0001"}})
    assert f"assumed-role/{DEMO_ROLE}/{fn.name}" in r["error_message"], r["error_message"]


def test_logs_have_request_fields(fn):
    mark = fn.log_mark()
    r = fn.invoke(load_event("query.json"))
    line = fn.wait_for_log(lambda l: (l.json() or {}).get("request_id") == r["request_id"]
                           and "duration_ms" in (l.json() or {}), mark)
    assert line, fn.logs_since(mark)
    fields = line.json()
    assert fields["op"] == "query" and fields["table"] == "orders"
    assert fields["items"] == r["payload"]["count"]
    for key in ("pages", "consumed_capacity", "duration_ms", "level", "timestamp"):
        assert key in fields, (key, fields)


def test_every_log_line_is_json(fn):
    assert fn.logs, "the function logged nothing"
    not_json = [l.text for l in fn.logs if not isinstance(l.json(), dict)]
    assert not not_json, not_json[:3]


def test_logs_never_contain_credentials(fn, aws):
    # Exercise the error paths too (they format SDK errors), then search every line for secrets.
    fn.invoke({"op": "scan", "table": "audit"})
    fn.invoke({"op": "nope"})
    creds = aws.state["credentials"]["local-consumer-fn"]
    text = fn.text()
    for name in ("secret_access_key", "session_token"):
        assert creds[name] not in text, f"{name} leaked into the logs"
    assert creds["access_key_id"] not in text
    assert "SecretAccessKey" not in text and "aws_secret_access_key" not in text.lower()


@pytest.mark.parametrize("duration", ["900", "3600"])
def test_session_duration_accepted(start_function, aws, duration):
    f = start_function(SESSION_DURATION_SECONDS=duration)
    r = f.invoke({"op": "scan", "table": "orders", "select": "count"})
    assert r["ok"] and r["payload"]["count"] == len(aws.data("orders")), r
