#!/usr/bin/env python3
"""Acceptance run: deploy both Terraform roots, invoke the deployed function through Lambda's Invoke
API with portable checks, destroy everything, and prove nothing of the run is left.

    make acceptance                                   # local: its own emulator on a free port
    MAIN_PROFILE=main CONSUMER_PROFILE=consumer AWS_REGION=eu-west-1 ACCEPTANCE_CONFIRM=yes \\
        make acceptance                               # two real AWS accounts (docs/acceptance.md)
    python scripts/acceptance.py --destroy .local/acceptance/acc-1a2b3c   # clean up a killed run

One code path for both targets: the checks get boto3 clients built from two profiles and know
nothing else; locally the profiles are the emulator's deployers (an AWS config of the run's own)
and AWS_ENDPOINT_URL points the SDK and Terraform at the emulator. Everything the run creates is
named after a throwaway environment, acc-<6 hex>: the roles, policies, function, log group and the
test table (the main root's demo_table, created and destroyed by Terraform). It touches nothing else.

Environment:
  MAIN_PROFILE, CONSUMER_PROFILE   the two accounts' AWS profiles (both, or neither: local run)
  AWS_REGION                       region of the run (default: the consumer profile's, else us-east-1)
  ACCEPTANCE_CONFIRM=yes           required before anything is created in real accounts
  ACCEPTANCE_ZIP                   the function zip to deploy (default: `make zip`, the arm64
                                   release build; the local run zips the debug build)
  ACCEPTANCE_ENVIRONMENT           the environment name (default acc-<random>; must start acc-)
  ACCEPTANCE_FAIL_AFTER_APPLY=1    test knob: fail right after both applies (the cleanup must run)
  ACCEPTANCE_KEEP_WORKDIR=1        keep .local/acceptance/<env> (Terraform states, logs) on success
Exit status: 0 all checks passed and nothing is left; 1 a check or a step failed (cleaned up);
2 refused (no confirmation, bad input); 3 the cleanup left resources behind (listed).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from local import emf  # noqa: E402  (the EMF specification's rules; nothing emulator-specific)

NAMING = json.loads((ROOT / "terraform" / "modules" / "conventions" / "naming.json").read_text())
EVENTS = ROOT / "events"
RELEASE_ZIP = ROOT / "target" / "lambda" / "ddb-cross-account-reader" / "bootstrap.zip"
LOG_WAIT_S = float(os.environ.get("ACCEPTANCE_LOG_WAIT_SECONDS", "180"))  # CloudWatch ingestion takes seconds
READY_WAIT_S = float(os.environ.get("ACCEPTANCE_READY_SECONDS", "120"))    # IAM propagation after the apply


class Refused(Exception):
    """The run will not start (exit 2)."""


class Interrupted(BaseException):
    """SIGINT / SIGTERM: stop, clean up, exit."""


def say(msg: str) -> None:
    print(f"acceptance: {msg}", flush=True)


# ---- what the run creates ----------------------------------------------------------------------

class Plan:
    """The run's names (all derived from the environment name) and its Terraform inputs."""

    def __init__(self, environment: str, region: str, zip_path: Path):
        if not environment.startswith("acc-") or not re.fullmatch(NAMING["environment_pattern"], environment):
            raise Refused(f"ACCEPTANCE_ENVIRONMENT: {environment!r} must start with acc- and match "
                          f"{NAMING['environment_pattern']} (naming.json)")
        self.environment, self.region, self.zip_path = environment, region, zip_path
        self.table = f"{environment}-items"
        self.denied_table = f"{environment}-denied"   # never created, never granted
        self.external_id = f"{environment}-{secrets.token_hex(8)}"
        self.function = NAMING["function_name"].format(environment=environment)
        self.log_group = f"/aws/lambda/{self.function}"

    def names(self, consumer_account: str = "<consumer account id>") -> dict[str, list[str]]:
        fill = lambda rule: NAMING[rule].format(environment=self.environment, consumer_account_id=consumer_account)
        return {
            "main account": [f"IAM role {fill('cross_account_role_name')} (trusts the execution role, ExternalId)",
                             f"IAM policy for table {self.table} (Read)",
                             f"DynamoDB table {self.table} (on-demand, 7 small items)"],
            "consumer account": [f"Lambda function {self.function} (provided.al2023, 128 MB, 30 s)",
                                 f"IAM role {fill('execution_role_name')} and its policies",
                                 f"CloudWatch log group {self.log_group} (1 day retention)"],
        }

    def consumer_vars(self, main: str, consumer: str) -> dict:
        return {"environment": self.environment, "region": self.region, "main_account_id": main,
                "consumer_account_id": consumer, "zip_path": str(self.zip_path),
                "function": {"architecture": zip_architecture(self.zip_path), "default_table": self.table,
                             "log_level": "INFO", "log_retention_days": 1, "timeout": 30},
                "assume": {"external_id": self.external_id},
                "tags": {"Purpose": "acceptance", "AcceptanceRun": self.environment}}

    def main_vars(self, main: str, consumer: str) -> dict:
        return {"environment": self.environment, "region": self.region, "main_account_id": main,
                "consumer_account_id": consumer, "trust": {"external_id": self.external_id},
                "tables": {self.table: {"access_type": "Read"}},
                "demo_table": {"name": self.table, "deletion_protection": False},
                "tags": {"Purpose": "acceptance", "AcceptanceRun": self.environment}}


def zip_architecture(zip_path: Path) -> str:
    """arm64 or x86_64, from the ELF header of the zip's bootstrap (what Lambda must run it on)."""
    with zipfile.ZipFile(zip_path) as z:
        with z.open("bootstrap") as f:
            head = f.read(20)
    if head[:4] != b"\x7fELF":
        raise Refused(f"{zip_path}: bootstrap is not an ELF executable")
    machine = int.from_bytes(head[18:20], "little")
    arch = {0xB7: "arm64", 0x3E: "x86_64"}.get(machine)
    if arch is None:
        raise Refused(f"{zip_path}: bootstrap is built for ELF machine {machine:#x}, neither arm64 nor x86_64")
    return arch


# ---- the two accounts --------------------------------------------------------------------------

class Accounts:
    """boto3 clients of the two profiles (AWS_ENDPOINT_URL, when set, applies to both)."""

    def __init__(self, main_profile: str, consumer_profile: str, region: str):
        self.profiles = {"main": main_profile, "consumer": consumer_profile}
        self.region = region
        self.sessions = {k: boto3.Session(profile_name=p, region_name=region) for k, p in self.profiles.items()}
        self.ids = {k: s.client("sts").get_caller_identity()["Account"] for k, s in self.sessions.items()}
        if self.ids["main"] == self.ids["consumer"]:
            raise Refused(f"MAIN_PROFILE and CONSUMER_PROFILE are the same account ({self.ids['main']}): "
                          "the run needs two accounts")

    def client(self, account: str, service: str):
        return self.sessions[account].client(service, config=Config(retries={"max_attempts": 8, "mode": "standard"}))


# ---- Terraform ---------------------------------------------------------------------------------

class Terraform:
    """One root of the run, in the run's copy of terraform/ with its own state, data dir and log."""

    current: subprocess.Popen | None = None   # the terraform process running now (signals go to it)

    def __init__(self, name: str, root: str, workdir: Path, profile: str, region: str, variables: dict):
        self.name, self.workdir = name, workdir
        self.dir = workdir / "terraform" / root
        self.state = workdir / f"{name}.tfstate"
        self.var_file = workdir / f"{name}.tfvars.json"
        self.var_file.write_text(json.dumps(variables, indent=2))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TF_") and k not in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                          "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE")}
        env.update({"AWS_PROFILE": profile, "AWS_REGION": region, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                    "CHECKPOINT_DISABLE": "1", "TF_DATA_DIR": str(workdir / "tf-data" / name),
                    "TF_PLUGIN_CACHE_DIR": str(ROOT / ".tools" / "terraform-plugin-cache"),
                    "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true"})
        rc = ROOT / ".tools" / "terraformrc"
        if rc.is_file():
            env["TF_CLI_CONFIG_FILE"] = str(rc)
        (ROOT / ".tools" / "terraform-plugin-cache").mkdir(parents=True, exist_ok=True)
        self.env = env

    def run(self, *args: str, step: str) -> None:
        log = self.workdir / "logs" / f"{self.name}-{step}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as out:
            # Own process group: a SIGTERM to this script is forwarded as SIGINT (terraform then
            # stops cleanly and writes its state) instead of killing terraform mid-write.
            proc = subprocess.Popen(["terraform", *args], cwd=self.dir, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            Terraform.current = proc
            try:
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    # Interrupted: _on_signal already sent terraform one SIGINT (a second one would
                    # make it exit at once, state unwritten); let it finish its current step.
                    try:
                        proc.wait(300)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                Terraform.current = None
        if code != 0:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"terraform {step} of {self.name} failed (log {log}):\n{tail}")

    def apply(self) -> None:
        self.run("init", "-no-color", "-input=false", step="init")
        self.run("apply", "-no-color", "-input=false", "-auto-approve", f"-state={self.state}",
                 f"-var-file={self.var_file}", step="apply")

    def destroy(self) -> None:
        if not self.state.exists():
            return
        if not (self.dir / ".terraform").exists() and not (self.workdir / "tf-data" / self.name).exists():
            self.run("init", "-no-color", "-input=false", step="init")
        self.run("destroy", "-no-color", "-input=false", "-auto-approve", f"-state={self.state}",
                 f"-var-file={self.var_file}", step="destroy")


def roots(plan: Plan, accounts: Accounts, workdir: Path) -> list[Terraform]:
    """[consumer, main]: applied in this order (the main root's trust names the execution role), destroyed in reverse."""
    main, consumer = accounts.ids["main"], accounts.ids["consumer"]
    return [Terraform("consumer", "consumer-account", workdir, accounts.profiles["consumer"], plan.region,
                      plan.consumer_vars(main, consumer)),
            Terraform("main", "main-account", workdir, accounts.profiles["main"], plan.region,
                      plan.main_vars(main, consumer))]


def copy_roots(workdir: Path) -> None:
    """terraform/ into the workdir, without state or .terraform: the repository stays untouched."""
    shutil.copytree(ROOT / "terraform", workdir / "terraform", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup", "*.md"))


# ---- the checks (portable: Lambda Invoke, DynamoDB and CloudWatch Logs through two profiles) ----

ITEMS = [{"pk": f"acc#{group}", "sk": f"item#{i:02d}", "n": i * 7, "label": f"{group}-{i}", "flag": i % 2 == 0}
         for group, count in (("a", 4), ("b", 3)) for i in range(1, count + 1)]


def _av(v) -> dict:
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, int):
        return {"N": str(v)}
    return {"S": v}


class Invoker:
    """Lambda Invoke of the deployed function, as its operators would call it."""

    def __init__(self, lam, function: str):
        self.lam, self.function = lam, function
        self.request_ids: list[str] = []

    def __call__(self, event: dict, kind: str = "RequestResponse") -> dict:
        r = self.lam.invoke(FunctionName=self.function, InvocationType=kind, Payload=json.dumps(event))
        body = r["Payload"].read()
        rid = r["ResponseMetadata"]["RequestId"]
        self.request_ids.append(rid)
        out = {"status": r["StatusCode"], "error": r.get("FunctionError"), "request_id": rid}
        out["body"] = json.loads(body) if body else None
        return out


def check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def wait_until_ready(plan: Plan, accounts: Accounts) -> float:
    """Until the function's own check passes: IAM takes seconds to propagate new roles and policies
    in AWS (the first AssumeRole after an apply can be denied). Returns the seconds waited."""
    lam, started = accounts.client("consumer", "lambda"), time.monotonic()
    while True:
        r = lam.invoke(FunctionName=plan.function, Payload=json.dumps({"op": "check", "table": [plan.table]}))
        body = json.loads(r["Payload"].read() or b"null")
        if not r.get("FunctionError") and isinstance(body, dict) and body.get("ok"):
            return time.monotonic() - started
        if time.monotonic() - started > READY_WAIT_S:
            raise AssertionError(f"the deployed function's check still fails after {READY_WAIT_S:.0f}s: {body}")
        time.sleep(5)


def run_checks(plan: Plan, accounts: Accounts) -> list[str]:
    """The acceptance checks; returns one line per passed check, raises AssertionError on the first failure."""
    done = [f"ready: the function's check passed after {wait_until_ready(plan, accounts):.0f}s"]
    ddb = accounts.client("main", "dynamodb")
    for item in ITEMS:
        ddb.put_item(TableName=plan.table, Item={k: _av(v) for k, v in item.items()})
    invoke = Invoker(accounts.client("consumer", "lambda"), plan.function)
    key = lambda i: (i["pk"], i["sk"])
    metered = []  # request ids of the reads whose metric line the log group must hold

    # 1. reads with exact values
    r = invoke({"op": "get", "table": plan.table, "key": {"pk": "acc#a", "sk": "item#03"}})
    check(r["error"] is None and r["body"]["items"] == [ITEMS[2]], f"get: expected {ITEMS[2]}, got {r}")
    metered.append(r["request_id"])
    done.append("get: the exact item")
    r = invoke({"op": "query", "table": plan.table, "key_condition": "pk = :pk", "values": {":pk": "acc#b"}})
    expected = [i for i in ITEMS if i["pk"] == "acc#b"]
    check(r["error"] is None and r["body"]["items"] == expected, f"query: expected {expected}, got {r}")
    metered.append(r["request_id"])
    done.append(f"query: {len(expected)} items in sort-key order")
    # 2. a scan in pages of 3, following next_token to the end
    pages, token = [], None
    while True:
        r = invoke({"op": "scan", "table": plan.table, "limit": 3, **({"next_token": token} if token else {})})
        check(r["error"] is None, f"scan page {len(pages) + 1}: {r}")
        pages.append(r["body"])
        metered.append(r["request_id"])
        token = r["body"]["next_token"]
        if token is None or len(pages) > len(ITEMS):
            break
    seen = [i for p in pages for i in p["items"]]
    check(len(pages) >= 3 and pages[0]["next_token"] and all(len(p["items"]) <= 3 for p in pages),
          f"scan: expected pages of at most 3 items, got {[len(p['items']) for p in pages]}")
    check(sorted(seen, key=key) == sorted(ITEMS, key=key), f"scan: the pages hold {seen}, expected {ITEMS}")
    done.append(f"scan: {len(pages)} pages via next_token, every item exactly once")
    # 3. a table the role is not granted
    r = invoke({"op": "get", "table": plan.denied_table, "key": {"pk": "acc#a", "sk": "item#01"}})
    check(r["error"] == "Unhandled" and r["body"]["errorType"] == "AccessDenied"
          and plan.denied_table in r["body"]["errorMessage"], f"denied table: expected AccessDenied, got {r}")
    done.append(f"{plan.denied_table}: AccessDenied")
    # 4. writes are refused while ALLOW_WRITES is off, and nothing is written
    r = invoke({"op": "put", "table": plan.table, "item": {"pk": "acc#w", "sk": "write"}})
    check(r["error"] == "Unhandled" and r["body"]["errorType"] == "WritesDisabled", f"put: expected WritesDisabled, got {r}")
    check("Item" not in ddb.get_item(TableName=plan.table, Key={"pk": {"S": "acc#w"}, "sk": {"S": "write"}}),
          "put: the refused write reached the table")
    done.append("put: WritesDisabled, table unchanged")
    # 5. the check op
    r = invoke({"op": "check", "table": [plan.table]})
    steps = {s.get("table", s["step"]): s for s in (r["body"] or {}).get("steps", [])}
    check(r["error"] is None and r["body"]["ok"] and steps.get(plan.table, {}).get("status") == "ok",
          f"check: expected ok for {plan.table}, got {r}")
    done.append(f"check: ok ({', '.join(steps)})")
    # 6. a scheduled event: synchronously (the exact count), then as EventBridge delivers it (Event)
    event = json.loads((EVENTS / "scheduled-event.json").read_text())
    event.update(account=accounts.ids["consumer"], region=plan.region, id=secrets.token_hex(16))
    r = invoke(event)
    check(r["error"] is None and r["body"]["count"] == len(ITEMS) and r["body"]["items"] == [],
          f"scheduled event: expected a count of {len(ITEMS)}, got {r}")
    metered.append(r["request_id"])
    async_run = invoke(dict(event, id=secrets.token_hex(16)), kind="Event")
    check(async_run["status"] == 202, f"scheduled event (Event): expected 202, got {async_run}")
    done.append(f"scheduled event: count {len(ITEMS)}; Event invocation accepted (202)")
    # 7. the EMF metrics in the log group: every synchronous request's line, and the Event one
    logs = accounts.client("consumer", "logs")
    wanted = set(metered)
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        lines, token = [], None
        while True:
            page = logs.filter_log_events(logGroupName=plan.log_group, **({"nextToken": token} if token else {}))
            lines += [e["message"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        parsed = [json.loads(m) for m in lines if m.startswith("{")]
        metric_lines = [l for l in parsed if isinstance(l, dict) and "_aws" in l and l.get("request_id")]
        found = {l["request_id"] for l in metric_lines}
        scheduled = [l for l in metric_lines if l["request_id"] not in wanted and l.get("op") == "scan"
                     and l.get("table") == plan.table and l.get("count") == len(ITEMS)]
        if (wanted <= found and scheduled) or time.monotonic() > deadline:
            break
        time.sleep(3)
    missing = {rid for rid in wanted if rid not in found}
    check(not missing, f"log group {plan.log_group}: no metric line for requests {sorted(missing)} after {LOG_WAIT_S:.0f}s")
    check(scheduled, f"log group {plan.log_group}: no line of the Event invocation's count after {LOG_WAIT_S:.0f}s")
    invalid = [(l["request_id"], emf.problems(l)) for l in metric_lines if emf.problems(l)]
    check(not invalid, f"invalid EMF lines: {invalid}")
    names = sorted({m["name"] for l in metric_lines for m in emf.metrics(l)})
    done.append(f"log group: {len(metric_lines)} valid EMF lines ({', '.join(names)})")
    return done


# ---- proof that nothing is left ----------------------------------------------------------------

def leftovers(plan: Plan, accounts: Accounts) -> list[str]:
    """Everything in either account whose name carries the run's environment name."""
    prefix, out = plan.environment, []
    for account in ("main", "consumer"):
        iam = accounts.client(account, "iam")
        for page in iam.get_paginator("list_roles").paginate():
            out += [f"{account}: IAM role {r['RoleName']}" for r in page["Roles"] if r["RoleName"].startswith(prefix)]
        for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
            out += [f"{account}: IAM policy {p['PolicyName']}" for p in page["Policies"] if p["PolicyName"].startswith(prefix)]
        lam = accounts.client(account, "lambda")
        for page in lam.get_paginator("list_functions").paginate():
            out += [f"{account}: Lambda function {f['FunctionName']}" for f in page["Functions"]
                    if f["FunctionName"].startswith(prefix)]
        logs = accounts.client(account, "logs")
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/aws/lambda/{prefix}"):
            out += [f"{account}: log group {g['logGroupName']}" for g in page["logGroups"]]
        ddb = accounts.client(account, "dynamodb")
        for page in ddb.get_paginator("list_tables").paginate():
            out += [f"{account}: DynamoDB table {t}" for t in page["TableNames"] if t.startswith(prefix)]
    return out


def manual_cleanup(plan: Plan, workdir: Path) -> str:
    names = "\n".join(f"    {where}: {n}" for where, ns in plan.names().items() for n in ns)
    return (f"to clean up by hand: python scripts/acceptance.py --destroy {workdir} (same MAIN_PROFILE, "
            f"CONSUMER_PROFILE, AWS_REGION), or delete what carries the prefix {plan.environment}:\n{names}")


# ---- the run -----------------------------------------------------------------------------------

def _on_signal(signum, _frame):
    proc = Terraform.current
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGINT)   # terraform stops at a safe point and keeps its state
    raise Interrupted(signal.Signals(signum).name)


def destroy_all(plan: Plan, accounts: Accounts, workdir: Path) -> list[str]:
    """Destroy both roots (main first), then list what is left. Signals are ignored meanwhile: an
    interrupted cleanup is what leaves resources behind."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        say("cleanup: terraform destroy of the main root, then the consumer root")
        errors = []
        for tf in reversed(roots(plan, accounts, workdir)):
            try:
                tf.destroy()
            except Exception as e:  # noqa: BLE001 - destroy the other root all the same
                errors.append(str(e))
                say(f"cleanup: {e}")
        left = leftovers(plan, accounts)
        if errors and not left:
            left = [f"terraform destroy reported: {e.splitlines()[0]}" for e in errors]
        return left
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run(plan: Plan, accounts: Accounts, workdir: Path) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "run.json").write_text(json.dumps({
        "environment": plan.environment, "region": plan.region, "zip": str(plan.zip_path),
        "external_id": plan.external_id, "profiles": accounts.profiles}, indent=2))
    copy_roots(workdir)
    failure, started = None, time.monotonic()
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        consumer, main = roots(plan, accounts, workdir)
        say(f"terraform apply: consumer-account ({accounts.ids['consumer']})")
        consumer.apply()
        say(f"terraform apply: main-account ({accounts.ids['main']})")
        main.apply()
        say(f"applied in {time.monotonic() - started:.0f}s")
        if os.environ.get("ACCEPTANCE_FAIL_AFTER_APPLY") == "1":
            raise RuntimeError("injected failure after apply (ACCEPTANCE_FAIL_AFTER_APPLY=1)")
        for line in run_checks(plan, accounts):
            say(f"ok  {line}")
    except Interrupted as e:
        failure = f"interrupted ({e})"
    except Exception as e:  # noqa: BLE001 - every failure ends in the cleanup
        failure = f"{type(e).__name__}: {e}"
    finally:
        if failure:
            say(f"FAILED: {failure}")
        left = destroy_all(plan, accounts, workdir)
    if left:
        say("cleanup INCOMPLETE, still there:\n  " + "\n  ".join(left))
        say(manual_cleanup(plan, workdir))
        return 3
    say(f"cleanup: nothing named {plan.environment}* is left in either account "
        f"({time.monotonic() - started:.0f}s in all)")
    if not failure and os.environ.get("ACCEPTANCE_KEEP_WORKDIR") != "1":
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failure else 0


def build_zip() -> Path:
    if os.environ.get("ACCEPTANCE_ZIP"):
        path = Path(os.environ["ACCEPTANCE_ZIP"]).resolve()
        if not path.is_file():
            raise Refused(f"ACCEPTANCE_ZIP: {path} does not exist")
        return path
    say("make zip (the arm64 release build Lambda runs)")
    subprocess.run(["make", "-C", str(ROOT), "zip"], check=True)
    return RELEASE_ZIP


def real_accounts(args) -> int:
    main_profile, consumer_profile = os.environ.get("MAIN_PROFILE"), os.environ.get("CONSUMER_PROFILE")
    if not (main_profile and consumer_profile):
        raise Refused("MAIN_PROFILE and CONSUMER_PROFILE: set both (two real accounts) or neither (local run)")
    region = os.environ.get("AWS_REGION") or boto3.Session(profile_name=consumer_profile).region_name or "us-east-1"
    environment = os.environ.get("ACCEPTANCE_ENVIRONMENT") or f"acc-{secrets.token_hex(3)}"
    workdir = ROOT / ".local" / "acceptance" / environment
    plan = Plan(environment, region, Path(os.environ.get("ACCEPTANCE_ZIP") or RELEASE_ZIP))
    say(f"environment {environment}, region {region}, profiles {main_profile} (main) and {consumer_profile} (consumer)")
    say("it creates, and destroys at the end:")
    for where, names in plan.names().items():
        for n in names:
            print(f"    {where}: {n}")
    say("cost: well under one US cent per run (an estimate: docs/acceptance.md)")
    if os.environ.get("ACCEPTANCE_CONFIRM") != "yes":
        raise Refused("not touching real accounts without ACCEPTANCE_CONFIRM=yes")
    say(f"if this run is killed, {manual_cleanup(plan, workdir)}")
    plan.zip_path = build_zip()
    accounts = Accounts(main_profile, consumer_profile, region)
    return run(plan, accounts, workdir)


def local_run(args) -> int:
    """The emulator stands in for both accounts: its deployers as the two profiles, AWS_ENDPOINT_URL at it."""
    from local import deploy
    from local.testing import free_port
    environment = os.environ.get("ACCEPTANCE_ENVIRONMENT") or f"acc-{secrets.token_hex(3)}"
    workdir = ROOT / ".local" / "acceptance" / environment
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    say(f"local: emulator on {endpoint} (log {workdir / 'emulator.log'})")
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    with open(workdir / "emulator.log", "wb") as log:
        emulator = subprocess.Popen([sys.executable, str(ROOT / "local" / "aws_emulator.py"), "--port", str(port)],
                                    stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deploy.wait_ready(endpoint)
        deploy.set_auth(endpoint, False)
        deployers = deploy.create_deployers(endpoint)
        deploy.set_auth(endpoint, True)
        credentials, config = deploy.write_aws_config(workdir, deployers)
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": str(config),
                           "AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_REGION": deploy.REGION,
                           "AWS_EC2_METADATA_DISABLED": "true"})
        for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            os.environ.pop(k, None)
        zip_path = Path(os.environ.get("ACCEPTANCE_ZIP") or deploy.build_zip(deploy.debug_binary(), workdir / "bootstrap.zip"))
        plan = Plan(environment, deploy.REGION, zip_path)
        accounts = Accounts(deploy.PROFILES[deploy.MAIN_ACCOUNT], deploy.PROFILES[deploy.CONSUMER_ACCOUNT], deploy.REGION)
        code = run(plan, accounts, workdir)
    finally:
        emulator.terminate()
        try:
            emulator.wait(15)
        except subprocess.TimeoutExpired:
            emulator.kill()
    if code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


def destroy_command(workdir: Path) -> int:
    saved = json.loads((workdir / "run.json").read_text())
    plan = Plan(saved["environment"], saved["region"], Path(saved["zip"]))
    plan.external_id = saved["external_id"]
    accounts = Accounts(saved["profiles"]["main"], saved["profiles"]["consumer"], saved["region"])
    left = destroy_all(plan, accounts, workdir)
    if left:
        say("still there:\n  " + "\n  ".join(left))
        return 3
    say(f"nothing named {plan.environment}* is left in either account")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--destroy", type=Path, metavar="WORKDIR", help="destroy what a killed run left (its workdir)")
    args = parser.parse_args(argv)
    try:
        if args.destroy:
            return destroy_command(args.destroy)
        if os.environ.get("MAIN_PROFILE") or os.environ.get("CONSUMER_PROFILE"):
            return real_accounts(args)
        return local_run(args)
    except Refused as e:
        say(f"refused: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
