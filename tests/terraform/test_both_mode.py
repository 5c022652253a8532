"""access_mode "both" (the migration state) applied for real: envs/both.tfvars of both roots,
consumer first, into the strict emulator; re-planned (empty), then with IAM enforced each path of
the function is used on what Terraform applied, then both roots destroyed (nothing left).

The paths: the execution role's own credentials on the table by ARN (its identity policy and the
table's resource policy), and AssumeRole of the cross-account role with the ExternalId. Each also
through the real function binary under the local Runtime API, with the environment Terraform gave
it: as deployed (ACCESS_MODE=resource_policy) and with ACCESS_MODE=assume_role (the rollback).

One scenario of its own for this module (not in deployments.py): it needs the function binary and
the deployment between apply and destroy."""
from __future__ import annotations

import json
import sys
import urllib.request

import pytest

from deployments import Roots, small_zip
from emulator import REGION, Emulator
from test_apply import NOTHING
from tfhelpers import CONSUMER, MAIN, REPO, access_levels, copy_terraform, name

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from local import deploy  # noqa: E402
from local.runtime_api import Function  # noqa: E402

ENV = "both"
TABLE = "orders"
ITEM = {"pk": {"S": "customer#both"}, "sk": {"S": "order#1"}, "status": {"S": "SHIPPED"}, "total": {"N": "12.50"}}
ACTIONS = json.loads((REPO / "terraform" / "modules" / "conventions" / "resource-policy-actions.json").read_text())


def local_api(emu: Emulator, path: str, body: bytes) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{emu.endpoint}{path}", data=body, method="POST",
                                                  headers={"Content-Type": "text/plain"}), timeout=10).read()


def set_auth(emu: Emulator, enabled: bool) -> None:
    """The emulator's switch: every request authenticated and authorized (0), or none (inf)."""
    local_api(emu, "/moto-api/reset-auth", b"0" if enabled else b"inf")


def creds_client(emu: Emulator, service: str, creds: dict):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=emu.endpoint, region_name=REGION,
                        aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
                        aws_session_token=creds.get("session_token"), config=Config(retries={"max_attempts": 1}))


def invoke(emu: Emulator, binary: str, env: dict, access_mode: str) -> dict:
    """One scan through the real binary in `access_mode`; the STS requests it made."""
    local_api(emu, "/_local/stats/reset", b"")
    fn = Function(binary, dict(env, ACCESS_MODE=access_mode), name=env["AWS_LAMBDA_FUNCTION_NAME"]).start()
    try:
        r = fn.invoke({"op": "scan", "table": TABLE})
    finally:
        fn.stop()
    stats = json.loads(urllib.request.urlopen(f"{emu.endpoint}/_local/stats", timeout=5).read())
    return {"result": r, "sts": stats.get("sts:AssumeRole", 0), "scans": stats.get("dynamodb:Scan", 0)}


def use_both_paths(emu: Emulator, outputs: dict, binary: str) -> dict:
    """With IAM enforced: each path directly, then through the function in each ACCESS_MODE."""
    consumer = {"access_key_id": emu.keys["consumer"]["AccessKeyId"],
                "secret_access_key": emu.keys["consumer"]["SecretAccessKey"]}
    function = deploy.deployed_function(emu.endpoint, consumer, outputs["consumer"]["function_name"])
    table_arn = f"arn:aws:dynamodb:{REGION}:{MAIN}:table/{TABLE}"
    out: dict = {"environment": function["environment"]}
    set_auth(emu, True)
    try:
        lambda_creds = function["credentials"]
        out["direct"] = creds_client(emu, "dynamodb", lambda_creds).scan(TableName=table_arn)["Items"]
        sts = creds_client(emu, "sts", lambda_creds)
        assumed = sts.assume_role(RoleArn=outputs["main"]["role_arn"], RoleSessionName="both-test",
                                  ExternalId=function["environment"]["EXTERNAL_ID"])["Credentials"]
        out["assumed"] = creds_client(emu, "dynamodb", {
            "access_key_id": assumed["AccessKeyId"], "secret_access_key": assumed["SecretAccessKey"],
            "session_token": assumed["SessionToken"]}).scan(TableName=TABLE)["Items"]
        env = deploy.lambda_environment({"function": function, "region": REGION, "endpoint": emu.endpoint})
        out["function"] = {mode: invoke(emu, binary, env, mode) for mode in ("resource_policy", "assume_role")}
    finally:
        set_auth(emu, False)
    return out


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    binary = deploy.debug_binary()
    if not binary.is_file():
        pytest.fail(f"function binary {binary} not found: build it with `cargo build --locked` (or set DDB_READER_BIN)")
    base = tmp_path_factory.mktemp("both-mode")
    rec: dict = {}
    with Emulator(base / "emulator") as emu:
        roots = Roots(copy_terraform(base / "terraform"), emu, ENV, small_zip(base / "bootstrap.zip"))
        roots.init()
        rec["plans"] = {}
        for w in ("consumer", "main"):  # trust mode principal: the execution role first
            rec["plans"][w] = roots.plan(w, out=f"{w}.tfplan")
            roots.root(w).apply_plan(f"{w}.tfplan")
        rec["outputs"] = {w: roots.root(w).outputs() for w in ("consumer", "main")}
        rec["deployed"] = {p: emu.inventory(p) for p in ("main", "consumer")}
        rec["replan"] = {w: roots.changes(w) for w in ("consumer", "main")}
        emu.client("dynamodb", "main").put_item(TableName=TABLE, Item=ITEM)
        rec["paths"] = use_both_paths(emu, rec["outputs"], str(binary))
        for w in ("main", "consumer"):
            roots.destroy(w)
        rec["after_destroy"] = {p: emu.inventory(p) for p in ("main", "consumer")}
    return rec


def test_applies_replans_empty_and_destroys_clean(cycle):
    assert cycle["replan"] == {"consumer": {}, "main": {}}, "a re-plan right after apply must be empty"
    assert name("cross_account_role_name", ENV) in cycle["deployed"]["main"]["roles"]
    assert name("execution_role_name", ENV) in cycle["deployed"]["consumer"]["roles"]
    assert name("function_name", ENV) in cycle["deployed"]["consumer"]["functions"]
    assert cycle["after_destroy"] == {"main": NOTHING, "consumer": NOTHING}


def test_the_main_account_has_the_role_and_the_table_policy_from_one_level(cycle):
    v = {k: x["value"] for k, x in cycle["plans"]["main"]["variables"].items()}
    level = v["tables"][TABLE]["access_type"]
    exec_role = f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', ENV)}"
    assert cycle["outputs"]["main"]["role_arn"].endswith(f":role/{name('cross_account_role_name', ENV)}")
    statement, = cycle["outputs"]["main"]["table_resource_policies"][TABLE]["Statement"]
    assert statement["Principal"] == {"AWS": [exec_role]}
    assert statement["Action"] == sorted(set(access_levels()[level]) & set(ACTIONS))


def test_the_execution_role_keeps_assume_role_and_gains_the_tables(cycle):
    addresses = [rc["address"] for rc in cycle["plans"]["consumer"]["resource_changes"]]
    assert 'module.function.aws_iam_policy.execution["assume-main"]' in addresses
    assert 'module.function.aws_iam_policy.execution["main-tables"]' in addresses
    env = cycle["paths"]["environment"]
    assert env["ACCESS_MODE"] == "resource_policy" and env["MAIN_ACCOUNT_ID"] == MAIN
    assert env["ROLE_ARN"] == cycle["outputs"]["main"]["role_arn"] and env["EXTERNAL_ID"]


def test_both_paths_read_the_table_with_iam_enforced(cycle):
    assert cycle["paths"]["direct"] == [ITEM]
    assert cycle["paths"]["assumed"] == [ITEM]


@pytest.mark.parametrize("mode, sts_calls", [("resource_policy", 0), ("assume_role", 1)])
def test_the_function_reads_in_each_access_mode(cycle, mode, sts_calls):
    run = cycle["paths"]["function"][mode]
    r = run["result"]
    assert r["ok"], r
    assert r["payload"]["count"] == 1 and r["payload"]["items"][0]["pk"] == ITEM["pk"]["S"], r["payload"]
    assert run["sts"] == sts_calls and run["scans"] >= 1, run
