"""Lambda Invoke of the deployed function: the emulator runs the zip Terraform uploaded
(local/lambda_invoke.py), called with boto3 as the consumer account's deployer.

The sample-event checks are test_sample_events.py's own functions, run here against an `fn` whose
invoke() goes through Lambda's Invoke API instead of the test harness; the rest covers what Lambda
adds around the function: errors and their header, DryRun, Event, the log group with the EMF lines,
the execution role's trust, a zip without bootstrap, the timeout, the environment and warm reuse.
"""
from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from local import deploy, emf
from local.runtime_api import parse_payload
from local.testing import (CONSUMER_ACCOUNT, EXECUTION_ROLE, FUNCTION_NAME, REGION, ROOT, _function, free_port,
                           function_env)
from oracle import load_event
# The sample-event checks, collected again in this module with its `fn` (the deployed function).
from test_sample_events import (  # noqa: F401
    test_batch_get, test_check, test_count, test_get, test_query, test_query_index, test_scan,
    test_scan_next_page, test_scheduled_event_runs_the_default_count,
)

FAKE_BOOTSTRAP = Path(__file__).with_name("fake_bootstrap.py")
TEST_EXEC_ROLE = "local-test-lambda-exec"        # TEST-ONLY: trusts lambda.amazonaws.com, no policy
TEST_UNTRUSTED_ROLE = "local-test-trusts-account"  # TEST-ONLY: trusts the account, not Lambda


class DeployedFunction:
    """The deployed function behind Lambda's Invoke API, with the harness's invoke() result shape
    ({ok, payload | error_type + error_message, request_id, raw}) so the same checks run on it."""

    def __init__(self, lam, name: str = FUNCTION_NAME):
        self.lam, self.name = lam, name

    def call(self, event, **kwargs) -> dict:
        payload = event if isinstance(event, (bytes, str)) else json.dumps(event)
        return self.lam.invoke(FunctionName=self.name, Payload=payload, **kwargs)

    def invoke(self, event, **kwargs) -> dict:
        r = self.call(event, **kwargs)
        raw = r["Payload"].read()
        out = {"raw": raw, "request_id": r["ResponseMetadata"]["RequestId"], "status": r["StatusCode"],
               "function_error": r.get("FunctionError"), "version": r.get("ExecutedVersion"),
               "log": base64.b64decode(r["LogResult"]).decode() if r.get("LogResult") else None}
        if r.get("FunctionError"):
            body = json.loads(raw)
            out.update(ok=False, error_type=body.get("errorType"), error_message=body.get("errorMessage"))
        else:
            out.update(ok=True, payload=parse_payload(raw) if raw else None)
        return out


@pytest.fixture(scope="module")
def lam(aws):
    return aws.client("lambda", account=CONSUMER_ACCOUNT)


@pytest.fixture(scope="module")
def fn(lam):
    return DeployedFunction(lam)


def environments(aws) -> list[dict]:
    with urllib.request.urlopen(f"{aws.endpoint}/_local/lambda/environments", timeout=10) as r:
        return json.loads(r.read())


def environment_of(aws, name: str) -> dict:
    found = [e for e in environments(aws) if e["function"].endswith(f":function:{name}")]
    assert len(found) == 1, environments(aws)
    return found[0]


def log_lines(aws, group: str, predicate, timeout_s: float = 15.0) -> list[dict]:
    """The log group's lines (JSON-parsed) matching predicate, waiting until at least one does."""
    logs = aws.client("logs", account=CONSUMER_ACCOUNT)
    deadline = time.monotonic() + timeout_s
    while True:
        events = logs.filter_log_events(logGroupName=group)["events"]
        found = []
        for e in events:
            try:
                line = json.loads(e["message"])
            except ValueError:
                continue
            if isinstance(line, dict) and predicate(line):
                found.append(line)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# ---- the same results as the harness -----------------------------------------------------------

SAME_RESULT_EVENTS = ["get.json", "query.json", "query-index.json", "batch-get.json", "scan.json", "scan-next-page.json"]


def test_the_same_results_as_the_harness_path(fn, aws, binary):
    harness = _function(binary, function_env(aws)).start()
    try:
        for name in SAME_RESULT_EVENTS:
            event = load_event(name)
            deployed, local = fn.invoke(event), harness.invoke(event)
            assert deployed["ok"] and local["ok"], (name, deployed, local)
            assert deployed["payload"] == local["payload"], name
            assert deployed["version"] == "$LATEST" and deployed["status"] == 200
    finally:
        harness.stop()


# ---- what Lambda adds around the function -------------------------------------------------------

def test_a_function_error_carries_x_amz_function_error(fn):
    r = fn.invoke({"op": "scann", "table": "orders"})
    assert r["status"] == 200 and r["function_error"] == "Unhandled", r
    assert r["error_type"] == "InvalidRequest" and "scann" in r["error_message"], r
    # A denied table is a function error as well, with the function's own error type.
    r = fn.invoke({"op": "get", "table": "audit", "key": {"pk": "audit#0001"}})
    assert r["function_error"] == "Unhandled" and r["error_type"] == "AccessDenied", r


def test_dry_run_checks_permission_and_existence_only(aws, lam):
    aws.reset_stats()
    r = lam.invoke(FunctionName=FUNCTION_NAME, InvocationType="DryRun")
    assert r["StatusCode"] == 204 and r["Payload"].read() == b""
    assert {k: v for k, v in aws.stats().items() if not k.startswith("lambda:")} == {}  # nothing ran
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="local-no-such-function", InvocationType="DryRun")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # The execution role has no lambda:InvokeFunction: denied, naming the action and the function.
    as_exec = aws.client("lambda", as_role=EXECUTION_ROLE)
    with pytest.raises(ClientError) as e:
        as_exec.invoke(FunctionName=FUNCTION_NAME, InvocationType="DryRun")
    err = e.value.response["Error"]
    assert err["Code"] == "AccessDeniedException", err
    assert "lambda:InvokeFunction" in err["Message"] and f":function:{FUNCTION_NAME}" in err["Message"], err


def test_an_event_invocation_of_the_scheduled_event_runs_in_the_background(aws, lam):
    group = aws.state["function"]["logging_config"]["LogGroup"]
    started = time.time() * 1000
    r = lam.invoke(FunctionName=FUNCTION_NAME, InvocationType="Event",
                   Payload=json.dumps(load_event("scheduled-event.json")))
    assert r["StatusCode"] == 202 and r["Payload"].read() == b""
    # SCHEDULED_REQUEST is unset: a count of DEFAULT_TABLE (orders), logged with its numbers.
    lines = log_lines(aws, group, lambda l: l.get("message") == "request complete" and l.get("op") == "scan"
                      and l.get("table") == "orders" and l.get("items") == 0
                      and l.get("_aws", {}).get("Timestamp", 0) >= started - 1000)
    assert lines and lines[-1]["count"] == len(aws.data("orders")), lines


def test_the_log_group_holds_the_invocations_lines_with_valid_emf(aws, fn):
    group = aws.state["function"]["logging_config"]["LogGroup"]
    r = fn.invoke(load_event("get.json"), LogType="Tail")
    assert r["ok"], r
    lines = log_lines(aws, group, lambda l: l.get("request_id") == r["request_id"])
    complete = [l for l in lines if l.get("message") == "request complete"]
    assert len(complete) == 1, lines
    assert emf.problems(complete[0]) == []
    points = {p["name"]: p["value"] for p in emf.metrics(complete[0])}
    assert points["items"] == len(r["payload"]["items"]) == 1
    # LogType=Tail: the invocation's log, as Lambda returns it (the last 4 KB).
    assert r["request_id"] in r["log"] and "request complete" in r["log"]


def test_the_warm_environment_is_reused(aws, fn):
    assert fn.invoke(load_event("get.json"))["ok"]
    before = environment_of(aws, FUNCTION_NAME)
    assert fn.invoke(load_event("query.json"))["ok"]
    after = environment_of(aws, FUNCTION_NAME)
    assert after["pid"] == before["pid"] and after["alive"]
    assert after["invocations"] == before["invocations"] + 1
    assert after["log_stream"] == before["log_stream"]
    assert 0 < after["max_memory_used_mb"] <= after["memory_size_mb"]


# ---- functions of this test's own (TEST-ONLY, deleted at the end) ------------------------------

def _zip(files: dict[str, tuple[bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def test_functions(aws, lam):
    """create(name, zip_bytes, role=TEST_EXEC_ROLE, **config): a TEST-ONLY function; every one and
    both TEST-ONLY roles are deleted at the end of the module."""
    iam = aws.client("iam", account=CONSUMER_ACCOUNT)
    roles = {}
    for name, principal in ((TEST_EXEC_ROLE, {"Service": "lambda.amazonaws.com"}),
                            (TEST_UNTRUSTED_ROLE, {"AWS": f"arn:aws:iam::{CONSUMER_ACCOUNT}:root"})):
        roles[name] = iam.create_role(RoleName=name, Description="TEST-ONLY (test_deployed_invoke.py)",
                                      AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                          {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
                                      )["Role"]["Arn"]
    created = []

    def create(name: str, code: bytes, role: str = TEST_EXEC_ROLE, **config):
        lam.create_function(FunctionName=name, Role=roles[role], Runtime="provided.al2023", Handler="bootstrap",
                            Code={"ZipFile": code}, **config)
        created.append(name)
        return DeployedFunction(lam, name)

    yield create
    for name in created:
        lam.delete_function(FunctionName=name)
    for name in roles:
        iam.delete_role(RoleName=name)


def test_an_execution_role_that_does_not_trust_lambda_fails(test_functions):
    f = test_functions("local-test-untrusted-exec", deploy.LAMBDA_ZIP.read_bytes(), role=TEST_UNTRUSTED_ROLE)
    with pytest.raises(ClientError) as e:
        f.invoke(load_event("get.json"))
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterValueException", err
    assert "cannot be assumed by Lambda" in err["Message"] and TEST_UNTRUSTED_ROLE in err["Message"], err


def test_a_zip_without_an_executable_bootstrap_fails_clearly(test_functions):
    missing = test_functions("local-test-no-bootstrap", _zip({"README.txt": (b"no runtime here", 0o644)}))
    r = missing.invoke({})
    assert r["function_error"] == "Unhandled" and r["error_type"] == "Runtime.InvalidEntrypoint", r
    assert "Couldn't find valid bootstrap" in r["error_message"], r
    not_executable = test_functions("local-test-bootstrap-0644", _zip({"bootstrap": (FAKE_BOOTSTRAP.read_bytes(), 0o644)}))
    r = not_executable.invoke({})
    assert r["error_type"] == "Runtime.InvalidEntrypoint" and "permission denied" in r["error_message"], r


def test_environment_credentials_and_timeout_as_lambda_gives_them(aws, test_functions):
    f = test_functions("local-test-fake-runtime", _zip({"bootstrap": (FAKE_BOOTSTRAP.read_bytes(), 0o755)}),
                       Timeout=2, MemorySize=256, Environment={"Variables": {"FAKE_SETTING": "on"}})
    r = f.invoke({"echo": 1})
    assert r["ok"], r
    env = r["payload"]["env"]
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint
    assert not [k for k in env if k.startswith("AWS_ENDPOINT_URL_")]  # one variable for every service
    assert env["FAKE_SETTING"] == "on" and env["AWS_REGION"] == REGION
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "local-test-fake-runtime"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/local-test-fake-runtime"
    # The deadline is the function's timeout.
    assert 0 < r["payload"]["deadline_ms"] - time.time() * 1000 <= 2000
    # The credentials are a session of the execution role, named after the function.
    sts = boto3.client("sts", endpoint_url=aws.endpoint, region_name=REGION, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], aws_session_token=env["AWS_SESSION_TOKEN"])
    assert sts.get_caller_identity()["Arn"] == \
        f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{TEST_EXEC_ROLE}/local-test-fake-runtime"
    pid = environment_of(aws, "local-test-fake-runtime")["pid"]
    started = time.monotonic()
    r = f.invoke({"sleep": 5})
    assert time.monotonic() - started < 4
    assert r["function_error"] == "Unhandled" and r["error_type"] == "Sandbox.Timedout", r
    assert "Task timed out after 2.00 seconds" in r["error_message"]
    # The timed-out process was killed; the next invocation gets a fresh one.
    assert f.invoke({"echo": 2})["ok"]
    assert environment_of(aws, "local-test-fake-runtime")["pid"] != pid


def test_the_environments_stop_with_the_emulator(binary):
    """An emulator of its own (no deployment): a function's process ends when the emulator gets SIGTERM."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    emulator = subprocess.Popen([sys.executable, str(ROOT / "local" / "aws_emulator.py"), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deploy.wait_ready(endpoint)
        deploy.set_auth(endpoint, False)
        deployer = deploy.create_deployers(endpoint)[CONSUMER_ACCOUNT]
        deploy.set_auth(endpoint, True)
        iam, lam = deploy.client("iam", endpoint, deployer), deploy.client("lambda", endpoint, deployer)
        role = iam.create_role(RoleName=TEST_EXEC_ROLE, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        lam.create_function(FunctionName="local-test-stops", Role=role, Runtime="provided.al2023", Handler="bootstrap",
                            Code={"ZipFile": _zip({"bootstrap": (FAKE_BOOTSTRAP.read_bytes(), 0o755)})}, Timeout=120)
        f = DeployedFunction(lam, "local-test-stops")
        assert f.invoke({"echo": 1})["ok"]  # warm: the next event is delivered at once
        with urllib.request.urlopen(f"{endpoint}/_local/lambda/environments", timeout=10) as r:
            pid, = [e["pid"] for e in json.loads(r.read())]
        # Busy in a long invocation: it would outlive the emulator by a minute unless stopped with it.
        assert lam.invoke(FunctionName="local-test-stops", InvocationType="Event",
                          Payload=json.dumps({"sleep": 60}))["StatusCode"] == 202
        time.sleep(0.5)
        assert _running(pid)
        emulator.terminate()
        emulator.wait(15)
        deadline = time.monotonic() + 5
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(pid), f"function process {pid} outlived the emulator"
    finally:
        if emulator.poll() is None:
            emulator.kill()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_a_configuration_change_starts_a_fresh_environment(aws, lam, test_functions):
    f = test_functions("local-test-reconfigured", _zip({"bootstrap": (FAKE_BOOTSTRAP.read_bytes(), 0o755)}),
                       Environment={"Variables": {"FAKE_SETTING": "first"}})
    assert f.invoke({"echo": 1})["payload"]["env"]["FAKE_SETTING"] == "first"
    pid = environment_of(aws, "local-test-reconfigured")["pid"]
    lam.update_function_configuration(FunctionName="local-test-reconfigured",
                                      Environment={"Variables": {"FAKE_SETTING": "second"}})
    assert f.invoke({"echo": 2})["payload"]["env"]["FAKE_SETTING"] == "second"
    assert environment_of(aws, "local-test-reconfigured")["pid"] != pid


def test_a_process_over_its_memory_size_fails_the_invocation(aws, test_functions):
    f = test_functions("local-test-memory", _zip({"bootstrap": (FAKE_BOOTSTRAP.read_bytes(), 0o755)}), MemorySize=128)
    assert f.invoke({"echo": 1})["ok"]
    # A response built in memory: two copies of ~80 MB at its peak, over the 128 MB the function has.
    r = f.invoke({"big": 80_000_000})
    assert r["function_error"] == "Unhandled" and r["error_type"] == "Runtime.OutOfMemory", r
    assert "Memory Size 128 MB" in r["error_message"], r
    assert f.invoke({"echo": 2})["ok"]  # a fresh environment
