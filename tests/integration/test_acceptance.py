"""scripts/acceptance.py on its real-account path, with the session's emulator standing in for the
two AWS accounts: the same code, only the profiles (the emulator's deployers, from an AWS config
file) and AWS_ENDPOINT_URL differ. Also its safety: no confirmation, no call at all; a failure
injected after the apply, and a SIGTERM in the middle of it, still end with nothing of the run's
prefix left in either account.

(`make acceptance` without profiles runs the local path: its own emulator on a free port.)
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys

import pytest

from local import deploy
from local.testing import CONSUMER_ACCOUNT, MAIN_ACCOUNT, REGION, ROOT

SCRIPT = ROOT / "scripts" / "acceptance.py"


def _script_env(aws, environment: str) -> dict:
    """The real-account inputs, pointing at the session's emulator: its deployers' profiles and endpoint."""
    return {
        "MAIN_PROFILE": deploy.PROFILES[MAIN_ACCOUNT], "CONSUMER_PROFILE": deploy.PROFILES[CONSUMER_ACCOUNT],
        "AWS_CONFIG_FILE": aws.state["aws_config_file"], "AWS_SHARED_CREDENTIALS_FILE": aws.state["aws_credentials_file"],
        "AWS_ENDPOINT_URL": aws.endpoint, "AWS_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
        "ACCEPTANCE_ZIP": str(deploy.LAMBDA_ZIP), "ACCEPTANCE_ENVIRONMENT": environment,
        "ACCEPTANCE_LOG_WAIT_SECONDS": "30",
    }


def run_acceptance(aws, environment: str, timeout: float = 300, **knobs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACCEPTANCE_", "TF_"))}
    env.update(_script_env(aws, environment), **knobs)
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def named(aws, prefix: str) -> list[str]:
    """Everything in either account of the emulator whose name carries `prefix` (read independently
    of the script's own leftover check)."""
    out = []
    for account in (MAIN_ACCOUNT, CONSUMER_ACCOUNT):
        iam = aws.client("iam", account=account)
        out += [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
        out += [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"].startswith(prefix)]
        out += [f["FunctionName"] for f in aws.client("lambda", account=account).list_functions()["Functions"]
                if f["FunctionName"].startswith(prefix)]
        out += [g["logGroupName"] for g in aws.client("logs", account=account).describe_log_groups(
            logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]]
        out += [t for t in aws.client("dynamodb", account=account).list_tables()["TableNames"] if t.startswith(prefix)]
    return out


@pytest.fixture
def environment(aws):
    name = f"acc-t{secrets.token_hex(3)}"
    yield name
    shutil.rmtree(ROOT / ".local" / "acceptance" / name, ignore_errors=True)  # a failed run keeps its workdir


def test_refuses_real_accounts_without_confirmation_and_touches_nothing(aws, environment):
    aws.reset_stats()
    p = run_acceptance(aws, environment, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "ACCEPTANCE_CONFIRM=yes" in p.stdout
    # It said what it would create, by name, before refusing.
    assert f"{environment}-ddb-cross-account-reader" in p.stdout and f"{environment}-items" in p.stdout
    assert aws.stats() == {}, "the refused run made AWS calls"


def test_the_real_account_path_passes_and_leaves_nothing(aws, environment):
    p = run_acceptance(aws, environment, ACCEPTANCE_CONFIRM="yes")
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    for check in ("ok  ready:", "ok  get: the exact item", "ok  query:", "ok  scan:", f"ok  {environment}-denied: AccessDenied",
                  "ok  put: WritesDisabled", "ok  check: ok", "ok  scheduled event:", "ok  log group:"):
        assert check in out, (check, out)
    assert f"nothing named {environment}* is left" in out
    assert named(aws, environment) == []


def test_a_failure_after_apply_is_cleaned_up(aws, environment):
    p = run_acceptance(aws, environment, ACCEPTANCE_CONFIRM="yes", ACCEPTANCE_FAIL_AFTER_APPLY="1")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "applied in" in out and "injected failure after apply" in out, out
    assert "ok  " not in out  # no check ran
    assert f"nothing named {environment}* is left" in out
    assert named(aws, environment) == []


def test_an_interrupt_mid_apply_is_cleaned_up(aws, environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACCEPTANCE_", "TF_"))}
    env.update(_script_env(aws, environment), ACCEPTANCE_CONFIRM="yes")
    proc = subprocess.Popen([sys.executable, str(SCRIPT)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "terraform apply: main-account" in line:  # the consumer root is applied by now
                proc.send_signal(signal.SIGTERM)
                break
        lines += proc.stdout.readlines()
        code = proc.wait(240)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(lines)
    assert code == 1, out
    assert "FAILED: interrupted (SIGTERM)" in out and "ok  " not in out, out
    assert f"nothing named {environment}* is left" in out
    assert named(aws, environment) == []
