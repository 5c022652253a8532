"""What the modules deploy for input sets the environments do not cover (every access level,
other regions, both trust forms with every option, the function's whole environment), read from
one real plan of a harness root that calls the modules directly."""
import json

import pytest

from cases import Planned, planned_with_others
from tfhelpers import CONSUMER, CONVENTIONS, MAIN, access_levels, after, level_resources, name, naming

FN_ROLE = f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', 'dev')}"
OTHER_ROLE = f"arn:aws:iam::{CONSUMER}:role/reporting"
DEMO = f"arn:aws:iam::{MAIN}:role/{name('cross_account_role_name', 'dev')}"
MATRIX = f"arn:aws:iam::{MAIN}:role/dev-matrix-read"
REQUEST = '{"op":"scan","table":"orders","select":"count"}'
FUNCTION = name("function_name", "dev")
# naming.json's session_tags filled in for dev: what the function sends and the trust pins by default.
DEFAULT_TAGS = {k: v.replace("{function_name}", FUNCTION).replace("{environment}", "dev")
                .replace("{consumer_account_id}", CONSUMER) for k, v in naming()["session_tags"].items()}


def main_args(**overrides):
    args = {"environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "tables": {"orders": {"access_type": "Read"}}}
    args.update(overrides)
    return "cross-account-role", args


def consumer_args(zip_path, **overrides):
    args = {"environment": "dev", "consumer_account_id": CONSUMER, "main_account_id": MAIN, "region": "eu-central-1",
            "function": {"zip_path": str(zip_path)}}
    args.update(overrides)
    return "consumer-function", args


KEY = f"arn:aws:kms:us-east-1:{MAIN}:key/0a1b2c3d-aaaa-bbbb-cccc-123456789012"
KEY_EU = f"arn:aws:kms:eu-west-1:{MAIN}:key/mrk-0123456789abcdef0123456789abcdef"
LONG_A, LONG_B = "t" * 200 + "a", "t" * 200 + "b"


def _cases(zip_path):
    return {
        "three_levels": main_args(tables={"orders": {"access_type": "Read"},
                                          "customers": {"access_type": "ReadWriteUpdate", "region": None},
                                          "archive.v2": {"access_type": "Full", "region": "eu-west-1"}},
                                  trust={"principal_arns": [OTHER_ROLE, FN_ROLE]}),
        "every_trust_option": main_args(trust={"external_id": "ext-123", "tag_session": True,
                                               "source_identity": True, "max_session_duration": 7200}),
        "kms_tables": main_args(tables={"orders": {"access_type": "Read", "kms_key_arn": KEY},
                                        "ledger": {"access_type": "Full", "region": "eu-west-1", "kms_key_arn": KEY_EU}}),
        "global_table": main_args(tables={"orders": {"access_type": "Read", "replica_regions": ["us-west-2", "eu-west-1"]},
                                          "ledger": {"access_type": "Full", "region": "eu-west-1",
                                                     "replica_regions": ["us-east-1"]},
                                          "customers": {"access_type": "ReadWriteUpdate", "replica_regions": []}}),
        "account_trust": main_args(trust={"mode": "account", "external_id": "ext-123"}),
        "account_trust_attribution": main_args(trust={"mode": "account", "source_identity": True, "tag_session": True,
                                                      "source_identities": ["reporting", "nightly"],
                                                      "session_tags": {"team": "data"}}),
        "long_table_names": main_args(tables={LONG_A: {"access_type": "Read"}, LONG_B: {"access_type": "Read"}}),
        "role_override": main_args(role={"name": "custom-reader", "path": "/ddb/"}),
        "longest_valid": main_args(environment="e" * 25, trust={"external_id": "x" * 1224, "max_session_duration": 43200}),
        "consumer_full": consumer_args(
            zip_path,
            assume={"extra_role_arns": [MATRIX], "tag_session": True, "source_identity": True, "external_id": "ext-123",
                    "session_name": "reader", "session_duration_seconds": 900},
            function={"zip_path": str(zip_path), "table_region": "us-west-2", "default_table": "orders",
                      "allow_writes": True, "extra_environment": {"RUST_LOG": "info"}},
            schedule={"expression": "rate(1 hour)", "request": REQUEST}),
        "consumer_minimal": consumer_args(zip_path),
        "consumer_override_attempt": consumer_args(
            zip_path, function={"zip_path": str(zip_path), "extra_environment": {"ROLE_ARN": "arn:aws:iam::999999999999:role/evil"}}),
    }


planned_with_others("documents", _cases)


@pytest.fixture(scope="module")
def harness(shared_module_plan):
    h, plan = shared_module_plan
    return Planned(h, "documents"), plan


def resource(harness, case, address):
    h, plan = harness
    return after(plan, f"{h.module_address(case)}.{address}")


def statement(doc_json):
    doc = json.loads(doc_json)
    assert doc["Version"] == "2012-10-17" and len(doc["Statement"]) == 1
    return doc["Statement"][0]


# --- main account ---

@pytest.mark.parametrize("table,level,region", [("orders", "Read", "us-east-1"),
                                                ("customers", "ReadWriteUpdate", "us-east-1"),
                                                ("archive.v2", "Full", "eu-west-1")])
def test_each_table_policy_grants_exactly_its_level_on_the_table_and_its_indexes(harness, table, level, region):
    policy = resource(harness, "three_levels", f'aws_iam_policy.table["{table}"]')
    arn = f"arn:aws:dynamodb:{region}:{MAIN}:table/{table}"
    assert statement(policy["policy"]) == {"Sid": f"DynamoDB{level}", "Effect": "Allow",
                                           "Action": access_levels()[level], "Resource": level_resources(arn, level)}
    # Full also reaches what its actions are authorized on below the table: a backup it created,
    # an export it started, the table's streams and imports.
    below = {r[len(arn):] for r in statement(policy["policy"])["Resource"]} - {""}
    assert below == ({"/index/*", "/stream/*", "/backup/*", "/export/*", "/import/*"} if level == "Full" else {"/index/*"})
    assert policy["name"] == f"{name('cross_account_role_name', 'dev')}-{table}"


@pytest.mark.parametrize("table,level,region,key", [("orders", "Read", "us-east-1", KEY),
                                                    ("ledger", "Full", "eu-west-1", KEY_EU)])
def test_a_table_with_a_kms_key_also_gets_its_levels_kms_actions_on_that_key_via_dynamodb(harness, table, level,
                                                                                          region, key):
    doc = json.loads(resource(harness, "kms_tables", f'aws_iam_policy.table["{table}"]')["policy"])
    arn = f"arn:aws:dynamodb:{region}:{MAIN}:table/{table}"
    kms_levels = json.loads((CONVENTIONS / "kms-actions.json").read_text())
    assert doc["Statement"] == [
        {"Sid": f"DynamoDB{level}", "Effect": "Allow", "Action": access_levels()[level], "Resource": level_resources(arn, level)},
        {"Sid": f"KmsFor{level}", "Effect": "Allow", "Action": kms_levels[level], "Resource": [key],
         "Condition": {"StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}}}]
    assert not [a for a in kms_levels["Read"] if "*" in a]  # reads: exact actions only


@pytest.mark.parametrize("table,level,regions", [("orders", "Read", ["us-east-1", "us-west-2", "eu-west-1"]),
                                                 ("ledger", "Full", ["eu-west-1", "us-east-1"]),
                                                 ("customers", "ReadWriteUpdate", ["us-east-1"])])
def test_a_global_tables_policy_covers_every_replica_and_its_indexes(harness, table, level, regions):
    """replica_regions: the home region's table first, then each replica's, each with its indexes;
    no other region, no wildcard region."""
    policy = resource(harness, "global_table", f'aws_iam_policy.table["{table}"]')
    arns = [f"arn:aws:dynamodb:{r}:{MAIN}:table/{table}" for r in regions]
    assert statement(policy["policy"]) == {"Sid": f"DynamoDB{level}", "Effect": "Allow", "Action": access_levels()[level],
                                           "Resource": [x for arn in arns for x in level_resources(arn, level)]}
    assert f"({regions[0]})" in policy["description"]


def test_one_attachment_per_table_and_no_exclusive_attachment(harness):
    h, plan = harness
    mine = [rc for rc in plan["resource_changes"] if rc["address"].startswith(h.module_address("three_levels") + ".")]
    attachments = sorted(rc["index"] for rc in mine if rc["type"] == "aws_iam_role_policy_attachment")
    assert attachments == ["archive.v2", "customers", "orders"]
    assert not [rc for rc in plan["resource_changes"] if rc["type"] == "aws_iam_policy_attachment"]


def test_trust_principal_mode_names_the_exact_roles(harness):
    st = statement(resource(harness, "three_levels", "aws_iam_role.this")["assume_role_policy"])
    assert st["Principal"] == {"AWS": sorted([FN_ROLE, OTHER_ROLE])}
    assert st["Action"] == ["sts:AssumeRole"]
    assert "Condition" not in st


def test_trust_external_id_tag_session_and_source_identity(harness):
    """SetSourceIdentity and TagSession each get a statement of their own, allowed only for the
    pinned values: the function's name, and exactly naming.json's tags (every key, no other)."""
    role = resource(harness, "every_trust_option", "aws_iam_role.this")
    assume, source, tags = json.loads(role["assume_role_policy"])["Statement"]
    principal = {"AWS": [FN_ROLE]}  # null principal_arns: the consumer root's execution role
    assert assume == {"Sid": "AssumeFromConsumer", "Effect": "Allow", "Principal": principal,
                      "Action": ["sts:AssumeRole"], "Condition": {"StringEquals": {"sts:ExternalId": "ext-123"}}}
    assert source == {"Sid": "SourceIdentityOfConsumer", "Effect": "Allow", "Principal": principal,
                      "Action": "sts:SetSourceIdentity",
                      "Condition": {"StringEquals": {"sts:SourceIdentity": [FUNCTION]}}}
    assert set(DEFAULT_TAGS) == {"consumer", "environment", "function"}
    assert tags == {"Sid": "SessionTagsOfConsumer", "Effect": "Allow", "Principal": principal,
                    "Action": "sts:TagSession", "Condition": {
                        "StringEquals": {f"aws:RequestTag/{k}": v for k, v in DEFAULT_TAGS.items()},
                        "ForAllValues:StringEquals": {"aws:TagKeys": sorted(DEFAULT_TAGS)}}}
    assert role["max_session_duration"] == 7200
    off = json.loads(resource(harness, "three_levels", "aws_iam_role.this")["assume_role_policy"])["Statement"]
    assert [st["Action"] for st in off] == [["sts:AssumeRole"]], "off by default"


def test_trust_attribution_in_account_mode_pins_the_principal_and_the_given_values(harness):
    _, source, tags = json.loads(resource(harness, "account_trust_attribution", "aws_iam_role.this")
                                 ["assume_role_policy"])["Statement"]
    pin = {"aws:PrincipalArn": [FN_ROLE]}
    assert source["Principal"] == tags["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}
    assert source["Condition"] == {"ArnEquals": pin, "StringEquals": {"sts:SourceIdentity": ["nightly", "reporting"]}}
    assert tags["Condition"] == {"ArnEquals": pin, "StringEquals": {"aws:RequestTag/team": "data"},
                                 "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}


def test_trust_account_mode_pins_principal_arn(harness):
    st = statement(resource(harness, "account_trust", "aws_iam_role.this")["assume_role_policy"])
    assert st["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}
    assert st["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [FN_ROLE]},
                               "StringEquals": {"sts:ExternalId": "ext-123"}}


def test_long_policy_names_are_shortened_but_stay_unique(harness):
    names = [resource(harness, "long_table_names", f'aws_iam_policy.table["{t}"]')["name"] for t in (LONG_A, LONG_B)]
    assert all(len(n) <= 128 for n in names) and len(set(names)) == 2


def test_role_name_and_path_override(harness):
    role = resource(harness, "role_override", "aws_iam_role.this")
    assert (role["name"], role["path"]) == ("custom-reader", "/ddb/")
    policy = resource(harness, "role_override", 'aws_iam_policy.table["orders"]')
    assert (policy["name"], policy["path"]) == ("custom-reader-orders", "/ddb/")


def test_longest_valid_inputs_are_accepted(harness):
    """The limits are limits, not typos: the boundary values plan."""
    role = resource(harness, "longest_valid", "aws_iam_role.this")
    assert len(role["name"]) == 64 and role["max_session_duration"] == 43200
    assert statement(role["assume_role_policy"])["Condition"]["StringEquals"]["sts:ExternalId"] == "x" * 1224


# --- consumer account ---

def test_assume_policy_is_limited_to_the_main_roles(harness):
    doc = json.loads(resource(harness, "consumer_full", 'aws_iam_policy.execution["assume-main"]')["policy"])
    roles = sorted([DEMO, MATRIX])
    assert doc["Statement"] == [
        {"Sid": "AssumeMainAccountRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": roles},
        {"Sid": "SourceIdentityIsTheFunction", "Effect": "Allow", "Action": ["sts:SetSourceIdentity"],
         "Resource": roles, "Condition": {"StringEquals": {"sts:SourceIdentity": FUNCTION}}},
        {"Sid": "SessionTagsOfTheFunction", "Effect": "Allow", "Action": ["sts:TagSession"], "Resource": roles,
         "Condition": {"StringEquals": {f"aws:RequestTag/{k}": v for k, v in DEFAULT_TAGS.items()},
                       "ForAllValues:StringEquals": {"aws:TagKeys": sorted(DEFAULT_TAGS)}}}]
    minimal = statement(resource(harness, "consumer_minimal", 'aws_iam_policy.execution["assume-main"]')["policy"])
    assert (minimal["Action"], minimal["Resource"]) == (["sts:AssumeRole"], [DEMO])


def test_logs_policy_is_limited_to_its_own_log_group(harness):
    fn = name("function_name", "dev")
    group = f"arn:aws:logs:eu-central-1:{CONSUMER}:log-group:/aws/lambda/{fn}"
    st = statement(resource(harness, "consumer_full", 'aws_iam_policy.execution["logs"]')["policy"])
    assert st["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert st["Resource"] == [group, f"{group}:log-stream:*"]
    assert resource(harness, "consumer_full", "aws_cloudwatch_log_group.function")["name"] == f"/aws/lambda/{fn}"


def test_execution_role_trusts_lambda_only(harness):
    role = resource(harness, "consumer_full", "aws_iam_role.execution")
    assert role["name"] == name("execution_role_name", "dev")
    st = statement(role["assume_role_policy"])
    assert st["Principal"] == {"Service": "lambda.amazonaws.com"} and st["Action"] == "sts:AssumeRole"


def test_scheduler_role_may_invoke_this_function_only(harness):
    fn = f"arn:aws:lambda:eu-central-1:{CONSUMER}:function:{name('function_name', 'dev')}"
    trust = statement(resource(harness, "consumer_full", "aws_iam_role.scheduler[0]")["assume_role_policy"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": CONSUMER}}
    invoke = statement(resource(harness, "consumer_full", "aws_iam_policy.scheduler_invoke[0]")["policy"])
    assert (invoke["Action"], invoke["Resource"]) == ("lambda:InvokeFunction", fn)
    schedule = resource(harness, "consumer_full", "aws_scheduler_schedule.this[0]")
    assert (schedule["schedule_expression"], schedule["target"][0]["input"]) == ("rate(1 hour)", REQUEST)


def test_environment_carries_the_function_contract(harness):
    assert resource(harness, "consumer_full", "aws_lambda_function.this")["environment"] == [{"variables": {
        "ROLE_ARN": DEMO, "EXTERNAL_ID": "ext-123", "ROLE_SESSION_NAME": "reader", "SESSION_DURATION_SECONDS": "900",
        "TABLE_REGION": "us-west-2", "DEFAULT_TABLE": "orders", "SCHEDULED_REQUEST": REQUEST, "ALLOW_WRITES": "true",
        "RUST_LOG": "info", "SOURCE_IDENTITY": FUNCTION,
        "SESSION_TAGS": json.dumps(DEFAULT_TAGS, separators=(",", ":"), sort_keys=True)}}]


def test_environment_sets_only_what_is_given(harness):
    """The function rejects present-but-empty variables, so unset inputs must be absent; writes are off
    (no ALLOW_WRITES) unless function.allow_writes is true."""
    fn = resource(harness, "consumer_minimal", "aws_lambda_function.this")
    # SOURCE_IDENTITY / SESSION_TAGS are always explicit: the function's own defaults are on.
    assert fn["environment"] == [{"variables": {"ROLE_ARN": DEMO, "SOURCE_IDENTITY": "off", "SESSION_TAGS": "off"}}]
    assert fn["reserved_concurrent_executions"] == -1  # the provider's "unreserved"
    h, plan = harness
    assert not [rc for rc in plan["resource_changes"]
                if rc["address"].startswith(h.module_address("consumer_minimal") + ".aws_scheduler")]


def test_contract_variables_win_over_extra_environment(harness):
    fn = resource(harness, "consumer_override_attempt", "aws_lambda_function.this")
    assert fn["environment"][0]["variables"]["ROLE_ARN"] == DEMO
