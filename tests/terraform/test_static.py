"""Checks of the configuration itself with the real provider: validate (and that validate
refuses what the provider's schema refuses), checkov on the applied plans, and that every
checkov skip carries its reason.

checkov runs on plans (terraform show -json), not on the HCL: the plans of dev, stage and prod
hold every resource every module can create (dev's demo table, prod's X-Ray attachment and
schedule) with the documents rendered, which checkov's HCL scan cannot see through jsonencode()
and maps."""
import re

import pytest

import checkov_runner
from test_apply import record
from tfhelpers import ENVS, REPO, Root, copy_terraform, flat, tf_env

ROOTS = ("main-account", "consumer-account")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    base = tmp_path_factory.mktemp("static")
    terraform_dir = copy_terraform(base / "terraform")
    for root in ROOTS:
        Root(terraform_dir / root, tf_env()).init()
    return {"dir": terraform_dir}


@pytest.mark.parametrize("root", ROOTS)
def test_validate_with_the_real_provider(workspace, root):
    p = Root(workspace["dir"] / root, tf_env()).run("validate", "-no-color")
    assert "The configuration is valid" in p.stdout
    assert "Warning" not in p.stdout + p.stderr, "no deprecation or other warning"


def test_validate_refuses_what_the_provider_schema_refuses(workspace, tmp_path):
    """validate is not a yes-machine: an unknown argument, a wrong type and an unknown resource
    type all fail against the real provider's schema (one run reports all three)."""
    broken = copy_terraform(tmp_path / "terraform", workspace["dir"])
    main_tf = broken / "modules" / "cross-account-role" / "main.tf"
    source = main_tf.read_text()
    source = source.replace("  path                 = var.role.path\n",
                            "  path                 = var.role.path\n  session_policy       = \"x\"\n", 1)
    source = source.replace("max_session_duration = var.trust.max_session_duration", "max_session_duration = { seconds = 3600 }", 1)
    main_tf.write_text(source + '\nresource "aws_iam_role_policy_attachments" "x" {\n}\n')
    root = Root(broken / "main-account", tf_env())
    root.init()
    p = root.run("validate", "-no-color", check=False)
    output = flat(p.stdout + p.stderr)
    assert p.returncode != 0
    assert 'An argument named "session_policy" is not expected here' in output
    assert "Incorrect attribute value type" in output
    assert 'The provider hashicorp/aws does not support resource type "aws_iam_role_policy_attachments"' in output


def test_checkov_on_the_applied_plans(runs):
    for env in ENVS:
        record(runs, f"{env}/consumer-first")
    found = checkov_runner.reports(runs["when_planned"])
    assert {r["check_type"] for r in found} == {"terraform_plan"}
    scanned = {rc["type"] for env in ENVS for plan in record(runs, f"{env}/consumer-first")["cycle"]["plans"].values()
               for rc in plan["resource_changes"]}
    assert {"aws_iam_role", "aws_iam_policy", "aws_lambda_function", "aws_cloudwatch_log_group",
            "aws_scheduler_schedule", "aws_dynamodb_table"} <= scanned
    assert sum(r["summary"]["passed"] for r in found) > 0
    assert checkov_runner.failed(found) == []
    # The HCL's skips reach the plan scan too (dev trusts the account: CKV_AWS_61 applies).
    assert ("CKV_AWS_61", "module.cross_account_role[0].aws_iam_role.this") in checkov_runner.skipped(found)


def test_every_checkov_skip_carries_its_reason():
    skips = []
    for tf in sorted((REPO / "terraform").rglob("*.tf")):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            if "checkov:skip" in line:
                skips.append((tf.relative_to(REPO), n, line.strip()))
    assert skips
    for where, n, line in skips:
        assert re.fullmatch(r"# checkov:skip=CKV2?_AWS_\d+: \S.{30,}", line), f"{where}:{n}: {line}"
