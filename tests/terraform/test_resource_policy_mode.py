"""The resource-policy access mode applied for real (envs/resource-policy.tfvars, consumer root
first): no cross-account role, one aws_dynamodb_resource_policy per table granting the execution
role its access level's actions on the table and its indexes, and on the consumer side the same
actions in the execution role's own policy instead of sts:AssumeRole."""
import json

import pytest

from test_apply import NOTHING, record, variables
from tfhelpers import CONSUMER, CONVENTIONS, MAIN, access_levels, after, name

ENV = "resource-policy"
ACTIONS = json.loads((CONVENTIONS / "resource-policy-actions.json").read_text())


@pytest.fixture(scope="module")
def cycle(runs):
    return record(runs, f"{ENV}/consumer-first")["cycle"]


def environment_of(cycle) -> str:
    return variables(cycle["plans"]["main"])["environment"]


def test_applies_replans_empty_and_destroys_clean(cycle):
    assert cycle["applied"] == ["consumer", "main"]
    assert cycle["replan"] == {"consumer": {}, "main": {}}, "a re-plan right after apply must be empty"
    env = environment_of(cycle)
    assert name("cross_account_role_name", env) not in cycle["deployed"]["main"]["roles"]
    assert name("execution_role_name", env) in cycle["deployed"]["consumer"]["roles"]
    assert cycle["after_destroy"] == {"main": NOTHING, "consumer": NOTHING}


def test_each_table_policy_grants_exactly_the_execution_role_its_level(cycle):
    p = cycle["plans"]["main"]
    v = variables(p)
    types = [rc["type"] for rc in p["resource_changes"]]
    assert "aws_iam_role" not in types and "aws_iam_policy" not in types
    assert types.count("aws_dynamodb_resource_policy") == len(v["tables"])
    exec_role = f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', environment_of(cycle))}"
    levels = access_levels()
    applied = cycle["outputs"]["main"]["table_resource_policies"]  # as applied (the plan
    # cannot know the ARN: the policies wait for the demo table)
    assert sorted(applied) == sorted(v["tables"])
    for table, grant in v["tables"].items():
        arn = f"arn:aws:dynamodb:{grant.get('region') or v['region']}:{MAIN}:table/{table}"
        assert f'module.table_resource_policy[0].aws_dynamodb_resource_policy.table["{table}"]' in [
            rc["address"] for rc in p["resource_changes"]]
        expected = sorted(set(levels[grant["access_type"]]) & set(ACTIONS))
        assert expected and all(a in levels[grant["access_type"]] for a in expected)
        assert applied[table]["Statement"] == [{
            "Sid": f"Consumer{grant['access_type']}", "Effect": "Allow", "Principal": {"AWS": [exec_role]},
            "Action": expected, "Resource": [arn, f"{arn}/index/*"],
            "Condition": {"StringEquals": {"aws:PrincipalAccount": CONSUMER}}}]
    assert cycle["outputs"]["main"].get("role_arn") is None  # a null output is left out


def test_the_execution_role_grants_the_tables_and_no_assume_role(cycle):
    p = cycle["plans"]["consumer"]
    addresses = [rc["address"] for rc in p["resource_changes"]]
    assert 'module.function.aws_iam_policy.execution["assume-main"]' not in addresses
    doc = json.loads(after(p, 'module.function.aws_iam_policy.execution["main-tables"]')["policy"])
    access = variables(p)["access"]
    levels = access_levels()
    granted = {}
    for st in doc["Statement"]:
        assert not any("sts:" in a for a in st["Action"])
        table_arn = st["Resource"][0]
        assert st["Resource"] == [table_arn, f"{table_arn}/index/*"] and f":{MAIN}:table/" in table_arn
        granted[table_arn.split("/")[-1]] = st["Action"]
    assert granted == {t: sorted(set(levels[g["access_type"]]) & set(ACTIONS)) for t, g in access["tables"].items()}
    env = after(p, "module.function.aws_lambda_function.this")["environment"][0]["variables"]
    assert env["ACCESS_MODE"] == "resource_policy" and env["MAIN_ACCOUNT_ID"] == MAIN
    assert "ROLE_ARN" not in env
