"""Checks of the configuration itself with the real provider: validate (and that validate
refuses what the provider's schema refuses), checkov on the HCL and on the applied plans, and
that every checkov skip carries its reason."""
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
    hcl_scan = checkov_runner.start(["-d", str(terraform_dir), "--framework", "terraform"])  # overlaps the inits
    for root in ROOTS:
        Root(terraform_dir / root, tf_env()).init()
    yield {"dir": terraform_dir, "hcl_scan": hcl_scan}
    if hcl_scan.poll() is None:
        hcl_scan.kill()
        hcl_scan.wait()


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


def test_checkov_on_hcl(workspace):
    found = checkov_runner.reports(workspace["hcl_scan"])
    assert sum(r["summary"]["passed"] for r in found) > 0
    assert checkov_runner.failed(found) == []


def test_checkov_on_the_applied_plans(runs):
    for env in ENVS:
        record(runs, f"{env}/consumer-first")
    found = checkov_runner.reports(runs["when_planned"])
    assert {r["check_type"] for r in found} == {"terraform_plan"}
    assert sum(r["summary"]["passed"] for r in found) > 0
    assert checkov_runner.failed(found) == []
    # The HCL's skips reach the plan scan too (dev trusts the account: CKV_AWS_61 applies).
    assert ("CKV_AWS_61", "module.cross_account_role.aws_iam_role.this") in checkov_runner.skipped(found)


def test_every_checkov_skip_carries_its_reason():
    skips = []
    for tf in sorted((REPO / "terraform").rglob("*.tf")):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            if "checkov:skip" in line:
                skips.append((tf.relative_to(REPO), n, line.strip()))
    assert skips
    for where, n, line in skips:
        assert re.fullmatch(r"# checkov:skip=CKV2?_AWS_\d+: \S.{30,}", line), f"{where}:{n}: {line}"
