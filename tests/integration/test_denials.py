"""Denials. Each must come back as an error naming what was denied (role ARN,
action, table), be caused by the emulator's IAM evaluation (checked in its denial log), and leave
the process serving the next invocation.

PutItem is not something the function ever does, so "a Read-level role cannot PutItem" is checked
with boto3 under the demo role itself; the full allow/deny matrix of every access level lives in
tests/iam/test_matrix.py.
"""
import pytest
from botocore.exceptions import ClientError

from oracle import DEMO_ROLE, assert_same_items

UNGRANTED = "audit"   # a table of the main account the demo role is not granted


def denial_for(aws, action: str, resource_part: str) -> dict:
    matches = [d for d in aws.denials() if d["action"] == action and resource_part in d["resource"]]
    assert matches, f"the emulator recorded no denial of {action} on *{resource_part}*: {aws.denials()[-5:]}"
    return matches[-1]


@pytest.mark.parametrize("role", [DEMO_ROLE, "local-matrix-read"])
def test_read_level_role_cannot_put_item(aws, role):
    ddb = aws.client("dynamodb", as_role=role)
    key = {"pk": {"S": "customer#001"}, "sk": {"S": "order#0001"}}
    # The same session can read the table, so what follows is about the action, not the credentials.
    assert ddb.get_item(TableName="orders", Key=key)["Item"]["pk"] == key["pk"]
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="orders", Item={**key, "sk": {"S": "written-by-a-reader"}})
    err = e.value.response["Error"]
    assert err["Code"] == "AccessDeniedException"
    assert "dynamodb:PutItem" in err["Message"]
    assert aws.state["tables"]["orders"]["arn"] in err["Message"]
    assert f"assumed-role/{role}/" in err["Message"]
    assert not [i for i in aws.data("orders") if i["sk"]["S"] == "written-by-a-reader"]


@pytest.mark.parametrize("request_, action", [
    ({"op": "scan", "table": UNGRANTED}, "dynamodb:Scan"),
    ({"op": "scan", "table": UNGRANTED, "select": "count"}, "dynamodb:Scan"),
    ({"op": "scan", "table": UNGRANTED, "segments": 3}, "dynamodb:Scan"),
    ({"op": "query", "table": UNGRANTED, "key_condition": "pk = :pk", "values": {":pk": "audit#0001"}}, "dynamodb:Query"),
    ({"op": "get", "table": UNGRANTED, "key": {"pk": "audit#0001"}}, "dynamodb:GetItem"),
    ({"op": "batch_get", "table": UNGRANTED, "keys": [{"pk": "audit#0001"}]}, "dynamodb:BatchGetItem"),
])
def test_role_granted_other_tables_cannot_read_this_one(fn, aws, still_serves, request_, action):
    r = fn.invoke(request_)
    assert not r["ok"] and r["error_type"] == "AccessDenied", r
    msg = r["error_message"]
    assert aws.role_arn(DEMO_ROLE) in msg and action in msg and UNGRANTED in msg, msg
    denial_for(aws, action, f"table/{UNGRANTED}")
    still_serves(fn)


@pytest.mark.parametrize("request_", [
    {"op": "scan", "table": "archive"},
    {"op": "query", "table": "archive", "key_condition": "pk = :pk", "values": {":pk": "a"}},
    {"op": "get", "table": "archive", "key": {"pk": "a"}},
    {"op": "batch_get", "table": "archive", "keys": [{"pk": "a"}]},
])
def test_missing_table_is_named(fn, aws, still_serves, request_):
    """`archive` is granted to the demo role but does not exist: DynamoDB, not IAM, answers."""
    assert "archive" not in aws.state["tables"]
    r = fn.invoke(request_)
    assert not r["ok"] and r["error_type"] == "TableNotFound", r
    assert "`archive`" in r["error_message"], r
    still_serves(fn)


def test_role_granted_table_a_only(start_function, aws, still_serves):
    """local-matrix-read is granted `orders` alone: orders reads, customers is denied."""
    f = start_function(ROLE_ARN=aws.role_arn("local-matrix-read"))
    r = f.invoke({"op": "scan", "table": "orders"})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], aws.data("orders"))
    r = f.invoke({"op": "get", "table": "customers", "key": {"pk": "customer#001"}})
    assert not r["ok"] and r["error_type"] == "AccessDenied", r
    for part in (aws.role_arn("local-matrix-read"), "dynamodb:GetItem", "customers"):
        assert part in r["error_message"]
    still_serves(f)


def assert_assume_role_fails(f, aws, role_arn: str):
    for _ in range(2):   # the failure is reported every time, and the process keeps serving
        r = f.invoke({"op": "scan", "table": "orders", "select": "count"})
        assert not r["ok"] and r["error_type"] == "AssumeRoleFailed", r
        assert role_arn in r["error_message"], r["error_message"]
        assert "AccessDenied" in r["error_message"], r["error_message"]
        assert f.alive()
    return denial_for(aws, "sts:AssumeRole", role_arn)


@pytest.mark.parametrize("external_id", [None, "wrong-external-id"], ids=["missing", "wrong"])
def test_external_id_missing_or_wrong_cannot_assume(start_function, aws, external_id):
    aws.reset_stats()
    f = start_function(EXTERNAL_ID=external_id)   # init still succeeds (the warm-up only logs)
    denial = assert_assume_role_fails(f, aws, aws.role_arn(DEMO_ROLE))
    assert "assumed-role/local-consumer-fn/" in denial["principal"]
    assert denial["reason"] == "", denial   # the trust policy (its ExternalId condition) refused, not IAM
    # And the right ExternalId from the same execution role works: the difference is the ExternalId.
    ok = start_function()
    assert ok.invoke({"op": "scan", "table": "orders", "select": "count"})["payload"]["count"] == len(aws.data("orders"))


@pytest.mark.parametrize("execution_role, refused_by", [
    ("local-consumer-noassume", "identity"),   # its own policy lacks sts:AssumeRole
    ("local-consumer-other", "trust"),         # allowed by its policy, but the role does not trust it
])
def test_execution_role_without_assume_permission_or_trust(start_function, aws, execution_role, refused_by):
    aws.reset_stats()
    f = start_function(execution_role=execution_role)
    denial = assert_assume_role_fails(f, aws, aws.role_arn(DEMO_ROLE))
    assert f"assumed-role/{execution_role}/" in denial["principal"]
    # The emulator says which evaluation refused: an identity-policy reason, or none (trust, like AWS).
    assert ("no identity-based policy allows" in denial["reason"]) == (refused_by == "identity"), denial


def test_account_trust_role_with_principal_condition(start_function, aws, still_serves):
    """local-account-trust trusts the consumer account, limited by aws:PrincipalArn to local-consumer-fn."""
    f = start_function(ROLE_ARN=aws.role_arn("local-account-trust"))
    r = f.invoke({"op": "scan", "table": "orders"})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], aws.data("orders"))
    r = f.invoke({"op": "scan", "table": "customers"})
    assert not r["ok"] and r["error_type"] == "AccessDenied" and "customers" in r["error_message"], r
    still_serves(f)


def test_nonexistent_role_cannot_be_assumed(start_function, aws):
    arn = "arn:aws:iam::111111111111:role/local-ddb_cross_acc_access_role-999999999999"
    aws.reset_stats()
    f = start_function(ROLE_ARN=arn)
    assert_assume_role_fails(f, aws, arn)

