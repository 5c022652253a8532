"""terraform/examples: each example root, as a consumer would use it (the modules by relative
source, one provider configuration per account), applied into the strict two-account emulator with
the real provider, re-planned (must be empty), destroyed (nothing of it may be left).

One emulator for the module; the examples apply two at a time (most of an apply is waiting on the
provider: the export bucket's lifecycle configuration alone takes about a minute to create), each
under its own environment name, so none sees another's resources."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deployments import PARALLELISM, small_zip
from emulator import Emulator
from tfhelpers import CONSUMER, CONVENTIONS, MAIN, REPO, Root, TerraformError, actions, copy_terraform, name

EXAMPLES_DIR = REPO / "terraform" / "examples"
# The longest first: it runs beside the three others, which go one after another.
EXAMPLES = ("nightly-exports", "two-tables", "resource-policy", "kms-tables")
ENVIRONMENTS = {e: f"ex-{e}" for e in EXAMPLES}  # each example's default environment


def test_every_example_directory_is_tested():
    assert sorted(p.name for p in EXAMPLES_DIR.iterdir() if p.is_dir()) == sorted(EXAMPLES)


def _run(emu: Emulator, root: Root, zip_path: Path) -> dict:
    rec: dict = {"timings": {}}
    args = [f"-var=main_account_id={MAIN}", f"-var=consumer_account_id={CONSUMER}", f"-var=zip_path={zip_path}"]

    def timed(step, fn, *a, **kw):
        started = time.monotonic()
        try:
            return fn(*a, **kw)
        finally:
            rec["timings"][step] = round(time.monotonic() - started, 1)

    try:
        timed("init", root.init)
        timed("apply", root.run, "apply", "-no-color", "-input=false", "-auto-approve", PARALLELISM, *args)
        rec["outputs"] = root.outputs()
        rec["state"] = json.loads(root.run("show", "-no-color", "-json").stdout)
        rec["deployed"] = {p: emu.inventory(p) for p in ("main", "consumer")}
        rec["buckets"] = [b["Name"] for b in emu.client("s3", "consumer").list_buckets()["Buckets"]]
        p = timed("replan", root.run, "plan", "-no-color", "-input=false", "-lock=false", "-detailed-exitcode",
                  "-out=replan", PARALLELISM, *args, check=False)
        if p.returncode not in (0, 2):
            raise TerraformError(["plan"], p.stdout + p.stderr)
        rec["replan"] = {} if p.returncode == 0 else actions(json.loads(root.run("show", "-no-color", "-json", "replan").stdout))
        timed("destroy", root.run, "destroy", "-no-color", "-input=false", "-auto-approve", PARALLELISM, *args)
        rec["after_destroy"] = {p: emu.inventory(p) for p in ("main", "consumer")}
        rec["buckets_after_destroy"] = [b["Name"] for b in emu.client("s3", "consumer").list_buckets()["Buckets"]]
    except TerraformError as e:
        rec["error"] = e.message
    return rec


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("examples")
    terraform_dir = copy_terraform(base / "terraform")
    zip_path = small_zip(base / "function.zip")
    started = time.monotonic()
    with Emulator(base / "emulator") as emu:
        # The credentials file names the profiles `main` and `consumer`: the examples' defaults.
        env = emu.terraform_env("consumer")
        env.pop("AWS_PROFILE")
        roots = {e: Root(terraform_dir / "examples" / e, env) for e in EXAMPLES}
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(_run, emu, roots[EXAMPLES[0]], zip_path)
            rest = pool.submit(lambda: {e: _run(emu, roots[e], zip_path) for e in EXAMPLES[1:]})
            results = {EXAMPLES[0]: first.result(), **rest.result()}
    print(f"\nexamples: {round(time.monotonic() - started, 1)} s wall; "
          + "; ".join(f"{e}: {r['timings']}" for e, r in results.items()))
    return results


def ok(example_runs, example) -> dict:
    rec = example_runs[example]
    assert "error" not in rec, rec["error"]
    return rec


def resources(rec) -> dict[str, dict]:
    """{address: values} of every managed resource the example applied."""
    out = {}

    def walk(module):
        for r in module.get("resources", []):
            if r["mode"] == "managed":
                out[r["address"]] = r["values"]
        for child in module.get("child_modules", []):
            walk(child)
    walk(rec["state"]["values"]["root_module"])
    return out


def of_type(rec, kind: str) -> dict[str, dict]:
    return {a: v for a, v in resources(rec).items() if a.split(".")[-2].split("[")[0] == kind}


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_applies_replans_empty_and_destroys_completely(example_runs, example):
    rec = ok(example_runs, example)
    assert rec["replan"] == {}, f"{example}: a re-plan right after the apply would change {rec['replan']}"
    env = ENVIRONMENTS[example]
    function = name("function_name", env)
    assert function in rec["deployed"]["consumer"]["functions"]
    assert name("execution_role_name", env) in rec["deployed"]["consumer"]["roles"]
    left = {p: {k: [x for x in v if env in x] for k, v in inv.items() if any(env in x for x in v)}
            for p, inv in rec["after_destroy"].items()}
    assert left == {"main": {}, "consumer": {}}, left
    assert not [b for b in rec["buckets_after_destroy"] if env in b]
    # Tables carry no environment in their names: whatever this example created is gone.
    assert not set(t["name"] for t in of_type(rec, "aws_dynamodb_table").values()) & set(
        rec["after_destroy"]["main"]["tables"])


def test_two_tables_grants_each_table_read_to_the_role(example_runs):
    rec = ok(example_runs, "two-tables")
    role = name("cross_account_role_name", ENVIRONMENTS["two-tables"])
    assert role in rec["deployed"]["main"]["roles"]
    policies = {v["name"]: json.loads(v["policy"]) for v in of_type(rec, "aws_iam_policy").values()}
    for table in ("orders", "customers"):
        statement = policies[f"{role}-{table}"]["Statement"][0]
        assert statement["Sid"] == "DynamoDBRead"
        assert statement["Resource"][0] == f"arn:aws:dynamodb:us-east-1:{MAIN}:table/{table}"
    trust = json.loads(next(v for v in of_type(rec, "aws_iam_role").values() if v["name"] == role)["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {
        "AWS": [f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', ENVIRONMENTS['two-tables'])}"]}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "two-tables-example"}}
    assert of_type(rec, "aws_dynamodb_table") == {}, "two-tables grants existing tables, it creates none"


def test_resource_policy_example_writes_a_table_policy_naming_the_execution_role(example_runs):
    rec = ok(example_runs, "resource-policy")
    env = ENVIRONMENTS["resource-policy"]
    policy = json.loads(next(iter(of_type(rec, "aws_dynamodb_resource_policy").values()))["policy"])
    principals = [p for st in policy["Statement"] for p in (st["Principal"]["AWS"] if isinstance(
        st["Principal"]["AWS"], list) else [st["Principal"]["AWS"]])]
    assert principals == [f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', env)}"]
    assert "orders" in rec["deployed"]["main"]["tables"]
    assert not [r for r in rec["deployed"]["main"]["roles"] if env in r], "resource_policy mode has no role"


def test_kms_example_grants_the_tables_key_via_dynamodb_only(example_runs):
    rec = ok(example_runs, "kms-tables")
    key = rec["outputs"]["key_arn"]
    table = next(v for v in of_type(rec, "aws_dynamodb_table").values())
    assert table["server_side_encryption"][0]["kms_key_arn"] == key
    statements = rec["outputs"]["table_policy"]["Statement"]
    kms_read = json.loads((CONVENTIONS / "kms-actions.json").read_text())["Read"]
    assert statements[1] == {"Sid": "KmsForRead", "Effect": "Allow", "Action": kms_read, "Resource": [key],
                             "Condition": {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}}


def test_nightly_exports_example_schedules_an_export_into_the_consumers_bucket(example_runs):
    rec = ok(example_runs, "nightly-exports")
    env = ENVIRONMENTS["nightly-exports"]
    schedule = next(iter(of_type(rec, "aws_scheduler_schedule").values()))
    assert schedule["schedule_expression"] == "cron(0 2 * * ? *)"
    assert json.loads(schedule["target"][0]["input"]) == {"op": "export", "table": "events"}
    bucket = name("export_bucket_name", env)
    assert rec["outputs"]["export_bucket"] == {"name": bucket, "prefix": "exports"} and bucket in rec["buckets"]
    exports = next(json.loads(v["policy"]) for v in of_type(rec, "aws_iam_policy").values() if v["name"].endswith("-exports"))
    assert exports["Statement"][0]["Resource"] == [f"arn:aws:dynamodb:us-east-1:{MAIN}:table/events"]
    function = next(iter(of_type(rec, "aws_lambda_function").values()))
    assert function["environment"][0]["variables"]["EXPORT_BUCKET"] == bucket
    table = next(iter(of_type(rec, "aws_dynamodb_table").values()))
    assert table["point_in_time_recovery"][0]["enabled"] is True
