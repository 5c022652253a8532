"""The allow/deny matrix of the resource-policy access mode, on the IAM and table policies Terraform
applied (local/deploy.py apply_resource_policy_mode: the consumer root with
envs/local-resource-policy.tfvars, environment localrp, then the main root's
envs/local-resource-policy.tfvars and envs/local-other-principal.tfvars), once for the module.

Every operation of the assume-role matrix (test_matrix.py) x each of its tables is called with the
localrp execution role's own credentials (as Lambda hands them), addressing the main account's table
by ARN: no AssumeRole. Across accounts AWS allows a call only when both the caller's identity policy
and the table's resource-based policy allow it. The expectation comes from access-levels.json and
resource-policy-actions.json alone: each table's level is read back from what Terraform applied (the
execution role's identity policy and the table's policy must hold exactly one level's actions within
what a table policy can grant), and a call is allowed iff the operation's action is among them.

Beside the matrix: `bulk`, which the localrp identity policy grants but whose table policy names
another principal (the local execution role): refused by the table policy; and the local execution
role, which that table policy names but whose identity policy lacks the table: refused by its
identity policy. The function itself runs the write matrix too, with the environment Terraform gave the
localrp function."""
import json

import pytest
from botocore.exceptions import ClientError

from local import deploy
from local.runtime_api import Function
from local.testing import CONSUMER_ACCOUNT, MAIN_ACCOUNT, REGION
from test_matrix import (AUTHORIZED_ERRORS, BY_NAME_OR_ARN, FUNCTION_WRITES, LEVELS, MATRIX_TABLES, OPERATIONS,
                         action_in_level, key_names, matrix_key)

# The assume-role matrix's operations that address a table by ARN (as a call across accounts must).
OPERATIONS = {op: OPERATIONS[op] for op in BY_NAME_OR_ARN}

RESOURCE_POLICY_ACTIONS = json.loads(
    (deploy.TERRAFORM_DIR / "modules" / "conventions" / "resource-policy-actions.json").read_text())
ENVIRONMENT = "localrp"  # envs/local-resource-policy.tfvars of both roots
EXECUTION_ROLE = deploy.conventional_name("execution_role_name", ENVIRONMENT)
OTHER_TABLE = "bulk"  # its table policy names the local execution role (envs/local-other-principal.tfvars)
IDENTITY_REFUSED = "because no identity-based policy allows"
TABLE_REFUSED = "because no resource-based policy allows"


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{MAIN_ACCOUNT}:table/{table}"


def policy_documents(iam, role: str) -> list[dict]:
    docs = []
    for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        docs.append(json.loads(doc) if isinstance(doc, str) else doc)
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        docs.append(json.loads(doc) if isinstance(doc, str) else doc)
    return docs


def as_list(v) -> list:
    return v if isinstance(v, list) else [v]


@pytest.fixture(scope="module")
def applied(aws) -> dict:
    """The resource-policy deployments, applied once for the module into the session's emulator."""
    result = deploy.apply_resource_policy_mode(aws.state, aws.workdir)
    print(f"\nresource-policy deployments applied in {result['seconds']} s")
    aws.reset_stats()
    return result


@pytest.fixture(scope="module")
def exec_role_arn(applied) -> str:
    arn = applied["function"]["role_arn"]
    assert arn == f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/{EXECUTION_ROLE}" == \
        applied["terraform"]["consumer_resource_policy"]["execution_role_arn"]
    return arn


@pytest.fixture(scope="module")
def identity_grants(aws, applied, exec_role_arn) -> dict[str, list[str]]:
    """{table: actions} the localrp execution role's identity policies grant on the main account's
    tables, read back from IAM; and nothing of STS (no AssumeRole in this mode)."""
    grants: dict[str, list[str]] = {}
    for doc in policy_documents(aws.client("iam", account=CONSUMER_ACCOUNT), EXECUTION_ROLE):
        for st in doc["Statement"]:
            actions = as_list(st["Action"])
            assert st["Effect"] == "Allow" and not any(a.startswith("sts:") for a in actions), st
            resources = as_list(st["Resource"])
            tables = [r for r in resources if f":{MAIN_ACCOUNT}:table/" in r]
            if not tables:
                continue  # logs, tracing, the dead-letter queue: not DynamoDB
            arn = next(r for r in tables if "/index/" not in r)
            assert sorted(resources) == [arn, f"{arn}/index/*"], st
            grants.setdefault(arn.rsplit("/", 1)[1], []).extend(actions)
    return grants


@pytest.fixture(scope="module")
def table_policies(aws, applied) -> dict[str, dict]:
    """{table: the one statement of its resource-based policy} for every seeded table that has one,
    read back from DynamoDB as the main account holds it."""
    ddb = aws.client("dynamodb", account=MAIN_ACCOUNT)
    out = {}
    for table in aws.state["tables"]:
        try:
            doc = json.loads(ddb.get_resource_policy(ResourceArn=table_arn(table))["Policy"])
        except ClientError as e:
            assert e.response["Error"]["Code"] == "PolicyNotFoundException", e.response
            continue
        statement, = doc["Statement"]
        assert statement["Resource"] == [table_arn(table), f"{table_arn(table)}/index/*"], statement
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": CONSUMER_ACCOUNT}}, statement
        out[table] = statement
    return out


def level_of(actions: list[str], access_levels: dict) -> str | None:
    matching = [lv for lv in LEVELS if sorted(set(access_levels[lv]) & set(RESOURCE_POLICY_ACTIONS)) == sorted(actions)]
    assert actions == [] or len(matching) == 1, f"applied actions {actions} are no single access level"
    return matching[0] if matching else None


@pytest.fixture(scope="module")
def table_levels(identity_grants, table_policies, exec_role_arn, access_levels) -> dict[str, str | None]:
    """{table: level or None} of every matrix table: the identity policy and the table policy
    (naming the execution role) must grant the same level, or neither may grant anything."""
    levels = {}
    for table in MATRIX_TABLES:
        identity = sorted(identity_grants.get(table, []))
        st = table_policies.get(table)
        on_table = sorted(as_list(st["Action"])) if st else []
        if st:
            assert as_list(st["Principal"]["AWS"]) == [exec_role_arn], st
        assert identity == on_table, f"{table}: identity grants {identity}, the table policy {on_table}"
        levels[table] = level_of(identity, access_levels)
    return levels


def test_the_matrix_covers_every_level_and_an_ungranted_table(table_levels):
    assert sorted(v for v in table_levels.values() if v) == sorted(LEVELS), table_levels
    assert None in table_levels.values(), table_levels


def test_every_level_allows_and_denies_something(access_levels):
    """Otherwise the matrix would be blind to one direction of error at that level."""
    for level in LEVELS:
        granted = set(access_levels[level]) & set(RESOURCE_POLICY_ACTIONS)
        allowed = {op for op, (action, _, _) in OPERATIONS.items() if action_in_level(action, sorted(granted))}
        assert allowed and allowed != set(OPERATIONS), (level, allowed)


def direct_client(aws, credentials: dict):
    return aws._client("dynamodb", credentials)


def refusal(call) -> tuple[str, str] | None:
    """None when authorized (an error DynamoDB raises after authorization counts as authorized),
    else (code, message) of an AccessDeniedException."""
    try:
        call()
        return None
    except ClientError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        if code in AUTHORIZED_ERRORS:
            return None
        assert code == "AccessDeniedException", f"unexpected {code}: {message}"
        return code, message


def existing_key(aws, table: str) -> dict:
    return {k: v for k, v in aws.data(table)[0].items() if k in key_names(table)}


CELLS = [pytest.param(op, table, id=f"{table}-{op}") for table in MATRIX_TABLES for op in OPERATIONS]


@pytest.mark.parametrize("op, table", CELLS)
def test_cell(aws, applied, access_levels, table_levels, identity_grants, op, table):
    action, suffix, call = OPERATIONS[op]
    level = table_levels[table]
    granted = sorted(set(access_levels[level]) & set(RESOURCE_POLICY_ACTIONS)) if level else []
    expected_allowed = action_in_level(action, granted)
    client = direct_client(aws, applied["function"]["credentials"])
    arn = table_arn(table)
    denied = refusal(lambda: call(client, arn, existing_key(aws, table)))
    assert (denied is None) == expected_allowed, (table, level, op, denied)
    if denied:
        _, message = denied
        assert f":assumed-role/{EXECUTION_ROLE}/" in message and f"perform: {action} " in message, message
        assert f"on resource: {arn}{suffix} " in message, message
        # Both policies grant the same actions: what the identity policy lacks, it refuses first.
        identity_has = action_in_level(action, identity_grants.get(table, []))
        assert (IDENTITY_REFUSED if not identity_has else TABLE_REFUSED) in message, message


def test_no_sts_call_in_the_whole_matrix(aws, applied):
    """Everything above signed with the execution role's own credentials (Lambda's): no AssumeRole."""
    stats = aws.stats()
    assert stats.get("dynamodb:GetItem") and stats.get("dynamodb:Scan"), stats  # the matrix ran
    assert not {k: v for k, v in stats.items() if k.startswith("sts:")}, stats


READS = [op for op, (action, _, _) in OPERATIONS.items() if action in ("dynamodb:GetItem", "dynamodb:Query",
                                                                        "dynamodb:Scan", "dynamodb:BatchGetItem")]


@pytest.mark.parametrize("op", READS)
def test_a_table_policy_naming_another_principal_refuses(aws, applied, identity_grants, table_policies,
                                                         exec_role_arn, op):
    action, _, call = OPERATIONS[op]
    other = table_policies[OTHER_TABLE]
    assert exec_role_arn not in as_list(other["Principal"]["AWS"]), other
    assert action_in_level(action, as_list(other["Action"])), other  # the action is granted, to another
    assert action_in_level(action, identity_grants[OTHER_TABLE])     # and the identity policy allows it
    client = direct_client(aws, applied["function"]["credentials"])
    denied = refusal(lambda: call(client, table_arn(OTHER_TABLE), existing_key(aws, OTHER_TABLE)))
    assert denied is not None, f"{op} on {OTHER_TABLE} was allowed"
    assert TABLE_REFUSED in denied[1] and f":assumed-role/{EXECUTION_ROLE}/" in denied[1], denied


@pytest.mark.parametrize("op", READS)
def test_a_consumer_role_whose_identity_policy_lacks_the_table_is_refused(aws, applied, table_policies, op):
    """The local execution role: named by bulk's table policy, but its own policies grant no table."""
    action, _, call = OPERATIONS[op]
    role_arn = aws.state["function"]["role_arn"]
    other = table_policies[OTHER_TABLE]
    assert as_list(other["Principal"]["AWS"]) == [role_arn] and action_in_level(action, as_list(other["Action"]))
    iam = aws.client("iam", account=CONSUMER_ACCOUNT)
    role = role_arn.rsplit("/", 1)[1]
    assert not any(f":{MAIN_ACCOUNT}:table/" in r for doc in policy_documents(iam, role)
                   for st in doc["Statement"] for r in as_list(st["Resource"]))
    client = direct_client(aws, aws.execution_credentials())
    denied = refusal(lambda: call(client, table_arn(OTHER_TABLE), existing_key(aws, OTHER_TABLE)))
    assert denied is not None, f"{op} on {OTHER_TABLE} was allowed"
    assert IDENTITY_REFUSED in denied[1] and f":assumed-role/{role}/" in denied[1], denied


# ---- the function itself, as the localrp deployment configured it ------------------------------

@pytest.fixture(scope="module")
def rp_fn(aws, binary, applied):
    """The real binary with the environment Terraform gave the localrp function (ACCESS_MODE=
    resource_policy, MAIN_ACCOUNT_ID, ALLOW_WRITES) and its execution role's Lambda credentials."""
    function = applied["function"]
    assert function["environment"]["ACCESS_MODE"] == "resource_policy" and "ROLE_ARN" not in function["environment"]
    env = deploy.lambda_environment({"function": function, "region": REGION, "endpoint": aws.endpoint})
    f = Function(binary, env, name=function["name"]).start()
    yield f
    f.stop()


FUNCTION_CELLS = [pytest.param(op, table, id=f"fn-{table}-{op}") for table in MATRIX_TABLES for op in FUNCTION_WRITES]


@pytest.mark.parametrize("op, table", FUNCTION_CELLS)
def test_function_write_cell(aws, rp_fn, access_levels, table_levels, op, table):
    """Each write of the function at each table: allowed iff the level (within what a table policy
    grants) holds the action; a denial names the action, the table, and the identity policy as the
    one lacking it (both grant the same actions, and the identity policy is evaluated first)."""
    action, event = FUNCTION_WRITES[op]
    level = table_levels[table]
    granted = sorted(set(access_levels[level]) & set(RESOURCE_POLICY_ACTIONS)) if level else []
    try:
        r = rp_fn.invoke({**event(table), "table": table})
        if action_in_level(action, granted):
            assert r["ok"], (table, level, op, r)
        else:
            assert not r["ok"] and r["error_type"] == "AccessDenied", (table, level, op, r)
            message = r["error_message"]
            # The function names the table as the call addressed it: by ARN in this mode for single
            # and batch calls, by its plain name inside a transaction's action list.
            assert action in message and (f"`{table_arn(table)}`" in message or f"`{table}`" in message), message
            assert "the execution role's identity policy" in message, message
    finally:
        ddb = aws.client("dynamodb")
        for suffix in ("fn-put", "fn-update", "fn-batch", "fn-tput", "fn-tupdate"):
            ddb.delete_item(TableName=table, Key=matrix_key(table, suffix))


def test_the_function_names_the_table_policy_when_it_refuses(rp_fn, table_policies, exec_role_arn):
    assert exec_role_arn not in as_list(table_policies[OTHER_TABLE]["Principal"]["AWS"])
    r = rp_fn.invoke({"op": "scan", "table": OTHER_TABLE, "limit": 1})
    assert not r["ok"] and r["error_type"] == "AccessDenied", r
    assert "the table's resource-based policy" in r["error_message"] and "dynamodb:Scan" in r["error_message"], r


def test_the_function_made_no_sts_call(aws, rp_fn):
    stats = aws.stats()
    assert stats.get("dynamodb:Scan") and not {k: v for k, v in stats.items() if k.startswith("sts:")}, stats
