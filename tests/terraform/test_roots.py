"""Every root against the aws provider's real schema (offline stand-in), a plan of every
environment, and checkov on the HCL and on the plans."""
import base64
import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from tfhelpers import MODULES, REPO, TERRAFORM, TF_PYTHON, render, run, tf_env

ROOTS = ("main-account", "consumer-account")
ENVS = ("dev", "stage", "prod")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A copy of terraform/ (init writes .terraform and lock files; never into the repo), each
    root initialised with the stand-in provider, and a stand-in function zip."""
    plugins = subprocess.run([str(REPO / "tools" / "terraform-offline" / "install.sh")], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
    base = tmp_path_factory.mktemp("tf")
    shutil.copytree(REPO / "terraform", base / "terraform",
                    ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*"))
    zip_path = base / "bootstrap.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    # checkov on the HCL needs nothing else: start it now so it overlaps the plans.
    hcl_scan = start_checkov(["-d", str(base / "terraform"), "--framework", "terraform"])
    for root in ROOTS:
        p = run([TERRAFORM, "init", "-no-color", "-backend=false", f"-plugin-dir={plugins}"], cwd=base / "terraform" / root)
        assert p.returncode == 0, p.stdout + p.stderr
    yield {"dir": base / "terraform", "zip": zip_path, "plugins": plugins, "hcl_scan": hcl_scan}
    hcl_scan.kill()
    hcl_scan.wait()


def plan(workspace, root, var_file, extra_args=()):
    """(returncode, output, plan JSON or None) of `terraform plan` of a root."""
    cwd = workspace["dir"] / root
    out = cwd / f"{var_file.replace('/', '_')}.plan"
    args = [TERRAFORM, "plan", "-no-color", "-refresh=false", "-lock=false", f"-var-file={var_file}", f"-out={out}"]
    if root == "consumer-account":
        args.append(f"-var=zip_path={workspace['zip']}")
    p = run(args + list(extra_args), cwd=cwd)
    if p.returncode != 0:
        return p.returncode, p.stdout + p.stderr, None
    shown = run([TERRAFORM, "show", "-no-color", "-json", out], cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    return 0, p.stdout, json.loads(shown.stdout)


@pytest.fixture(scope="module")
def plans(workspace):
    """Plan JSON of every root x environment, three at a time (a plan mostly waits on the
    provider process starting)."""
    jobs = [(root, env) for root in ROOTS for env in ENVS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda j: plan(workspace, j[0], f"envs/{j[1]}.tfvars"), jobs))
    for job, (code, output, _) in zip(jobs, results):
        assert code == 0, f"{job}: {output}"
    return {job: r[2] for job, r in zip(jobs, results)}


def changes(plan_json):
    return {rc["address"]: rc for rc in plan_json["resource_changes"]}


def after(plan_json, address):
    return changes(plan_json)[address]["change"]["after"]


def variables(plan_json):
    return {k: v["value"] for k, v in plan_json["variables"].items()}


# --- validate against the real schema ---

@pytest.mark.parametrize("root", ROOTS)
def test_validate(workspace, root):
    p = run([TERRAFORM, "validate", "-no-color"], cwd=workspace["dir"] / root)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "The configuration is valid" in p.stdout


def test_the_schema_stand_in_rejects_what_the_provider_would(workspace, tmp_path):
    """The stand-in is not a yes-machine: an unknown argument, a wrong type and an unknown
    resource type all fail validation (one run reports all three)."""
    broken = tmp_path / "terraform"
    shutil.copytree(workspace["dir"], broken, symlinks=True)
    main_tf = broken / "modules" / "cross-account-role" / "main.tf"
    source = main_tf.read_text()
    source = source.replace("  path                 = var.role_path\n",
                            "  path                 = var.role_path\n  session_policy = \"x\"\n", 1)
    source = source.replace("max_session_duration = module.policies.max_session_duration",
                            "max_session_duration = { seconds = 3600 }", 1)
    main_tf.write_text(source + '\nresource "aws_iam_role_policy_attachments" "x" {\n}\n')
    p = run([TERRAFORM, "validate", "-no-color"], cwd=broken / "main-account")
    output = " ".join((p.stdout + p.stderr).split())
    assert p.returncode != 0
    assert 'An argument named "session_policy" is not expected here' in output
    assert "Incorrect attribute value type" in output
    assert 'does not support resource type "aws_iam_role_policy_attachments"' in output


# --- plans: what would be deployed ---

@pytest.mark.parametrize("env", ENVS)
def test_main_plan_deploys_the_rendered_documents(plans, env):
    p = plans[("main-account", env)]
    v = variables(p)
    types = [rc["type"] for rc in p["resource_changes"]]
    assert "aws_iam_policy_attachment" not in types
    assert types.count("aws_iam_policy") == types.count("aws_iam_role_policy_attachment") == len(v["tables"])

    principals = v["consumer_principal_arns"] or [
        f"arn:aws:iam::{v['consumer_account_id']}:role/{env}-ddb-cross-account-reader-exec"]
    expected = render(MODULES / "cross-account-policies", {
        "environment": v["environment"], "role_name": v["role_name"], "main_account_id": v["main_account_id"],
        "consumer_account_id": v["consumer_account_id"], "default_region": v["region"],
        "trust_mode": v["trust_mode"], "trusted_principal_arns": principals, "external_id": v["external_id"],
        "enable_tag_session": v["enable_tag_session"], "enable_source_identity": v["enable_source_identity"],
        "max_session_duration": v["max_session_duration"], "tables": v["tables"]})

    role = after(p, "module.cross_account_role.aws_iam_role.this")
    assert role["name"] == f"{env}-ddb_cross_acc_access_role-{v['consumer_account_id']}"
    assert json.loads(role["assume_role_policy"]) == json.loads(expected["trust_policy_json"])
    assert role["max_session_duration"] == v["max_session_duration"]
    for table, policy in expected["table_policies"].items():
        planned = after(p, f'module.cross_account_role.aws_iam_policy.table["{table}"]')
        assert (planned["name"], json.loads(planned["policy"])) == (policy["name"], json.loads(policy["json"]))
    demo = [a for a in changes(p) if a.startswith("module.demo_table")]
    assert bool(demo) == v["create_demo_table"]


@pytest.mark.parametrize("env", ENVS)
def test_consumer_plan_deploys_the_function_as_built(plans, workspace, env):
    p = plans[("consumer-account", env)]
    v = variables(p)
    fn = after(p, "module.function.aws_lambda_function.this")
    assert (fn["runtime"], fn["handler"], fn["architectures"]) == ("provided.al2023", "bootstrap", ["arm64"])
    digest = base64.b64encode(hashlib.sha256(workspace["zip"].read_bytes()).digest()).decode()
    assert fn["source_code_hash"] == digest
    assert fn["function_name"] == f"{env}-ddb-cross-account-reader"

    main_role = f"arn:aws:iam::{v['main_account_id']}:role/{env}-ddb_cross_acc_access_role-{v['consumer_account_id']}"
    expected = render(MODULES / "consumer-policies", {
        "function_name": fn["function_name"], "consumer_account_id": v["consumer_account_id"],
        "region": v["region"], "main_role_arns": [main_role], "role_arn": main_role,
        "enable_tag_session": v["enable_tag_session"], "external_id": v["external_id"],
        "role_session_name": v["role_session_name"],
        "session_duration_seconds": v["session_duration_seconds"], "table_region": v["table_region"],
        "default_table": v["default_table"], "scheduled_request": v["scheduled_request"]})
    assert fn["environment"] == [{"variables": expected["environment"]}]
    assert json.loads(after(p, "module.function.aws_iam_policy.assume_main")["policy"]) == json.loads(expected["assume_policy_json"])
    assert json.loads(after(p, "module.function.aws_iam_policy.logs")["policy"]) == json.loads(expected["logs_policy_json"])
    log_group = after(p, "module.function.aws_cloudwatch_log_group.function")
    assert (log_group["name"], log_group["retention_in_days"]) == (expected["log_group_name"], v["log_retention_days"])

    schedules = [a for a in changes(p) if ".aws_scheduler_schedule." in a]
    if v["schedule_expression"]:
        schedule = after(p, schedules[0])
        assert schedule["schedule_expression"] == v["schedule_expression"]
        assert json.loads(schedule["target"][0]["input"]) == json.loads(v["scheduled_request"])
    else:
        assert schedules == []
    xray = [a for a in changes(p) if a.endswith("aws_iam_role_policy_attachment.xray[0]")]
    assert bool(xray) == (v["tracing_mode"] == "Active")


def test_root_passes_inputs_to_module_validation(workspace):
    code, output, _ = plan(workspace, "main-account", "envs/dev.tfvars",
                           ['-var=tables=[{table_name="orders",access_type="Write"}]'])
    assert code != 0
    assert "Each table entry needs an access_type of Read, ReadWriteUpdate or Full." in " ".join(output.split())


def test_schedule_without_request_is_refused(workspace):
    code, output, _ = plan(workspace, "consumer-account", "envs/dev.tfvars", ["-var=schedule_expression=rate(1 hour)"])
    assert code != 0
    assert "A schedule_expression needs a scheduled_request" in " ".join(output.split())


# --- checkov ---

def start_checkov(args):
    return subprocess.Popen([str(TF_PYTHON), "-m", "checkov.main", "--skip-download", "-o", "json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tf_env())


def checkov_reports(process):
    stdout, stderr = process.communicate(timeout=600)
    assert stdout, stderr
    reports = json.loads(stdout)
    return reports if isinstance(reports, list) else [reports]


def failed(reports):
    return [(c["check_id"], c["resource"], c.get("file_path")) for r in reports
            for c in r.get("results", {}).get("failed_checks", [])]


def skipped(reports):
    return {(c["check_id"], c["resource"]) for r in reports for c in r.get("results", {}).get("skipped_checks", [])}


def test_checkov_on_hcl(workspace):
    reports = checkov_reports(workspace["hcl_scan"])
    assert sum(r["summary"]["passed"] for r in reports) > 0
    assert failed(reports) == []


def test_checkov_on_plans(plans, workspace, tmp_path):
    files = []
    for (root, env), p in plans.items():
        f = tmp_path / f"{root}-{env}.json"
        f.write_text(json.dumps(p))
        files += ["-f", str(f)]
    reports = checkov_reports(start_checkov(
        [*files, "--framework", "terraform_plan", "--repo-root-for-plan-enrichment", str(workspace["dir"])]))
    assert sum(r["summary"]["passed"] for r in reports) > 0
    assert failed(reports) == []
    # The skips in the HCL reach the plan scan too (dev trusts the account: CKV_AWS_61 applies).
    assert ("CKV_AWS_61", "module.cross_account_role.aws_iam_role.this") in skipped(reports)


def test_every_checkov_skip_carries_its_reason():
    skips = []
    for tf in sorted((REPO / "terraform").rglob("*.tf")):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            if "checkov:skip" in line:
                skips.append((tf.relative_to(REPO), n, line.strip()))
    assert skips
    for where, n, line in skips:
        assert re.fullmatch(r"# checkov:skip=CKV2?_AWS_\d+: \S.{30,}", line), f"{where}:{n}: {line}"
