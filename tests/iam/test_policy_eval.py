"""The emulator's policy evaluator on its own (pure functions, no server): the IAM rules the
allow/deny matrix relies on, each checked in both directions."""
import json

import pytest

from local import aws_emulator as emu

CONSUMER_FN = "arn:aws:iam::222222222222:role/local-consumer-fn"
SESSION = "arn:aws:sts::222222222222:assumed-role/local-consumer-fn/local-consumer-fn"
TABLE = "arn:aws:dynamodb:us-east-1:111111111111:table/orders"


def caller(policies=(), principal_arn=CONSUMER_FN, arn=SESSION, account="222222222222"):
    return emu.Caller(arn, principal_arn, account, "AssumedRole", tuple(json.dumps(p) for p in policies))


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


@pytest.mark.parametrize("pattern, value, ignore_case, expected", [
    ("dynamodb:Get*", "dynamodb:GetItem", True, True),
    ("dynamodb:get*", "dynamodb:GetItem", True, True),       # actions: case-insensitive
    ("dynamodb:Get*", "dynamodb:BatchGetItem", True, False),
    (TABLE, TABLE + "/index/by_status", False, False),        # a table ARN does not cover its indexes
    (TABLE + "/index/*", TABLE + "/index/by_status", False, True),
    (TABLE.replace("orders", "ORDERS"), TABLE, False, False),  # resources: case-sensitive
    ("arn:aws:dynamodb:us-east-1:111111111111:table/orde?s", TABLE, False, True),
])
def test_glob(pattern, value, ignore_case, expected):
    assert emu.glob_match(pattern, value, ignore_case) is expected


def test_explicit_deny_wins_over_allow():
    policies = [doc(allow("dynamodb:*", "*")), doc({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": TABLE})]
    assert emu.evaluate([json.dumps(p) for p in policies], "dynamodb:PutItem", TABLE, {})[0] == emu.DENY
    assert emu.evaluate([json.dumps(p) for p in policies], "dynamodb:GetItem", TABLE, {})[0] == emu.ALLOW


def test_not_action_and_not_resource():
    policy = json.dumps(doc({"Effect": "Allow", "NotAction": "dynamodb:Delete*", "NotResource": TABLE + "/index/*"}))
    assert emu.evaluate([policy], "dynamodb:GetItem", TABLE, {})[0] == emu.ALLOW
    assert emu.evaluate([policy], "dynamodb:DeleteTable", TABLE, {})[0] == emu.IMPLICIT
    assert emu.evaluate([policy], "dynamodb:Query", TABLE + "/index/x", {})[0] == emu.IMPLICIT


@pytest.mark.parametrize("operator, expected, actual, result", [
    ("StringEquals", ["a"], ["a"], True),
    ("StringEquals", ["a"], ["A"], False),
    ("StringEquals", ["a"], None, False),                 # missing key never matches...
    ("StringNotEquals", ["a"], None, True),               # ...but satisfies a negated operator
    ("StringEqualsIfExists", ["a"], None, True),
    ("StringEqualsIgnoreCase", ["a"], ["A"], True),
    ("StringLike", ["local-*"], ["local-demo"], True),
    ("StringNotLike", ["local-*"], ["local-demo"], False),
    ("ArnEquals", [CONSUMER_FN], [CONSUMER_FN], True),
    ("ArnLike", ["arn:aws:iam::222222222222:role/local-*"], [CONSUMER_FN], True),
    ("ArnLike", ["arn:aws:iam::222222222222:role/local-*"], [SESSION], False),
    ("ArnNotEquals", [CONSUMER_FN], [CONSUMER_FN], False),
    ("Null", ["true"], None, True),
    ("Null", ["false"], None, False),
    ("Bool", ["true"], ["True"], True),
    ("ForAnyValue:StringEquals", ["k1"], ["k0", "k1"], True),
    ("ForAllValues:StringEquals", ["k1"], ["k0", "k1"], False),
])
def test_condition_operators(operator, expected, actual, result):
    assert emu._condition(operator, expected, actual) is result


def test_unsupported_operator_fails_closed():
    allow_stmt = {**allow("dynamodb:GetItem", TABLE), "Condition": {"NumericLessThan": {"aws:x": "1"}}}
    deny_stmt = {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": TABLE,
                 "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}
    assert emu.evaluate([json.dumps(doc(allow_stmt))], "dynamodb:GetItem", TABLE, {})[0] == emu.IMPLICIT
    assert emu.evaluate([json.dumps(doc(allow("*", "*"), deny_stmt))], "dynamodb:GetItem", TABLE, {})[0] == emu.DENY


ROLE = "arn:aws:iam::111111111111:role/local-ddb_cross_acc_access_role-222222222222"
ASSUME = doc(allow("sts:AssumeRole", ROLE))


def trust(principal, condition=None):
    stmt = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}}
    return json.dumps(doc({**stmt, "Condition": condition} if condition else stmt))


def test_cross_account_needs_identity_and_trust():
    emu.authorize_assume_role(caller([ASSUME]), "sts:AssumeRole", ROLE, trust(CONSUMER_FN), {})
    with pytest.raises(emu.Denied, match="no identity-based policy allows the sts:AssumeRole"):
        emu.authorize_assume_role(caller([]), "sts:AssumeRole", ROLE, trust(CONSUMER_FN), {})
    with pytest.raises(emu.Denied) as trust_refusal:
        emu.authorize_assume_role(caller([ASSUME]), "sts:AssumeRole", ROLE,
                                  trust("arn:aws:iam::222222222222:role/other"), {})
    assert str(trust_refusal.value).endswith(f"on resource: {ROLE}")  # no reason, as in AWS
    with pytest.raises(emu.Denied):  # a missing role is denied like an untrusting one
        emu.authorize_assume_role(caller([ASSUME]), "sts:AssumeRole", ROLE, None, {})


def test_same_account_trust_naming_the_caller_suffices():
    same = caller([], principal_arn="arn:aws:iam::111111111111:role/r",
                  arn="arn:aws:sts::111111111111:assumed-role/r/s", account="111111111111")
    emu.authorize_assume_role(same, "sts:AssumeRole", ROLE, trust("arn:aws:iam::111111111111:role/r"), {})
    with pytest.raises(emu.Denied):  # an account principal delegates to identity policies
        emu.authorize_assume_role(same, "sts:AssumeRole", ROLE, trust("arn:aws:iam::111111111111:root"), {})


def test_account_trust_condition_uses_the_role_arn_not_the_session():
    condition = {"ArnEquals": {"aws:PrincipalArn": CONSUMER_FN}, "StringEquals": {"sts:ExternalId": "x-id"}}
    policy = trust("arn:aws:iam::222222222222:root", condition)
    ok = caller([ASSUME])
    emu.authorize_assume_role(ok, "sts:AssumeRole", ROLE, policy, {**ok.context(), "sts:externalid": ["x-id"]})
    with pytest.raises(emu.Denied):
        emu.authorize_assume_role(ok, "sts:AssumeRole", ROLE, policy, ok.context())  # no ExternalId
    other = caller([ASSUME], principal_arn="arn:aws:iam::222222222222:role/other",
                   arn="arn:aws:sts::222222222222:assumed-role/other/s")
    with pytest.raises(emu.Denied):
        emu.authorize_assume_role(other, "sts:AssumeRole", ROLE, policy, {**other.context(), "sts:externalid": ["x-id"]})


def test_permissions_boundary_limits_identity_policies():
    c = emu.Caller(SESSION, CONSUMER_FN, "222222222222", "AssumedRole", (json.dumps(doc(allow("dynamodb:*", "*"))),),
                   boundary=json.dumps(doc(allow("dynamodb:GetItem", TABLE))))
    emu.authorize_identity(c, "dynamodb:GetItem", TABLE, {})
    with pytest.raises(emu.Denied, match="no permissions boundary allows"):
        emu.authorize_identity(c, "dynamodb:PutItem", TABLE, {})


@pytest.mark.parametrize("action, params, expected", [
    ("Scan", {"TableName": "orders"}, [("dynamodb:Scan", TABLE)]),
    ("Query", {"TableName": "orders", "IndexName": "by_status"}, [("dynamodb:Query", TABLE + "/index/by_status")]),
    ("GetItem", {"TableName": TABLE}, [("dynamodb:GetItem", TABLE)]),
    ("BatchGetItem", {"RequestItems": {"orders": {}, "audit": {}}},
     [("dynamodb:BatchGetItem", TABLE), ("dynamodb:BatchGetItem", TABLE.replace("orders", "audit"))]),
    ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "orders"}}, {"ConditionCheck": {"TableName": "orders"}}]},
     [("dynamodb:PutItem", TABLE), ("dynamodb:ConditionCheckItem", TABLE)]),
    ("ListTables", {}, [("dynamodb:ListTables", "*")]),
])
def test_dynamodb_resources(action, params, expected):
    assert emu.dynamodb_requests(action, params, "us-east-1", "111111111111") == expected


def test_fast_item_json_equals_motos_serializer():
    """The emulator dumps item-reading results itself (speed); it must equal moto's own output."""
    import boto3
    from moto import mock_aws
    from local import seed
    emu.install()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        bodies = {}
        for table in ("orders", "customers"):
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **seed.TABLES[table])
            for item in seed.TABLE_DATA[table]():
                ddb.put_item(TableName=table, Item=item)
        calls = {
            "scan": lambda: ddb.scan(TableName="customers", ReturnConsumedCapacity="TOTAL"),
            "page": lambda: ddb.scan(TableName="orders", Limit=7),
            "query": lambda: ddb.query(TableName="orders", IndexName="by_status", KeyConditionExpression="#s = :s",
                                       ExpressionAttributeNames={"#s": "status"},
                                       ExpressionAttributeValues={":s": {"S": "PENDING"}}),
            "get": lambda: ddb.get_item(TableName="customers", Key={"pk": {"S": "types#nested"}}),
            "missing": lambda: ddb.get_item(TableName="customers", Key={"pk": {"S": "none"}}),
            "batch": lambda: ddb.batch_get_item(RequestItems={"customers": {"Keys": [
                {"pk": {"S": k}} for k in ("types#binary", "types#sets", "types#numbers", "types#scalars")]}}),
        }
        try:
            for fast in (True, False):
                emu.FAST_JSON = fast
                for name, call in calls.items():
                    result = call()
                    result.pop("ResponseMetadata")
                    bodies.setdefault(name, []).append(result)
        finally:
            emu.FAST_JSON = True
    for name, (fast, moto) in bodies.items():
        assert fast == moto, name


# ---- resource-based (table) policies ----------------------------------------------------------

def table_policy(principal, actions="dynamodb:GetItem", resource=TABLE, effect="Allow", condition=None):
    stmt = {"Effect": effect, "Principal": principal, "Action": actions, "Resource": resource}
    if condition:
        stmt["Condition"] = condition
    return json.dumps(doc(stmt))


def denial(call):
    with pytest.raises(emu.Denied) as denied:
        call()
    return denied.value.reason


def test_cross_account_needs_identity_and_table_policy():
    granted = caller([doc(allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE))])
    names_role = table_policy({"AWS": CONSUMER_FN})  # GetItem only
    emu.authorize_with_resource_policy(granted, "dynamodb:GetItem", TABLE, granted.context(), names_role)
    assert "no resource-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        granted, "dynamodb:GetItem", TABLE, granted.context(), None))
    assert "no resource-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        granted, "dynamodb:PutItem", TABLE, granted.context(), names_role))
    ungranted = caller()
    assert "no identity-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        ungranted, "dynamodb:GetItem", TABLE, ungranted.context(), names_role))


def test_table_policy_naming_another_principal_does_not_allow():
    granted = caller([doc(allow("dynamodb:GetItem", TABLE))])
    other = table_policy({"AWS": "arn:aws:iam::222222222222:role/someone-else"})
    assert "no resource-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        granted, "dynamodb:GetItem", TABLE, granted.context(), other))


def test_table_policy_account_principal_with_principal_arn_condition():
    granted = caller([doc(allow("dynamodb:GetItem", TABLE))])
    policy = table_policy({"AWS": "arn:aws:iam::222222222222:root"},
                          condition={"ArnEquals": {"aws:PrincipalArn": CONSUMER_FN}})
    emu.authorize_with_resource_policy(granted, "dynamodb:GetItem", TABLE, granted.context(), policy)
    other = caller([doc(allow("dynamodb:GetItem", TABLE))], principal_arn="arn:aws:iam::222222222222:role/x",
                   arn="arn:aws:sts::222222222222:assumed-role/x/s")
    assert "no resource-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        other, "dynamodb:GetItem", TABLE, other.context(), policy))


def test_explicit_deny_in_either_policy_wins():
    granted = caller([doc(allow("dynamodb:*", TABLE))])
    both = json.dumps(doc(
        {"Effect": "Allow", "Principal": {"AWS": CONSUMER_FN}, "Action": "dynamodb:*", "Resource": TABLE},
        {"Effect": "Deny", "Principal": {"AWS": CONSUMER_FN}, "Action": "dynamodb:DeleteItem", "Resource": TABLE}))
    assert "explicit deny in a resource-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        granted, "dynamodb:DeleteItem", TABLE, granted.context(), both))
    denies = caller([doc(allow("dynamodb:*", TABLE)), doc({"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": TABLE})])
    assert "explicit deny in an identity-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        denies, "dynamodb:GetItem", TABLE, denies.context(), both))


def test_same_account_either_policy_suffices():
    main_role = "arn:aws:iam::111111111111:role/reader"
    session = "arn:aws:sts::111111111111:assumed-role/reader/s"
    by_identity = caller([doc(allow("dynamodb:GetItem", TABLE))], main_role, session, "111111111111")
    emu.authorize_with_resource_policy(by_identity, "dynamodb:GetItem", TABLE, by_identity.context(), None)
    by_table = caller((), main_role, session, "111111111111")
    emu.authorize_with_resource_policy(by_table, "dynamodb:GetItem", TABLE, by_table.context(),
                                       table_policy({"AWS": main_role}))
    # naming only the account delegates to identity policies: allows nothing by itself
    assert "no identity-based policy" in denial(lambda: emu.authorize_with_resource_policy(
        by_table, "dynamodb:GetItem", TABLE, by_table.context(), table_policy({"AWS": "111111111111"})))


# ---- what a DynamoDB request is authorized as (no server) --------------------------------------

@pytest.mark.parametrize("statement, expected", [
    ('SELECT * FROM "orders" WHERE pk = \'a\'', ("dynamodb:PartiQLSelect", "orders", None)),
    ('select "from", x FROM orders."by_status"', ("dynamodb:PartiQLSelect", "orders", "by_status")),
    ("SELECT 'FROM other' FROM \"real\"", ("dynamodb:PartiQLSelect", "real", None)),  # FROM in a string
    ('SELECT * FROM "my.table-1"."idx"', ("dynamodb:PartiQLSelect", "my.table-1", "idx")),
    ("INSERT INTO \"orders\" VALUE {'pk': 'x'}", ("dynamodb:PartiQLInsert", "orders", None)),
    ('INSERT INTO "a""b" VALUE {}', ("dynamodb:PartiQLInsert", 'a"b', None)),  # "" is a quote
    ("update orders SET v = 'x' WHERE pk = 'a'", ("dynamodb:PartiQLUpdate", "orders", None)),
    ("DELETE FROM \"orders\" WHERE pk = 'a'", ("dynamodb:PartiQLDelete", "orders", None)),
])
def test_a_partiql_statement_is_authorized_on_the_table_or_index_it_names(statement, expected):
    assert emu.partiql_target(statement) == expected


@pytest.mark.parametrize("statement, says", [
    ("EXISTS(SELECT * FROM t)", "it starts with 'EXISTS'"),
    ('DELETE "t"', "DELETE must be followed by FROM"),
    ('INSERT "t" VALUE {}', "INSERT must be followed by INTO"),
    ('UPDATE "t"."i" SET a = 1', "UPDATE names a table, not an index"),
    ("SELECT * FROM", "no table name after FROM"),
    ('SELECT * FROM "t".', "no index name after 't'."),
    ("   ", "the statement is missing or empty"),
    (None, "the statement is missing or empty"),
])
def test_a_statement_that_names_no_table_is_a_validation_error_naming_the_field(statement, says):
    with pytest.raises(emu.Rejected) as refused:
        emu.partiql_target(statement, "Statements[2].Statement")
    assert refused.value.code == "ValidationException"
    assert f"Statements[2].Statement: {says}" in refused.value.message, refused.value.message


def test_batches_and_transactions_are_authorized_statement_by_statement():
    requests = emu.dynamodb_requests("BatchExecuteStatement", {"Statements": [
        {"Statement": 'SELECT * FROM "a"."i"'}, {"Statement": "DELETE FROM b WHERE pk = 'x'"}]},
        "us-east-1", "111111111111")
    assert requests == [("dynamodb:PartiQLSelect", "arn:aws:dynamodb:us-east-1:111111111111:table/a/index/i"),
                        ("dynamodb:PartiQLDelete", "arn:aws:dynamodb:us-east-1:111111111111:table/b")]
    requests = emu.dynamodb_requests("ExecuteTransaction", {"TransactStatements": [
        {"Statement": "UPDATE t SET v = 'x' WHERE pk = 'a'"}]}, "eu-west-1", "111111111111")
    assert requests == [("dynamodb:PartiQLUpdate", "arn:aws:dynamodb:eu-west-1:111111111111:table/t")]
    with pytest.raises(emu.Rejected, match="statements"):
        emu.dynamodb_requests("BatchExecuteStatement", {"Statements": []}, "us-east-1", "111111111111")


def test_import_table_backups_and_streams_are_authorized_on_their_own_arns():
    assert emu.dynamodb_requests("ImportTable", {"TableCreationParameters": {"TableName": "new"}},
                                 "us-east-1", "111111111111") == [("dynamodb:ImportTable", TABLE[:-len("orders")] + "new")]
    backup = TABLE + "/backup/01700000000000-abc"
    assert emu.dynamodb_requests("DescribeBackup", {"BackupArn": backup}, "us-east-1", "1") == [
        ("dynamodb:DescribeBackup", backup)]
    stream = TABLE + "/stream/2026-01-01T00:00:00.000"
    assert emu.dynamodb_streams_requests("DescribeStream", {"StreamArn": stream}) == [("dynamodb:DescribeStream", stream)]
    assert emu.dynamodb_streams_requests("GetRecords", {"ShardIterator": f"{stream}|1|abc"}) == [
        ("dynamodb:GetRecords", stream)]
    with pytest.raises(emu.Rejected, match="Invalid ShardIterator"):
        emu.dynamodb_streams_requests("GetRecords", {"ShardIterator": "not-an-iterator"})
