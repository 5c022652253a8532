"""The allow/deny matrix of the IAM that Terraform applied (terraform/main-account with
envs/local.tfvars), run against the strict emulator holding it.

The local cross-account role holds one policy per table, each at one access level, and `audit`
is granted nothing. Each operation x each of those tables is called with a session of that role.
The expectation is AWS's semantics, derived from the emulator's IAM and access-levels.json alone:
a table's level is read back from the policy attached to the role for it (its actions must be
exactly one level's list), and a call is allowed iff the operation's IAM action is in that level.
"Allowed" means the call was not refused with AccessDeniedException (a ResourceInUse or
Validation error comes after authorization, so it counts as authorized).

The function's writes are run through the same matrix (test_function_write_cell): each write op at
each table, through the real binary as deployed, including the per-action authorization of
transact_write and BatchWriteItem's deletes on a ReadWriteUpdate table."""
import fnmatch
import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from local import seed
from local.testing import ACCOUNT_TRUST_ROLE, DEMO_ROLE, EXECUTION_ROLE, MAIN_ACCOUNT, NO_ASSUME_ROLE, UNTRUSTED_ROLE

# Seeded tables the matrix calls; which level (if any) each is granted is read from IAM.
MATRIX_TABLES = ("orders", "customers", "ledger", "audit")
# Encrypted with a customer-managed key: granted Read with the key (vault) and without it (sealed).
KMS_MATRIX_TABLES = ("vault", "sealed")
LEVELS = ("Read", "ReadWriteUpdate", "Full")


def seeded(table: str) -> dict:
    """The seed definition of a table given by name or by ARN (the resource-policy matrix's form)."""
    return seed.TABLES[table.rsplit("/", 1)[-1]]


def key_names(table: str) -> list[str]:
    return [k["AttributeName"] for k in seeded(table)["KeySchema"]]


def matrix_key(table: str, op: str) -> dict:
    """A key of the matrix's own per operation, so no write disturbs another cell or the data."""
    key = {"pk": {"S": f"matrix#{op}"}}
    if "sk" in key_names(table):
        sk_type = next(a["AttributeType"] for a in seeded(table)["AttributeDefinitions"] if a["AttributeName"] == "sk")
        key["sk"] = {sk_type: "1" if sk_type == "N" else "cell"}
    return key


def table_spec(table: str) -> dict:
    names = key_names(table)
    return {"KeySchema": seeded(table)["KeySchema"],
            "AttributeDefinitions": [a for a in seeded(table)["AttributeDefinitions"] if a["AttributeName"] in names]}


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:{MAIN_ACCOUNT}:table/{table}"


def partiql_value(value: dict) -> str:
    """A key attribute (DynamoDB JSON) as a PartiQL literal."""
    return value["N"] if "N" in value else "'" + value["S"].replace("'", "''") + "'"


def partiql_where(table: str, op: str) -> str:
    return " AND ".join(f'"{k}" = {partiql_value(v)}' for k, v in matrix_key(table, op).items())


def partiql_insert(table: str, op: str) -> str:
    fields = ", ".join(f"'{k}': {partiql_value(v)}" for k, v in matrix_key(table, op).items())
    return f'INSERT INTO "{table}" VALUE {{{fields}}}'


# Below the table: ARNs that name nothing, so an authorized call gets the not-found error that
# comes after authorization (AWS authorizes on the ARN the request names).
MISSING_BACKUP, MISSING_STREAM = "/backup/01700000000000-matrix0", "/stream/2026-01-01T00:00:00.000"


def streams(dynamodb_client):
    """A DynamoDB Streams client with the same credentials, endpoint and region as a DynamoDB client."""
    meta, creds = dynamodb_client.meta, dynamodb_client._request_signer._credentials
    return boto3.client("dynamodbstreams", endpoint_url=meta.endpoint_url, region_name=meta.region_name,
                        aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
                        aws_session_token=creds.token, config=meta.config)

# operation -> (IAM action, resource suffix after the table ARN, call(client, table, existing key)).
# PartiQL is authorized per statement on the table (or index) the statement names; a batch or
# transaction needs each of its statements' actions (the first refused one is named).
OPERATIONS = {
    "GetItem": ("dynamodb:GetItem", "", lambda c, t, k: c.get_item(TableName=t, Key=k)),
    "BatchGetItem": ("dynamodb:BatchGetItem", "", lambda c, t, k: c.batch_get_item(RequestItems={t: {"Keys": [k]}})),
    "Query": ("dynamodb:Query", "", lambda c, t, k: c.query(
        TableName=t, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": k["pk"]})),
    "QueryIndex": ("dynamodb:Query", "/index/by_status", lambda c, t, k: c.query(
        TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "SHIPPED"}})),
    "Scan": ("dynamodb:Scan", "", lambda c, t, k: c.scan(TableName=t, Limit=5)),
    "DescribeTable": ("dynamodb:DescribeTable", "", lambda c, t, k: c.describe_table(TableName=t)),
    "PutItem": ("dynamodb:PutItem", "", lambda c, t, k: c.put_item(
        TableName=t, Item={**matrix_key(t, "put"), "v": {"N": "1"}})),
    "UpdateItem": ("dynamodb:UpdateItem", "", lambda c, t, k: c.update_item(
        TableName=t, Key=matrix_key(t, "update"), UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}})),
    "DeleteItem": ("dynamodb:DeleteItem", "", lambda c, t, k: c.delete_item(TableName=t, Key=matrix_key(t, "absent"))),
    "BatchWriteItem": ("dynamodb:BatchWriteItem", "", lambda c, t, k: c.batch_write_item(
        RequestItems={t: [{"PutRequest": {"Item": matrix_key(t, "batch")}}]})),
    # The seeded tables have deletion protection: an authorized DeleteTable gets a
    # ValidationException, so the matrix never destroys the table the other cells use.
    "DeleteTable": ("dynamodb:DeleteTable", "", lambda c, t, k: c.delete_table(TableName=t)),
    # The table exists: an authorized CreateTable gets ResourceInUseException.
    "CreateTable": ("dynamodb:CreateTable", "", lambda c, t, k: c.create_table(
        TableName=t, BillingMode="PAY_PER_REQUEST", **table_spec(t))),
    "ListExports": ("dynamodb:ListExports", "", lambda c, t, k: c.list_exports(TableArn=table_arn(t))),
    "DescribeBackup": ("dynamodb:DescribeBackup", MISSING_BACKUP,
                       lambda c, t, k: c.describe_backup(BackupArn=table_arn(t) + MISSING_BACKUP)),
    # DynamoDB Streams (its own endpoint): the matrix tables have no stream, so an authorized call
    # is ResourceNotFoundException (GetRecords: an iterator never issued is ValidationException).
    "DescribeStream": ("dynamodb:DescribeStream", MISSING_STREAM, lambda c, t, k: streams(c).describe_stream(
        StreamArn=table_arn(t) + MISSING_STREAM)),
    "GetShardIterator": ("dynamodb:GetShardIterator", MISSING_STREAM, lambda c, t, k: streams(c).get_shard_iterator(
        StreamArn=table_arn(t) + MISSING_STREAM, ShardId="shardId-00000001700000000000-matrix0",
        ShardIteratorType="TRIM_HORIZON")),
    "GetRecords": ("dynamodb:GetRecords", MISSING_STREAM, lambda c, t, k: streams(c).get_records(
        ShardIterator=f"{table_arn(t)}{MISSING_STREAM}|1|matrix")),
    "DeleteBackup": ("dynamodb:DeleteBackup", MISSING_BACKUP,
                     lambda c, t, k: c.delete_backup(BackupArn=table_arn(t) + MISSING_BACKUP)),
    # The table exists: an authorized ImportTable gets ResourceInUseException before any import.
    "ImportTable": ("dynamodb:ImportTable", "", lambda c, t, k: c.import_table(
        S3BucketSource={"S3Bucket": "matrix-no-such-bucket"}, InputFormat="DYNAMODB_JSON",
        TableCreationParameters={"TableName": t, "BillingMode": "PAY_PER_REQUEST", **table_spec(t)})),
    "PartiQLSelect": ("dynamodb:PartiQLSelect", "", lambda c, t, k: c.execute_statement(
        Statement=f'SELECT * FROM "{t}" WHERE "pk" = {partiql_value(k["pk"])}')),
    "PartiQLSelectIndex": ("dynamodb:PartiQLSelect", "/index/by_status", lambda c, t, k: c.execute_statement(
        Statement=f'SELECT * FROM "{t}"."by_status" WHERE "status" = \'SHIPPED\'')),
    "PartiQLInsert": ("dynamodb:PartiQLInsert", "", lambda c, t, k: c.execute_statement(
        Statement=partiql_insert(t, "partiql-insert"))),
    "PartiQLUpdate": ("dynamodb:PartiQLUpdate", "", lambda c, t, k: c.execute_statement(
        Statement=f'UPDATE "{t}" SET "v" = \'3\' WHERE {partiql_where(t, "partiql-update")}')),
    "PartiQLDelete": ("dynamodb:PartiQLDelete", "", lambda c, t, k: c.execute_statement(
        Statement=f'DELETE FROM "{t}" WHERE {partiql_where(t, "absent")}')),
    "BatchExecuteStatement": (("dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert"), "", lambda c, t, k: (
        c.batch_execute_statement(Statements=[
            {"Statement": f'SELECT * FROM "{t}" WHERE {partiql_where(t, "absent")}'},
            {"Statement": partiql_insert(t, "partiql-batch")}]))),
    "ExecuteTransaction": (("dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"), "", lambda c, t, k: (
        c.execute_transaction(TransactStatements=[
            {"Statement": f'UPDATE "{t}" SET "v" = \'4\' WHERE {partiql_where(t, "partiql-tx")}'},
            {"Statement": f'DELETE FROM "{t}" WHERE {partiql_where(t, "absent")}'}]))),
}
# The matrix's own item a PartiQL UPDATE changes, put before the cell and removed after it (moto
# fails an UPDATE of a missing item, where DynamoDB answers ConditionalCheckFailedException).
UPDATED_ITEM = {"PartiQLUpdate": "partiql-update", "ExecuteTransaction": "partiql-tx"}
# The operations that take the table by name or by ARN (test_resource_policy_matrix.py calls them
# with the ARN); PartiQL names its table inside the statement, ImportTable the table it creates.
BY_NAME_OR_ARN = ("GetItem", "BatchGetItem", "Query", "QueryIndex", "Scan", "DescribeTable", "PutItem",
                  "UpdateItem", "DeleteItem", "BatchWriteItem", "DeleteTable", "CreateTable")
# Errors that come after authorization: the call was authorized.
AUTHORIZED_ERRORS = {"ResourceInUseException", "ValidationException", "ResourceNotFoundException",
                     "BackupNotFoundException", "ConditionalCheckFailedException",
                     "DuplicateItemException", "TransactionCanceledException"}


def actions_of(op: str) -> tuple[str, ...]:
    action = OPERATIONS[op][0]
    return action if isinstance(action, tuple) else (action,)


def action_in_level(action: str, level_actions: list[str]) -> bool:
    # IAM action names are case-insensitive and may carry wildcards.
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in level_actions)


@pytest.fixture(scope="module")
def applied_grants(aws) -> dict[str, list[str]]:
    """{table: actions} of the role as IAM holds it: every policy Terraform attached, read back."""
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    grants: dict[str, list[str]] = {}
    attached = iam.list_attached_role_policies(RoleName=DEMO_ROLE)["AttachedPolicies"]
    assert attached and not iam.list_role_policies(RoleName=DEMO_ROLE)["PolicyNames"]
    for p in attached:
        if p["PolicyName"].endswith("-exports"):
            continue  # the export grant (no access level; tests/integration/test_export.py exercises it)
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        kms = [st for st in doc["Statement"] if all(r.startswith("arn:aws:kms:") for r in st["Resource"])]
        for stmt in doc["Statement"]:
            assert stmt["Effect"] == "Allow"
            if stmt in kms:
                continue  # a table's key grant: kms_grants reads it
            tables = {r.split(":table/")[1].split("/")[0] for r in stmt["Resource"]}
            assert len(tables) == 1, stmt   # one policy per table
            table = tables.pop()
            # The home region's table and indexes, and a global table's replica in seed.OTHER_REGION
            # (replica_regions); never any other region.
            regions = {r.split(":")[3] for r in stmt["Resource"]}
            assert "us-east-1" in regions and regions <= {"us-east-1", seed.OTHER_REGION}, stmt
            arns = [f"arn:aws:dynamodb:{region}:{MAIN_ACCOUNT}:table/{table}" for region in regions]
            # Each level: the table and its indexes; Full also what its actions are authorized on
            # below the table (access-level-resources.json).
            kinds = {r.split(f":table/{table}", 1)[1] for r in stmt["Resource"]}
            assert kinds in ({"", "/index/*"}, {"", "/index/*", "/stream/*", "/backup/*", "/export/*", "/import/*"}), stmt
            assert sorted(stmt["Resource"]) == sorted(arn + kind for arn in arns for kind in kinds), stmt
            grants.setdefault(table, []).extend(stmt["Action"])
    return grants


@pytest.fixture(scope="module")
def kms_grants(aws) -> dict[str, dict]:
    """{table: {"key": key ARN, "actions": [...], "via": kms:ViaService}} of the role's table
    policies that also grant a KMS key (each policy names one table: the table its other statement
    grants)."""
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    grants = {}
    for p in iam.list_attached_role_policies(RoleName=DEMO_ROLE)["AttachedPolicies"]:
        if p["PolicyName"].endswith("-exports"):
            continue  # the export grant holds no key
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        table = next(r.split(":table/")[1].split("/")[0] for st in doc["Statement"] for r in st["Resource"]
                     if ":table/" in r)
        for stmt in doc["Statement"]:
            if all(r.startswith("arn:aws:kms:") for r in stmt["Resource"]):
                assert len(stmt["Resource"]) == 1, stmt
                grants[table] = {"key": stmt["Resource"][0], "actions": stmt["Action"],
                                 "via": stmt["Condition"]["StringEquals"]["kms:ViaService"]}
    return grants


@pytest.fixture(scope="module")
def table_levels(applied_grants, access_levels) -> dict[str, str | None]:
    """{table: access level or None} of every matrix table, from the applied policies."""
    levels = {}
    for table in MATRIX_TABLES:
        actions = sorted(applied_grants.get(table, []))
        matching = [lv for lv in LEVELS if sorted(access_levels[lv]) == actions]
        assert actions == [] or len(matching) == 1, f"{table}: applied actions {actions} are no single access level"
        levels[table] = matching[0] if matching else None
    return levels


def test_matrix_covers_every_level_and_an_ungranted_table(table_levels):
    assert sorted(v for v in table_levels.values() if v) == sorted(LEVELS), table_levels
    assert None in table_levels.values(), table_levels


CELLS = [pytest.param(op, table, id=f"{table}-{op}") for table in MATRIX_TABLES for op in OPERATIONS]


@pytest.mark.parametrize("op, table", CELLS)
def test_cell(aws, access_levels, table_levels, op, table):
    _, suffix, call = OPERATIONS[op]
    level = table_levels[table]
    refused = [a for a in actions_of(op) if level is None or not action_in_level(a, access_levels[level])]
    expected_allowed = not refused
    action = (refused or [None])[0]
    client = aws.client("dynamodb", as_role=DEMO_ROLE)
    existing = {k: v for k, v in aws.data(table)[0].items() if k in key_names(table)}
    admin = aws.client("dynamodb")
    if op in UPDATED_ITEM:
        admin.put_item(TableName=table, Item=matrix_key(table, UPDATED_ITEM[op]))
    try:
        call(client, table, existing)
        outcome = "allowed"
    except ClientError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        if code == "AccessDeniedException":
            outcome = "denied"
            # AWS names who, what and on which resource.
            resource = f"arn:aws:dynamodb:us-east-1:{MAIN_ACCOUNT}:table/{table}{suffix}"
            assert f":assumed-role/{DEMO_ROLE}/" in message and f"perform: {action} " in message, message
            assert f"on resource: {resource} " in message, message
        elif code in AUTHORIZED_ERRORS:
            outcome = "allowed"
        else:
            pytest.fail(f"unexpected {code}: {message}")
    finally:
        if op in UPDATED_ITEM:
            admin.delete_item(TableName=table, Key=matrix_key(table, UPDATED_ITEM[op]))
    assert outcome == ("allowed" if expected_allowed else "denied"), (table, level, op)


def test_each_statement_of_a_partiql_batch_is_authorized_on_its_own_table(aws, table_levels):
    """A batch reading a Full table and the ungranted one is refused on the ungranted table's ARN,
    and a transaction's statements each need their own action."""
    full = next(t for t, lv in table_levels.items() if lv == "Full")
    ungranted = next(t for t, lv in table_levels.items() if lv is None)
    client = aws.client("dynamodb", as_role=DEMO_ROLE)
    with pytest.raises(ClientError) as denied:
        client.batch_execute_statement(Statements=[
            {"Statement": f'SELECT * FROM "{full}" WHERE {partiql_where(full, "absent")}'},
            {"Statement": f'SELECT * FROM "{ungranted}" WHERE {partiql_where(ungranted, "absent")}'}])
    message = denied.value.response["Error"]["Message"]
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException", message
    assert f"perform: dynamodb:PartiQLSelect on resource: {table_arn(ungranted)} " in message, message
    client.batch_execute_statement(Statements=[  # the Full table alone: allowed
        {"Statement": f'SELECT * FROM "{full}" WHERE {partiql_where(full, "absent")}'}])


@pytest.mark.parametrize("statement, field", [
    ("EXISTS(SELECT * FROM t)", "Statement"),
    ('DELETE "orders"', "Statement"),
    ('UPDATE "orders"."by_status" SET "v" = 1', "Statement"),
    ("SELECT * FROM", "Statement"),
])
def test_a_statement_the_emulator_cannot_place_is_a_validation_error_naming_the_field(aws, statement, field):
    client = aws.client("dynamodb", as_role=DEMO_ROLE)
    with pytest.raises(ClientError) as refused:
        client.execute_statement(Statement=statement)
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException" and f"{field}: " in error["Message"], error
    with pytest.raises(ClientError) as refused:
        client.execute_transaction(TransactStatements=[
            {"Statement": f'DELETE FROM "orders" WHERE {partiql_where("orders", "absent")}'}, {"Statement": statement}])
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException" and "TransactStatements[1].Statement: " in error["Message"], error


# ---- every table-scoped action, through the emulator's policy evaluator -----------------------
# Some of Full's actions have no call this emulator serves (moto has no SearchVectors, ListImports,
# DescribeImport of a missing import, global-table witnesses...). Each action the authorization
# reference lists on a table or one of its sub-resources is evaluated, on an ARN of every such
# resource type it lists, against the role's policies as IAM holds them: allowed iff the table's
# level holds the action (so a level's list and its Resource ARNs must agree).

REFERENCE_DIR = (Path(__file__).resolve().parents[2] / "tests" / "terraform" / "iam-reference" / "node_modules"
                 / "@cloud-copilot" / "iam-data" / "data")


def table_scoped_actions() -> dict[str, list[str]]:
    """{"dynamodb:Action": [ARN suffix after table/NAME for each table-level resource type it lists]}."""
    actions = json.loads((REFERENCE_DIR / "actions" / "dynamodb.json").read_text())
    types = json.loads((REFERENCE_DIR / "resourceTypes" / "dynamodb.json").read_text())
    suffix = {}
    for name, t in types.items():
        rest = t["arn"].split(":", 5)[5]
        if rest == "table/${TableName}":
            suffix[name] = ""
        elif rest.startswith("table/${TableName}/"):
            suffix[name] = f"/{rest.split('/')[2]}/matrix-{name}"
    out = {}
    for a in actions.values():
        arns = [suffix[r["name"]] for r in a["resourceTypes"] if r["name"] in suffix]
        if arns:
            out[f"dynamodb:{a['name']}"] = arns
    return out


@pytest.fixture(scope="module")
def role_documents(aws) -> list:
    """Every access-level policy document attached to the role, as IAM holds it (not the export
    grant: no access level; tests/integration/test_export.py exercises it)."""
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    docs = []
    for p in iam.list_attached_role_policies(RoleName=DEMO_ROLE)["AttachedPolicies"]:
        if p["PolicyName"].endswith("-exports"):
            continue
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        docs.append(iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"])
    return docs


def test_the_reference_covers_every_level_action(access_levels):
    scoped = table_scoped_actions()
    assert len(scoped) >= 60
    for level in LEVELS:
        assert set(access_levels[level]) <= set(scoped), (level, set(access_levels[level]) - set(scoped))


EVALUATED = [pytest.param(action, id=action.split(":")[1]) for action in sorted(table_scoped_actions())]


@pytest.mark.parametrize("action", EVALUATED)
def test_evaluated_cell(role_documents, access_levels, table_levels, action):
    from local.aws_emulator import ALLOW, evaluate
    for table, level in table_levels.items():
        expected = level is not None and action_in_level(action, access_levels[level])
        for suffix in table_scoped_actions()[action]:
            resource = table_arn(table) + suffix
            decision, _ = evaluate(role_documents, action, resource, {})
            assert (decision == ALLOW) == expected, (table, level, action, resource, decision)


# ---- tables encrypted with a customer-managed KMS key -----------------------------------------

KMS_LEVELS_FILE = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "conventions" / "kms-actions.json"
# What DynamoDB asks KMS for on the caller's behalf (reads: kms:Decrypt); control-plane calls none.
KMS_OPERATIONS = ("GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable")


def table_key(aws, table: str) -> str | None:
    """The table's key as DynamoDB describes it (SSEDescription), read by the main account's admin."""
    sse = aws.client("dynamodb").describe_table(TableName=table)["Table"].get("SSEDescription") or {}
    return sse.get("KMSMasterKeyArn")


def test_kms_tables_have_customer_managed_keys_and_only_vaults_is_granted(aws, kms_grants, applied_grants, access_levels):
    for table in KMS_MATRIX_TABLES:  # both granted Read on the table itself: only the key differs
        assert sorted(applied_grants.get(table, [])) == sorted(access_levels["Read"]), table
    key, other = table_key(aws, "vault"), table_key(aws, "sealed")
    assert key and other and key != other, (key, other)  # IAM grants keys, not tables: one key each
    assert all(k.startswith(f"arn:aws:kms:us-east-1:{MAIN_ACCOUNT}:key/") for k in (key, other))
    assert "vault" in kms_grants and "sealed" not in kms_grants, kms_grants
    levels = json.loads(KMS_LEVELS_FILE.read_text())
    assert kms_grants["vault"] == {"key": key, "actions": levels["Read"], "via": "dynamodb.us-east-1.amazonaws.com"}
    assert all(t not in kms_grants for t in MATRIX_TABLES), "only tables with a key get a key grant"


KMS_CELLS = [pytest.param(op, table, id=f"{table}-{op}") for table in KMS_MATRIX_TABLES for op in KMS_OPERATIONS]


@pytest.mark.parametrize("op, table", KMS_CELLS)
def test_kms_cell(aws, kms_grants, op, table):
    """Allowed iff the role's policy for the table grants kms:Decrypt on the table's own key (the
    key policy delegates to the account); DescribeTable needs no key. A denial is DynamoDB's
    AccessDeniedException "KMS key access denied", naming kms:Decrypt and the key."""
    action, suffix, call = OPERATIONS[op]
    key = table_key(aws, table)
    grant = kms_grants.get(table)
    key_granted = grant is not None and grant["key"] == key and action_in_level("kms:Decrypt", grant["actions"])
    expected_allowed = op == "DescribeTable" or key_granted
    client = aws.client("dynamodb", as_role=DEMO_ROLE)
    existing = {k: v for k, v in aws.data(table)[0].items() if k in key_names(table)}
    try:
        result = call(client, table, existing)
        outcome = "allowed"
        if op in ("Scan", "GetItem"):
            assert result.get("Items") or result.get("Item"), result  # the data really came back
    except ClientError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        assert code == "AccessDeniedException", message
        outcome = "denied"
        assert message.startswith("KMS key access denied error: "), message
        assert f":assumed-role/{DEMO_ROLE}/" in message and "perform: kms:Decrypt " in message, message
        assert f"on resource: {key} " in message, message
    assert outcome == ("allowed" if expected_allowed else "denied"), (table, op, grant)


def test_function_names_the_key_and_the_permission_when_kms_denies(fn, aws):
    """Through the real binary as deployed: the table granted with its key reads; the one granted
    without it is KmsAccessDenied naming the table, the key and kms:Decrypt."""
    ok = fn.invoke({"op": "scan", "table": "vault"})
    assert ok["ok"] and ok["payload"]["count"] == len(aws.data("vault")), ok
    r = fn.invoke({"op": "scan", "table": "sealed"})
    assert not r["ok"] and r["error_type"] == "KmsAccessDenied", r
    message = r["error_message"]
    assert table_key(aws, "sealed") in message and "kms:Decrypt" in message and "`sealed`" in message, message


def test_matrix_is_not_degenerate(access_levels):
    """Every level must both allow and deny something on its table, or the matrix would be blind
    to one direction of error."""
    for level in LEVELS:
        allowed = {op for op in OPERATIONS if all(action_in_level(a, access_levels[level]) for a in actions_of(op))}
        assert allowed and allowed != set(OPERATIONS) or level == "Full", (level, allowed)
    assert all(action_in_level(a, access_levels["Full"]) for op in OPERATIONS for a in actions_of(op))


# ---- the same matrix for the function's writes ----------------------------------------------

def plain_key(table: str, op: str) -> dict:
    """matrix_key as the function's plain JSON (numbers as {"$N": ...})."""
    return {k: ({"$N": v["N"]} if "N" in v else v["S"]) for k, v in matrix_key(table, op).items()}


# write op of the function -> (the IAM action AWS authorizes, the event for a table)
FUNCTION_WRITES = {
    "put": ("dynamodb:PutItem", lambda t: {"op": "put", "item": {**plain_key(t, "fn-put"), "v": 1}}),
    "update": ("dynamodb:UpdateItem", lambda t: {"op": "update", "key": plain_key(t, "fn-update"),
                                                 "update": "SET v = :v", "values": {":v": 2}}),
    "delete": ("dynamodb:DeleteItem", lambda t: {"op": "delete", "key": plain_key(t, "fn-absent")}),
    "batch_write-put": ("dynamodb:BatchWriteItem", lambda t: {"op": "batch_write", "puts": [plain_key(t, "fn-batch")]}),
    # BatchWriteItem is one action for puts and deletes: a ReadWriteUpdate role can delete this way.
    "batch_write-delete": ("dynamodb:BatchWriteItem",
                           lambda t: {"op": "batch_write", "deletes": [plain_key(t, "fn-absent")]}),
    "transact-put": ("dynamodb:PutItem", lambda t: {"op": "transact_write", "actions": [
        {"put": {"item": plain_key(t, "fn-tput")}}]}),
    "transact-update": ("dynamodb:UpdateItem", lambda t: {"op": "transact_write", "actions": [
        {"update": {"key": plain_key(t, "fn-tupdate"), "update": "SET v = :v", "values": {":v": 3}}}]}),
    "transact-delete": ("dynamodb:DeleteItem", lambda t: {"op": "transact_write", "actions": [
        {"delete": {"key": plain_key(t, "fn-absent")}}]}),
    "transact-condition_check": ("dynamodb:ConditionCheckItem", lambda t: {"op": "transact_write", "actions": [
        {"condition_check": {"key": plain_key(t, "fn-absent"), "condition": "attribute_not_exists(pk)"}}]}),
}
FUNCTION_CELLS = [pytest.param(op, table, id=f"fn-{table}-{op}") for table in MATRIX_TABLES for op in FUNCTION_WRITES]


@pytest.mark.parametrize("op, table", FUNCTION_CELLS)
def test_function_write_cell(aws, fn, access_levels, table_levels, op, table):
    """Through the function as deployed (ALLOW_WRITES on locally): allowed iff the level holds the
    action; a denial is AccessDenied naming the action and the table. The cell's items are removed."""
    action, event = FUNCTION_WRITES[op]
    level = table_levels[table]
    expected_allowed = level is not None and action_in_level(action, access_levels[level])
    try:
        r = fn.invoke({**event(table), "table": table})
        if expected_allowed:
            assert r["ok"], (table, level, op, r)
        else:
            assert not r["ok"] and r["error_type"] == "AccessDenied", (table, level, op, r)
            assert action in r["error_message"] and f"`{table}`" in r["error_message"], r["error_message"]
    finally:
        ddb = aws.client("dynamodb")
        for suffix in ("fn-put", "fn-update", "fn-batch", "fn-tput", "fn-tupdate"):
            ddb.delete_item(TableName=table, Key=matrix_key(table, suffix))


def test_function_matrix_denies_and_allows_at_every_level(access_levels):
    for level in LEVELS:
        allowed = {op for op, (action, _) in FUNCTION_WRITES.items() if action_in_level(action, access_levels[level])}
        expected = {"Read": set(), "Full": set(FUNCTION_WRITES),
                    "ReadWriteUpdate": set(FUNCTION_WRITES) - {"delete", "transact-delete"}}[level]
        assert allowed == expected, (level, allowed)


# ---- trust cases ----------------------------------------------------------------------------

DEMO = DEMO_ROLE
DEPLOYED = "the deployed ExternalId"
NO_IDENTITY_POLICY = "because no identity-based policy allows the sts:AssumeRole action"


def assume_error(aws, role, via, external_id):
    try:
        aws.assume(role, via=via, external_id=aws.external_id if external_id is DEPLOYED else external_id)
    except ClientError as e:
        return e.response["Error"]
    return None


def test_trust_right_principal_can_assume_and_read(aws):
    creds = aws.assume(DEMO, via=EXECUTION_ROLE)
    session = aws._client("dynamodb", creds)
    assert session.scan(TableName="orders", Limit=1)["Items"]


@pytest.mark.parametrize("via, external_id, reason", [
    # TEST-ONLY role (local/testing.py): allowed by its own policy, not named by the trust policy.
    pytest.param(UNTRUSTED_ROLE, DEPLOYED, "trust", id="another-principal"),
    pytest.param(EXECUTION_ROLE, None, "trust", id="missing-external-id"),
    pytest.param(EXECUTION_ROLE, "wrong-external-id", "trust", id="wrong-external-id"),
    # TEST-ONLY role: no identity policy, so its own account refuses before any trust policy counts.
    pytest.param(NO_ASSUME_ROLE, DEPLOYED, "identity", id="without-sts-assumerole"),
])
def test_trust_denied(aws, via, external_id, reason):
    error = assume_error(aws, DEMO, via, external_id)
    assert error is not None and error["Code"] == "AccessDenied", error
    assert f"assumed-role/{via}/" in error["Message"] and aws.role_arn(DEMO) in error["Message"]
    # A trust-policy refusal carries no reason (as in AWS); a missing identity permission says so.
    assert (NO_IDENTITY_POLICY in error["Message"]) == (reason == "identity"), error["Message"]


def test_account_trust_with_matching_principal_arn(aws):
    """The session ARN (assumed-role/<execution role>/...) is not the condition value: the
    aws:PrincipalArn condition must be evaluated against the caller's ROLE ARN."""
    creds = aws.assume(ACCOUNT_TRUST_ROLE, via=EXECUTION_ROLE)
    assert aws._client("dynamodb", creds).get_item(
        TableName="orders", Key={"pk": {"S": "customer#001"}, "sk": {"S": "order#0001"}})["Item"]


@pytest.fixture(scope="module")
def probe_credentials(aws):
    """TEST-ONLY: another consumer-account role that IS allowed sts:AssumeRole on every role by its
    own identity policy, so a refusal can only come from the main role's trust policy."""
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
        sts.assume_role(RoleArn=aws.role_arn(ACCOUNT_TRUST_ROLE), RoleSessionName="probe",
                        ExternalId=aws.external_id)
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert NO_IDENTITY_POLICY not in error["Message"]  # identity allowed: the trust condition refused


# ---- the consumer's assume policy ----------------------------------------------------------

def test_the_execution_roles_assume_policy_names_exactly_the_main_roles(aws):
    """Read back from IAM: what the consumer root attached to the execution role."""
    iam = aws.client("iam", account="222222222222")
    resources = []  # one list per statement granting an sts: action (AssumeRole, SetSourceIdentity, TagSession)
    for p in iam.list_attached_role_policies(RoleName=EXECUTION_ROLE)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        for stmt in doc["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            if any(a.startswith("sts:") for a in actions):
                resources.append(sorted(stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]))
    assert resources, "no sts: statement at all"
    expected = sorted([aws.role_arn(DEMO), aws.role_arn(ACCOUNT_TRUST_ROLE)])
    assert all(r == expected for r in resources), resources


@pytest.fixture(scope="module")
def unlisted_role(aws):
    """TEST-ONLY: a main-account role that trusts the execution role (with the ExternalId) but is
    not among the roles the consumer's assume policy names."""
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    return iam.create_role(RoleName="local-test-unlisted", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": aws.role_arn(EXECUTION_ROLE)},
            "Condition": {"StringEquals": {"sts:ExternalId": aws.external_id}}}]}))["Role"]["Arn"]


def test_a_trusting_role_outside_the_assume_policy_is_refused_by_it(aws, unlisted_role):
    error = assume_error(aws, unlisted_role, EXECUTION_ROLE, DEPLOYED)
    assert error is not None and error["Code"] == "AccessDenied", error
    assert NO_IDENTITY_POLICY in error["Message"] and unlisted_role in error["Message"], error["Message"]
