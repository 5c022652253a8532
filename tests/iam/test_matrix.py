"""The allow/deny matrix of the Terraform-rendered roles, run against the
strict emulator seeded with exactly those documents.

Each access level (role local-matrix-<level>, granted table `orders` at that level) x each
operation x {granted table, another table}. The expectation is AWS's semantics derived from
access-levels.json alone: allowed iff the table is the granted one and the operation's IAM action
is in the level's list. "Allowed" means the call was not refused with AccessDeniedException (a
ResourceInUse or Validation error comes after authorization, so it counts as authorized)."""
import fnmatch

import pytest
from botocore.exceptions import ClientError

LEVEL_ROLES = {"Read": "local-matrix-read", "ReadWriteUpdate": "local-matrix-readwriteupdate",
               "Full": "local-matrix-full"}
GRANTED, OTHER = "orders", "customers"
MAIN = "111111111111"

# Existing keys of the seeded data; writes go to keys of their own so no cell disturbs another.
EXISTING_KEY = {"orders": {"pk": {"S": "customer#001"}, "sk": {"S": "order#0001"}},
                "customers": {"pk": {"S": "customer#001"}}}


def matrix_key(table: str, level: str, op: str) -> dict:
    key = {"pk": {"S": f"matrix#{level}#{op}"}}
    return {**key, "sk": {"S": "cell"}} if table == "orders" else key


def table_spec(table: str) -> dict:
    if table == "orders":
        return {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "S"}]}
    return {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}


# operation -> (IAM action, resource suffix after the table ARN, call(client, table, level))
OPERATIONS = {
    "GetItem": ("dynamodb:GetItem", "", lambda c, t, lv: c.get_item(TableName=t, Key=EXISTING_KEY[t])),
    "BatchGetItem": ("dynamodb:BatchGetItem", "", lambda c, t, lv: c.batch_get_item(
        RequestItems={t: {"Keys": [EXISTING_KEY[t]]}})),
    "Query": ("dynamodb:Query", "", lambda c, t, lv: c.query(
        TableName=t, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": EXISTING_KEY[t]["pk"]})),
    "QueryIndex": ("dynamodb:Query", "/index/by_status", lambda c, t, lv: c.query(
        TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "SHIPPED"}})),
    "Scan": ("dynamodb:Scan", "", lambda c, t, lv: c.scan(TableName=t, Limit=5)),
    "DescribeTable": ("dynamodb:DescribeTable", "", lambda c, t, lv: c.describe_table(TableName=t)),
    "PutItem": ("dynamodb:PutItem", "", lambda c, t, lv: c.put_item(
        TableName=t, Item={**matrix_key(t, lv, "put"), "v": {"N": "1"}})),
    "UpdateItem": ("dynamodb:UpdateItem", "", lambda c, t, lv: c.update_item(
        TableName=t, Key=matrix_key(t, lv, "update"), UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}})),
    "DeleteItem": ("dynamodb:DeleteItem", "", lambda c, t, lv: c.delete_item(
        TableName=t, Key=matrix_key(t, lv, "absent"))),
    "BatchWriteItem": ("dynamodb:BatchWriteItem", "", lambda c, t, lv: c.batch_write_item(
        RequestItems={t: [{"PutRequest": {"Item": matrix_key(t, lv, "batch")}}]})),
    # The seeded tables have deletion protection: an authorized DeleteTable gets a
    # ValidationException, so the matrix never destroys the table the other cells use.
    "DeleteTable": ("dynamodb:DeleteTable", "", lambda c, t, lv: c.delete_table(TableName=t)),
    # The table exists: an authorized CreateTable gets ResourceInUseException.
    "CreateTable": ("dynamodb:CreateTable", "", lambda c, t, lv: c.create_table(
        TableName=t, BillingMode="PAY_PER_REQUEST", **table_spec(t))),
}
AUTHORIZED_ERRORS = {"ResourceInUseException", "ValidationException", "ResourceNotFoundException"}


def action_in_level(action: str, level_actions: list[str]) -> bool:
    # IAM action names are case-insensitive and may carry wildcards.
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in level_actions)


CELLS = [pytest.param(level, op, table, id=f"{level}-{op}-{'granted' if table == GRANTED else 'other'}")
         for level in LEVEL_ROLES for op in OPERATIONS for table in (GRANTED, OTHER)]


@pytest.mark.parametrize("level, op, table", CELLS)
def test_cell(aws, access_levels, level, op, table):
    action, suffix, call = OPERATIONS[op]
    expected_allowed = table == GRANTED and action_in_level(action, access_levels[level])
    role = LEVEL_ROLES[level]
    client = aws.client("dynamodb", as_role=role)
    try:
        call(client, table, level)
        outcome = "allowed"
    except ClientError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        if code == "AccessDeniedException":
            outcome = "denied"
            # AWS names who, what and on which resource.
            resource = f"arn:aws:dynamodb:us-east-1:{MAIN}:table/{table}{suffix}"
            assert f":assumed-role/{role}/" in message and f"perform: {action} " in message, message
            assert f"on resource: {resource} " in message, message
        elif code in AUTHORIZED_ERRORS:
            outcome = "allowed"
        else:
            pytest.fail(f"unexpected {code}: {message}")
    assert outcome == ("allowed" if expected_allowed else "denied")


def test_matrix_is_not_degenerate(access_levels):
    """Every level must both allow and deny something on the granted table, or the matrix would
    be blind to one direction of error."""
    for level in LEVEL_ROLES:
        allowed = {op for op, (action, _, _) in OPERATIONS.items() if action_in_level(action, access_levels[level])}
        assert allowed and allowed != set(OPERATIONS) or level == "Full", (level, allowed)
    assert all(action_in_level(a, access_levels["Full"]) for a, _, _ in OPERATIONS.values())


# ---- trust cases ----------------------------------------------------------------------------

DEMO = "local-ddb_cross_acc_access_role-222222222222"
NO_IDENTITY_POLICY = "because no identity-based policy allows the sts:AssumeRole action"


def assume_error(aws, role, via, external_id):
    try:
        aws.assume(role, via=via, external_id=external_id)
    except ClientError as e:
        return e.response["Error"]
    return None


def test_trust_right_principal_can_assume_and_read(aws):
    creds = aws.assume(DEMO, via="local-consumer-fn")
    session = aws._client("dynamodb", creds)
    assert session.scan(TableName="orders", Limit=1)["Items"]


@pytest.mark.parametrize("via, external_id, reason", [
    pytest.param("local-consumer-other", "local-demo-external-id", "trust", id="another-principal"),
    pytest.param("local-consumer-fn", None, "trust", id="missing-external-id"),
    pytest.param("local-consumer-fn", "wrong-external-id", "trust", id="wrong-external-id"),
    pytest.param("local-consumer-noassume", "local-demo-external-id", "identity", id="trusted-without-sts-assumerole"),
])
def test_trust_denied(aws, via, external_id, reason):
    error = assume_error(aws, DEMO, via, external_id)
    assert error is not None and error["Code"] == "AccessDenied", error
    assert f"assumed-role/{via}/" in error["Message"] and aws.role_arn(DEMO) in error["Message"]
    # A trust-policy refusal carries no reason (as in AWS); a missing identity permission says so.
    assert (NO_IDENTITY_POLICY in error["Message"]) == (reason == "identity"), error["Message"]


def test_account_trust_with_matching_principal_arn(aws):
    """The session ARN (assumed-role/local-consumer-fn/...) is not the condition value: the
    aws:PrincipalArn condition must be evaluated against the caller's ROLE ARN."""
    creds = aws.assume("local-account-trust", via="local-consumer-fn")
    assert aws._client("dynamodb", creds).get_item(
        TableName="orders", Key={"pk": {"S": "customer#001"}, "sk": {"S": "order#0001"}})["Item"]


@pytest.fixture(scope="module")
def probe_credentials(aws):
    """Another consumer-account role that IS allowed sts:AssumeRole on every role by its own
    identity policy, so a refusal can only come from the main role's trust policy."""
    iam = aws.client("iam", account="222222222222")
    iam.create_role(RoleName="local-test-probe", AssumeRolePolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        '"Principal":{"AWS":"arn:aws:iam::222222222222:root"}}]}'))
    iam.put_role_policy(RoleName="local-test-probe", PolicyName="assume-anything", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'))
    sts = aws.client("sts", account="222222222222")
    c = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/local-test-probe",
                        RoleSessionName="probe")["Credentials"]
    return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
            "session_token": c["SessionToken"]}


def test_account_trust_with_another_principal_is_denied(aws, probe_credentials):
    sts = aws._client("sts", probe_credentials)
    with pytest.raises(ClientError) as denied:
        sts.assume_role(RoleArn=aws.role_arn("local-account-trust"), RoleSessionName="probe",
                        ExternalId="local-demo-external-id")
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert NO_IDENTITY_POLICY not in error["Message"]  # identity allowed: the trust condition refused
