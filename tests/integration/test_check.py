"""`{"op": "check"}`, the pre-flight: the real binary against the emulator, each step broken in
turn (the configuration, the AssumeRole three ways, a missing table, an ungranted table, a key not
granted, a table ARN in another region and in another account) and the all-green case in both access modes. A check never
writes and never returns or logs item data.

Expectations come from the emulator (its tables, keys, denial log and call counts), never from
the function's own answer.
"""
import json

import pytest

from local.seed import OTHER_REGION
from local.testing import MAIN_ACCOUNT, NO_ASSUME_ROLE, UNTRUSTED_ROLE, ResourcePolicyAccess
from oracle import DEMO_ROLE, load_event

CHECKS = ["region", "describe_table", "read", "kms_key"]


def report(f, event) -> dict:
    r = f.invoke(event)
    assert r["ok"], f"a check succeeds even when its steps fail: {r}"
    p = r["payload"]
    assert set(p) == {"ok", "steps"}, p
    return p


def steps(p: dict) -> dict:
    """configuration / assume_role by name; table steps by their table."""
    return {s.get("table", s["step"]): s for s in p["steps"]}


def checks(step: dict) -> dict:
    assert [c["check"] for c in step["checks"]] == CHECKS, step
    return {c["check"]: c for c in step["checks"]}


def table_key(aws, table: str) -> str | None:
    sse = aws.client("dynamodb").describe_table(TableName=table)["Table"].get("SSEDescription") or {}
    return sse.get("KMSMasterKeyArn")


def snapshot(aws) -> dict:
    return {t: sorted(json.dumps(i, sort_keys=True) for i in aws.data(t)) for t in aws.state["tables"]}


def item_texts(aws, tables) -> set[str]:
    """Every string value of every item in `tables`, as the emulator holds them."""
    out = set()
    for t in tables:
        for item in aws.data(t):
            for v in item.values():
                # Distinctive values only (keys like customer#001, ids): plain words could be in any text.
                if "S" in v and len(v["S"]) >= 6 and any(ch.isdigit() for ch in v["S"]):
                    out.add(v["S"])
    return out


def test_sample_event_all_green_with_and_without_a_kms_key(fn, aws):
    event = load_event("check.json")
    assert event == {"op": "check", "table": ["orders", "vault"]}
    aws.reset_stats()
    before = snapshot(aws)
    p = report(fn, event)
    stats = aws.stats()   # before the test's own admin calls below
    assert p["ok"] is True, json.dumps(p, indent=1)
    s = steps(p)
    assert list(s) == ["configuration", "assume_role", "orders", "vault"]
    config = s["configuration"]
    assert config["status"] == "ok"
    env = aws.function_env()
    assert config["settings"] == {
        "access_mode": "assume_role", "role_arn": aws.role_arn(DEMO_ROLE), "main_account_id": None,
        "region": env["TABLE_REGION"] if "TABLE_REGION" in env else env["AWS_REGION"],
        "default_table": env["DEFAULT_TABLE"], "external_id_set": True,
        "writes": env.get("ALLOW_WRITES") == "true", "exports": bool(env.get("EXPORT_BUCKET")),
    }
    assert aws.external_id not in json.dumps(p), "the ExternalId's value never appears"
    assert s["assume_role"]["status"] == "ok" and aws.role_arn(DEMO_ROLE) in s["assume_role"]["detail"]
    for table in ("orders", "vault"):
        assert s[table]["status"] == "ok", s[table]
        c = checks(s[table])
        assert all(x["status"] == "ok" for x in c.values()), c
        assert aws.state["tables"][table]["arn"] in c["describe_table"]["detail"]
        assert c["kms_key"].get("key_arn") == table_key(aws, table)
    assert table_key(aws, "vault") and table_key(aws, "orders") is None
    # One AssumeRole by the check itself; per table one DescribeTable and one Scan, nothing else.
    assert stats.get("sts:AssumeRole", 0) >= 1, stats
    assert stats.get("dynamodb:DescribeTable") == 2 and stats.get("dynamodb:Scan") == 2, stats
    assert not {k for k in stats if k.startswith("dynamodb:")} - {"dynamodb:DescribeTable", "dynamodb:Scan"}, stats
    assert snapshot(aws) == before


def test_default_table_is_checked_when_none_is_named(fn, aws):
    p = report(fn, {"op": "check"})
    s = steps(p)
    assert p["ok"] and list(s) == ["configuration", "assume_role", aws.function_env()["DEFAULT_TABLE"]], p


def test_no_table_and_no_default_table_fails_the_configuration_step(start_function, aws):
    f = start_function(DEFAULT_TABLE=None, SCHEDULED_REQUEST=None)
    p = report(f, {"op": "check"})
    s = steps(p)
    assert p["ok"] is False and list(s) == ["configuration", "assume_role"], p
    config = s["configuration"]
    assert config["status"] == "failed" and config["error_type"] == "InvalidRequest", config
    assert "DEFAULT_TABLE" in config["detail"] and "DEFAULT_TABLE" in config["fix"], config
    assert config["settings"]["default_table"] is None
    assert s["assume_role"]["status"] == "ok", "the AssumeRole is still checked"


def assert_assume_role_step_fails(f, aws, cause: str) -> dict:
    aws.reset_stats()
    p = report(f, {"op": "check", "table": ["orders", "customers"]})
    s = steps(p)
    assert p["ok"] is False
    step = s["assume_role"]
    assert step["status"] == "failed" and step["error_type"] == "AssumeRoleFailed", step
    assert step["cause"] == cause, step
    assert aws.role_arn(DEMO_ROLE) in step["detail"] and aws.role_arn(DEMO_ROLE) in step["fix"], step
    assert step["fix"].endswith(".") and "\n" not in step["fix"]
    # STS's own code and message, not the SDK's dump of the raw HTTP response.
    assert f"could not assume {aws.role_arn(DEMO_ROLE)}: AccessDenied: User: " in step["detail"], step
    assert "SdkBody" not in step["detail"] and "headers" not in step["detail"], step
    for table in ("orders", "customers"):
        assert s[table]["status"] == "skipped" and "assume_role failed" in s[table]["detail"], s[table]
    stats = aws.stats()
    assert not any(k.startswith("dynamodb:") for k in stats), f"no table call without credentials: {stats}"
    denied = [d for d in aws.denials() if d["action"] == "sts:AssumeRole"]
    assert denied and aws.role_arn(DEMO_ROLE) in denied[-1]["resource"], aws.denials()[-3:]
    assert f.alive()
    return step


@pytest.mark.parametrize("external_id", [None, "wrong-external-id"], ids=["missing", "wrong"])
def test_external_id_missing_or_wrong(start_function, aws, external_id):
    f = start_function(EXTERNAL_ID=external_id)
    step = assert_assume_role_step_fails(f, aws, "trust_policy")
    assert "EXTERNAL_ID" in step["fix"] and "trust policy" in step["fix"], step
    assert ("(it is not set)" in step["fix"]) == (external_id is None), step
    assert steps(report(f, {"op": "check"}))["configuration"]["settings"]["external_id_set"] == (external_id is not None)
    if external_id:
        assert external_id not in json.dumps(report(f, {"op": "check"}))


def test_execution_role_without_sts_assume_role(start_function, aws):
    f = start_function(execution_role=NO_ASSUME_ROLE)
    step = assert_assume_role_step_fails(f, aws, "execution_role_permission")
    assert "sts:AssumeRole" in step["fix"] and "execution role" in step["fix"], step
    assert f"assumed-role/{NO_ASSUME_ROLE}/" in step["detail"], step


def test_role_that_does_not_trust_the_caller(start_function, aws):
    f = start_function(execution_role=UNTRUSTED_ROLE)
    step = assert_assume_role_step_fails(f, aws, "trust_policy")
    assert "trust policy" in step["fix"], step
    assert f"assumed-role/{UNTRUSTED_ROLE}/" in step["detail"], step


def test_missing_ungranted_and_key_not_granted_tables(fn, aws, still_serves):
    assert "archive" not in aws.state["tables"] and {"audit", "sealed"} <= set(aws.state["tables"])
    aws.reset_stats()
    before = snapshot(aws)
    p = report(fn, {"op": "check", "table": ["archive", "audit", "sealed", "orders"]})
    s = steps(p)
    assert p["ok"] is False and s["assume_role"]["status"] == "ok"
    assert s["orders"]["status"] == "ok", "one table's failure does not spill into another's"

    archive = checks(s["archive"])
    assert s["archive"]["status"] == "failed"
    assert archive["describe_table"]["error_type"] == "TableNotFound", archive
    assert "`archive`" in archive["describe_table"]["detail"] and "Create `archive`" in archive["describe_table"]["fix"]
    assert archive["read"]["status"] == archive["kms_key"]["status"] == "skipped"

    audit = checks(s["audit"])
    denied = audit["describe_table"]
    assert denied["status"] == "failed" and denied["error_type"] == "AccessDenied", audit
    assert aws.role_arn(DEMO_ROLE) in denied["detail"] and "dynamodb:DescribeTable" in denied["detail"]
    assert "dynamodb:DescribeTable" in denied["fix"] and "`audit`" in denied["fix"], denied
    assert any(d["action"] == "dynamodb:DescribeTable" and d["resource"].endswith("table/audit") for d in aws.denials())
    assert audit["read"]["status"] == audit["kms_key"]["status"] == "skipped"

    sealed = checks(s["sealed"])
    key = table_key(aws, "sealed")
    assert key and sealed["describe_table"]["status"] == "ok"
    kms = sealed["kms_key"]
    assert kms["status"] == "failed" and kms["error_type"] == "KmsAccessDenied", sealed
    assert kms["key_arn"] == key and key in kms["detail"] and key in kms["fix"], kms
    assert "kms:Decrypt" in kms["detail"] and "kms:Decrypt" in kms["fix"], kms
    assert sealed["read"]["status"] == "skipped" and "kms_key" in sealed["read"]["detail"], sealed
    # The emulator's own record: KMS refused the key to the role during the check's read.
    assert any(d["action"] == "kms:Decrypt" and d["resource"] == key for d in aws.denials()), aws.denials()[-3:]
    assert snapshot(aws) == before
    still_serves(fn)


def test_the_read_needs_dynamodb_scan_even_for_a_count_of_one(fn, aws):
    """TEST-ONLY grant: the demo role may DescribeTable `audit` and nothing else on it, so the
    check's one-item COUNT scan is refused by IAM as dynamodb:Scan (and the key is not in play)."""
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    arn = aws.state["tables"]["audit"]["arn"]
    iam.put_role_policy(RoleName=DEMO_ROLE, PolicyName="local-tests-describe-audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": arn}]}))
    try:
        p = report(fn, {"op": "check", "table": "audit"})
    finally:
        iam.delete_role_policy(RoleName=DEMO_ROLE, PolicyName="local-tests-describe-audit")
    c = checks(steps(p)["audit"])
    assert c["describe_table"]["status"] == "ok", c
    assert c["read"]["status"] == "failed" and c["read"]["error_type"] == "AccessDenied", c
    assert "dynamodb:Scan" in c["read"]["detail"] and "dynamodb:Scan" in c["read"]["fix"], c
    assert any(d["action"] == "dynamodb:Scan" and d["resource"] == arn for d in aws.denials())
    assert c["kms_key"]["status"] == "ok" and "key_arn" not in c["kms_key"], "audit has no KMS key of its own"
    assert p["ok"] is False


def test_a_table_arn_in_another_region_is_checked_in_that_region(fn, aws):
    """orders has a granted replica in OTHER_REGION; customers exists there but is granted only at home."""
    home = aws.state["region"]
    orders = aws.state["tables"]["orders"]["arn"].replace(f":{home}:", f":{OTHER_REGION}:")
    customers = aws.state["tables"]["customers"]["arn"].replace(f":{home}:", f":{OTHER_REGION}:")
    aws.reset_stats()
    p = report(fn, {"op": "check", "table": [orders, customers]})
    s = steps(p)
    replica = checks(s[orders])
    assert all(replica[x]["status"] == "ok" for x in CHECKS), replica
    assert OTHER_REGION in replica["region"]["detail"] and orders in replica["describe_table"]["detail"], replica
    ungranted = checks(s[customers])
    assert ungranted["region"]["status"] == "ok" and OTHER_REGION in ungranted["region"]["detail"], ungranted
    d = ungranted["describe_table"]
    assert d["status"] == "failed" and d["error_type"] == "AccessDenied", ungranted
    assert OTHER_REGION in d["detail"] and "customers" in d["detail"], d
    assert any(x["action"] == "dynamodb:DescribeTable" and x["resource"] == customers for x in aws.denials())
    assert all(ungranted[x]["status"] == "skipped" for x in ("read", "kms_key")), ungranted
    assert p["ok"] is False
    assert aws.stats().get("sts:AssumeRole") == 1, "the check's one AssumeRole serves both regions"


def test_a_table_arn_of_another_account_fails_the_region_check(fn, aws):
    """In assume_role mode a data request reduces an ARN to its name; the check says the account differs."""
    arn = aws.state["tables"]["orders"]["arn"].replace(f":{MAIN_ACCOUNT}:", ":333333333333:")
    assert ":333333333333:" in arn
    p = report(fn, {"op": "check", "table": arn})
    c = checks(steps(p)[arn])
    assert p["ok"] is False and c["region"]["status"] == "failed", c
    assert "333333333333" in c["region"]["detail"] and MAIN_ACCOUNT in c["region"]["detail"], c
    assert all(c[x]["status"] == "skipped" for x in ("describe_table", "read", "kms_key")), c


def test_resource_policy_mode_skips_the_assume_role(start_function, aws):
    access = ResourcePolicyAccess(aws).apply()
    try:
        f = start_function(**access.function_overrides())
        aws.reset_stats()
        p = report(f, {"op": "check", "table": ["orders", "audit"]})
        s = steps(p)
        settings = s["configuration"]["settings"]
        assert settings["access_mode"] == "resource_policy" and settings["role_arn"] is None
        assert settings["main_account_id"] == aws.state["accounts"]["main"] and settings["external_id_set"] is False
        assert s["assume_role"]["status"] == "skipped" and "resource_policy" in s["assume_role"]["detail"]
        assert s["orders"]["status"] == "ok", s["orders"]
        # audit has no resource policy for the execution role: denied, and the fix names both policies.
        audit = checks(s["audit"])["describe_table"]
        assert audit["error_type"] == "AccessDenied" and "resource policy" in audit["fix"], audit
        assert p["ok"] is False
        assert "sts:AssumeRole" not in aws.stats(), "resource_policy mode makes no STS call"
    finally:
        access.remove()


@pytest.mark.parametrize("event, field", [
    ({"op": "check", "table": []}, "table"),
    ({"op": "check", "table": 7}, "table"),
    ({"op": "check", "table": [f"t{i:03}" for i in range(21)]}, "table"),
    ({"op": "check", "table": ["orders", "a b"]}, "table[1]"),
    ({"op": "check", "table": ["orders", 3]}, "table[1]"),
    ({"op": "check", "table": ["orders", "orders"]}, "table[1]"),
    ({"op": "check", "table": "arn:aws:dynamodb:us-east-1:1:table/orders"}, "table"),
    ({"op": "check", "key": {"pk": "a"}}, "key"),
])
def test_bad_check_requests_name_the_field(fn, still_serves, event, field):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    assert f"field `{field}`" in r["error_message"], r
    still_serves(fn)


def test_nothing_is_written_and_no_item_data_is_answered_or_logged(fn, aws):
    tables = ["orders", "customers", "ledger", "vault", "bulk"]
    before = snapshot(aws)
    texts = item_texts(aws, tables)
    assert len(texts) > 50, "the tables hold data to look for"
    mark = fn.log_mark()
    p = report(fn, {"op": "check", "table": tables})
    assert p["ok"], json.dumps(p, indent=1)
    answer = json.dumps(p)
    # The line is written as the invocation ends; the harness reads the pipe on a thread of its own.
    assert fn.wait_for_log(lambda l: "check complete" in l.text, mark), fn.logs_since(mark)
    logs = "\n".join(l.text for l in fn.logs_since(mark))
    for text in texts:
        assert text not in answer, f"item data in the answer: {text}"
        assert text not in logs, f"item data in the logs: {text}"
    creds = aws.execution_credentials()
    for secret in (creds["secret_access_key"], creds["session_token"], creds["access_key_id"]):
        assert secret not in answer and secret not in logs
    assert snapshot(aws) == before
