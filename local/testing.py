"""Test/bench harness on the local deployment, and the pytest fixtures the suites share.

    with LocalAws() as aws:          # free port, emulator subprocess, `terraform apply` of both roots
        aws.client("dynamodb", as_role=DEMO_ROLE).scan(TableName="orders")   # assumed from the function's role
        aws.client("sts", as_role=EXECUTION_ROLE)    # the Lambda-like credentials of the execution role
        aws.client("iam")                             # the main account's deployer (operator)
        aws.stats(); aws.reset_stats()                # request counters by action
        aws.sessions(); aws.set_session_lifetime(12)  # issued sessions; the expiry test knob
        aws.data("orders")                            # every item, no auth, not counted
        aws.function_env()                            # the deployed function's environment, as Lambda gives it

`as_role` is None (the account's deployer, `account=` picks main or consumer), a consumer-account
execution identity (the function's execution role, or a TEST-ONLY role below), or a main-account
role (assumed from `via`, default the execution role, with `external_id`, default the deployed one).

Every role the suites use comes from `terraform apply` of the project's roots (local/deploy.py),
except the TEST-ONLY roles created by `create_test_only_roles`, for cases no root creates.

The suites' conftest.py files import the fixtures at the end of this module (aws, binary, fn,
start_function, still_serves, proxy).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

try:  # imported as local.testing (tests put the repository root on sys.path)
    from . import deploy
except ImportError:  # imported with local/ itself on sys.path
    import deploy

ROOT = Path(__file__).resolve().parents[1]

MAIN_ACCOUNT, CONSUMER_ACCOUNT, REGION = deploy.MAIN_ACCOUNT, deploy.CONSUMER_ACCOUNT, deploy.REGION
ENVIRONMENT = deploy.ENVIRONMENT
# The names Terraform gives the local deployment, from the naming rules (deploy checks they match).
DEMO_ROLE = deploy.conventional_name("cross_account_role_name")
FUNCTION_NAME = deploy.conventional_name("function_name")
EXECUTION_ROLE = deploy.conventional_name("execution_role_name")
# The second main-root deployment (envs/local-account-trust.tfvars): trust_mode "account", orders only.
ACCOUNT_TRUST_ROLE = "local-account-trust"

# TEST-ONLY consumer-account roles (no root creates them; see create_test_only_roles).
NO_ASSUME_ROLE = "local-test-noassume"
UNTRUSTED_ROLE = "local-test-untrusted"
TEST_ONLY_ROLES = (NO_ASSUME_ROLE, UNTRUSTED_ROLE)

_DEFAULT = object()


def function_binary() -> str:
    """The function binary the suites run: $DDB_READER_BIN, else the debug build."""
    path = deploy.debug_binary()
    if not path.is_file():
        raise FileNotFoundError(f"function binary {path} not found: build it with `cargo build` (or set DDB_READER_BIN)")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _creds(c: dict) -> dict:
    """boto3/STS credentials -> this module's {access_key_id, secret_access_key, session_token}."""
    return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
            "session_token": c["SessionToken"]}


def create_test_only_roles(aws: "LocalAws") -> dict[str, dict]:
    """TEST-ONLY deviations from the applied roots, created directly in the consumer account for
    cases the real roots never create. Each trusts its own account (so the consumer's deployer
    can hand out its credentials, as Lambda would for an execution role) and lasts 12 h:

      local-test-noassume   no identity policy at all: a caller without sts:AssumeRole permission
      local-test-untrusted  allowed sts:AssumeRole on the local cross-account role by its own policy,
                            but that role's trust policy (applied by Terraform) does not name it

    Returns {name: credentials}."""
    iam = aws.client("iam", account=CONSUMER_ACCOUNT)
    sts = aws.client("sts", account=CONSUMER_ACCOUNT)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER_ACCOUNT}:root"}}]})
    out = {}
    for name in TEST_ONLY_ROLES:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, MaxSessionDuration=43200,
                              Description="TEST-ONLY (local/testing.py): not created by any Terraform root",
                              Tags=[{"Key": "TestOnly", "Value": "true"}])["Role"]["Arn"]
        if name == UNTRUSTED_ROLE:
            iam.put_role_policy(RoleName=name, PolicyName="assume-the-local-role", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Resource": aws.role_arn(DEMO_ROLE)}]}))
        aws.state["roles"][name] = arn
        out[name] = _creds(sts.assume_role(RoleArn=arn, RoleSessionName=name, DurationSeconds=43200)["Credentials"])
    return out


def _http_json(url: str, body: dict | bytes | None = None):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class LocalAws:
    """One emulator process holding the local deployment, for the lifetime of the `with` block."""

    def __init__(self, port: int | None = None, workdir: Path | None = None, test_only_roles: bool = True):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="local-aws-"))
        self.log_path = self.workdir / "emulator.log"
        self.state: dict = {}
        self.timings: dict[str, float] = {}
        self._test_only_roles = test_only_roles
        self._execution_credentials: dict[str, dict] = {}
        self._process: subprocess.Popen | None = None
        self._clients: dict = {}

    # ---- lifecycle ----
    def __enter__(self) -> "LocalAws":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
        started = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, str(ROOT / "local" / "aws_emulator.py"), "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self._wait_ready(timeout=30)
        self.timings["start"] = time.monotonic() - started
        deployed = time.monotonic()
        self.state = deploy.deploy(self.endpoint, self.workdir, log=lambda m: None)
        self.timings["deploy"] = time.monotonic() - deployed
        self._execution_credentials = {EXECUTION_ROLE: self.state["function"]["credentials"]}
        if self._test_only_roles:
            self._execution_credentials.update(create_test_only_roles(self))
            self.reset_stats()
        (self.workdir / "state.json").write_text(json.dumps(self.state, indent=2))

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"emulator exited with {self._process.returncode}; log:\n{self.log_path.read_text()}")
            try:
                _http_json(f"{self.endpoint}/_local/stats")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"emulator not ready after {timeout}s; log: {self.log_path}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def timing_summary(self) -> str:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in self.state.get("timings", {}).items())
        return (f"local AWS: start {self.timings['start']:.2f}s, deploy {self.timings['deploy']:.1f}s ({steps}), "
                f"log {self.log_path}")

    # ---- local API ----
    def stats(self) -> dict[str, int]:
        """Requests received per action since the last reset, e.g. {"sts:AssumeRole": 1}."""
        return _http_json(f"{self.endpoint}/_local/stats")

    def reset_stats(self) -> None:
        """Zero the counters and forget the recorded denials, refusals and sessions."""
        _http_json(f"{self.endpoint}/_local/stats/reset", b"")

    def denials(self) -> list[dict]:
        return _http_json(f"{self.endpoint}/_local/denials")

    def refusals(self) -> list[dict]:
        """Requests refused as invalid (IAM's Invalid principal...): action, account, resource, reason."""
        return _http_json(f"{self.endpoint}/_local/refusals")
    def cloudtrail(self) -> list[dict]:
        """What CloudTrail would have recorded since the last reset_stats(): AssumeRole and DynamoDB
        events with userIdentity (session ARN, sessionContext.sourceIdentity) and principalTags."""
        return _http_json(f"{self.endpoint}/_local/cloudtrail")

    def sessions(self) -> dict:
        """{"sessions": [{via, access_key_id, role_arn, session_name, issued, expiration}],
        "expired_refusals": n, "lifetime_seconds": knob} since the last reset_stats()."""
        return _http_json(f"{self.endpoint}/_local/sts/sessions")

    def set_session_lifetime(self, seconds: int | None) -> None:
        """The emulator's test knob: STS AssumeRole sessions last `seconds` (None: as requested)."""
        _http_json(f"{self.endpoint}/_local/sts/lifetime", {"seconds": seconds})

    def data(self, table: str, account: str = MAIN_ACCOUNT, region: str = REGION) -> list[dict]:
        """Every item of a table in DynamoDB JSON (binary as base64), sorted by key, read from the
        emulator's backend: no credentials, no auth toggling, not counted in stats()."""
        return _http_json(f"{self.endpoint}/_local/dynamodb/{account}/{region}/{table}")["items"]

    # ---- identities ----
    @property
    def external_id(self) -> str:
        """The ExternalId the deployed function presents (from its Terraform-given environment)."""
        return self.state["external_id"]

    def role_arn(self, name: str) -> str:
        return self.state["roles"][name]

    def execution_credentials(self, name: str = EXECUTION_ROLE) -> dict:
        """Credentials of a consumer-account execution identity (the function's role, or a TEST-ONLY one)."""
        return dict(self._execution_credentials[name])

    def credentials(self, as_role: str | None = None, external_id=_DEFAULT, via: str = EXECUTION_ROLE,
                    account: str = MAIN_ACCOUNT, session_name: str = "local-tests") -> dict:
        """{access_key_id, secret_access_key[, session_token]} for the identity described in the
        module docstring. Assuming a main role raises botocore's ClientError when IAM denies it."""
        if as_role is None:
            admin = self.state["admins"][account]
            return {"access_key_id": admin["access_key_id"], "secret_access_key": admin["secret_access_key"]}
        if as_role in self._execution_credentials:
            return self.execution_credentials(as_role)
        return self.assume(as_role, via=via, external_id=external_id, session_name=session_name)

    def assume(self, role: str, via: str | None = EXECUTION_ROLE, external_id=_DEFAULT,
               session_name: str = "local-tests", **kwargs) -> dict:
        """AssumeRole of a main role (name or ARN) as the consumer identity `via` (None: the
        consumer's deployer); external_id defaults to the deployed one, None sends none."""
        arn = role if role.startswith("arn:") else self.role_arn(role)
        sts = self._client("sts", self.credentials(via, account=CONSUMER_ACCOUNT))
        params = {"RoleArn": arn, "RoleSessionName": session_name, **kwargs}
        external_id = self.external_id if external_id is _DEFAULT else external_id
        if external_id is not None:
            params["ExternalId"] = external_id
        return _creds(sts.assume_role(**params)["Credentials"])

    def client(self, service: str, as_role: str | None = None, **kwargs):
        """A boto3 client acting as `as_role` (see credentials()); main-role sessions are cached."""
        key = (service, as_role, tuple(sorted(kwargs.items())))
        if key not in self._clients:
            self._clients[key] = self._client(service, self.credentials(as_role, **kwargs))
        return self._clients[key]

    def _client(self, service: str, creds: dict):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=creds["access_key_id"],
                            aws_secret_access_key=creds["secret_access_key"],
                            aws_session_token=creds.get("session_token"),
                            config=Config(retries={"max_attempts": 1}))

    def function_env(self, execution_role: str = EXECUTION_ROLE) -> dict[str, str]:
        """The deployed function's environment as Lambda gives it (Terraform's variables, the
        logging_config ones, the execution role's credentials, region, endpoint), optionally with
        the credentials of another execution identity."""
        return deploy.lambda_environment(self.state, self.execution_credentials(execution_role))


def function_env(aws: LocalAws, execution_role: str = EXECUTION_ROLE, endpoint: str | None = None,
                 **overrides) -> dict[str, str]:
    """The deployed function's environment, talking to `endpoint` (the emulator by default, or a
    proxy in front of it); an override of None removes the variable."""
    env = aws.function_env(execution_role)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


# ============================================================================================
# pytest fixtures shared by tests/iam, tests/integration and tests/reliability
# (each conftest.py does `from local.testing import *fixtures*`)
# ============================================================================================

@pytest.fixture(scope="session")
def aws():
    """One emulator with the local deployment applied, for the whole session."""
    if shutil.which("terraform") is None:
        pytest.fail("terraform not found on PATH: the local environment is built by `terraform apply` "
                    "(install Terraform >= 1.5, then scripts/bootstrap.sh terraform)")
    with LocalAws() as emulator:
        print(f"\n{emulator.timing_summary()}")
        yield emulator


@pytest.fixture(scope="session")
def binary() -> str:
    try:
        return function_binary()
    except FileNotFoundError as e:
        pytest.fail(str(e))


def _function(binary: str, env: dict, concurrent: bool = False, **kwargs):
    """A function process as Lambda would run the deployed one (its name is the deployed name)."""
    from local.runtime_api import Function
    from local.runtime_concurrent import ConcurrentFunction
    cls = ConcurrentFunction if concurrent else Function
    return cls(binary, env, name=FUNCTION_NAME, **kwargs)


@pytest.fixture(scope="session")
def fn(aws, binary):
    """The warm function every test shares: the deployed environment and execution role."""
    f = _function(binary, function_env(aws)).start()
    print(f"\nfunction init {f.init_ms:.1f} ms")
    yield f
    f.stop()


@pytest.fixture
def start_function(aws, binary):
    """Factory for extra function processes, all stopped at the end of the test:
    start_function(execution_role=..., endpoint=None, concurrent=False, wait=True,
    deadline_header=None, VAR=value|None, ...)."""
    started = []

    def start(execution_role: str = EXECUTION_ROLE, endpoint: str | None = None, concurrent: bool = False,
              wait: bool = True, deadline_header=None, **env):
        f = _function(binary, function_env(aws, execution_role, endpoint, **env), concurrent,
                      deadline_header=deadline_header)
        started.append(f)
        return f.start(wait=wait)

    yield start
    for f in started:
        f.stop()


@pytest.fixture
def proxy(aws):
    """A fault proxy in front of the emulator, for one test."""
    from local.fault_proxy import FaultProxy
    with FaultProxy(aws.endpoint) as p:
        yield p


RESOURCE_POLICY_ACTIONS = ROOT / "terraform" / "modules" / "conventions" / "resource-policy-actions.json"
DIRECT_POLICY = "local-tests-resource-policy-mode"


class ResourcePolicyAccess:
    """TEST-ONLY: the resource-policy access mode on the running local deployment, as
    envs/resource-policy.tfvars would deploy it: every table the main role is granted gets a
    resource-based policy naming the execution role (the same actions: its access level within
    resource-policy-actions.json), and the execution role an identity policy with those actions
    on the main account's table ARNs. Undone by remove()."""

    def __init__(self, aws: LocalAws):
        self.aws = aws
        allowed = set(json.loads(RESOURCE_POLICY_ACTIONS.read_text()))
        iam = aws.client("iam", account=MAIN_ACCOUNT)
        main_role = aws.state["terraform"]["main"]["role_name"]
        self.grants: dict[str, list[str]] = {}  # table ARN -> actions
        for attached in iam.list_attached_role_policies(RoleName=main_role)["AttachedPolicies"]:
            if attached["PolicyName"].endswith("-exports"):
                continue  # the export grant: exports need the role (docs/access-modes.md)
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            doc = iam.get_policy_version(PolicyArn=attached["PolicyArn"],
                                         VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            for st in doc["Statement"]:
                if all(r.startswith("arn:aws:kms:") for r in st["Resource"]):
                    continue  # a table's key grant: not carried over in this mode (docs/access-modes.md)
                table = next(r for r in st["Resource"] if "/index/" not in r)
                self.grants[table] = sorted(set(st["Action"]) & allowed)
        self.execution_role_arn = aws.state["function"]["role_arn"]

    def apply(self) -> "ResourcePolicyAccess":
        ddb = self.aws.client("dynamodb", account=MAIN_ACCOUNT)
        existing = set(self.aws.state["tables"])
        for table, actions in self.grants.items():
            if table.rsplit("/", 1)[1] not in existing:
                continue  # granted but never created (a table policy needs the table)
            ddb.put_resource_policy(ResourceArn=table, Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": [self.execution_role_arn]}, "Action": actions,
                    "Resource": [table, f"{table}/index/*"],
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": CONSUMER_ACCOUNT}}}]}))
        self.aws.client("iam", account=CONSUMER_ACCOUNT).put_role_policy(
            RoleName=self.execution_role_arn.rsplit("/", 1)[1], PolicyName=DIRECT_POLICY,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": [table, f"{table}/index/*"]}
                for table, actions in self.grants.items()]}))
        return self

    def remove(self) -> None:
        ddb = self.aws.client("dynamodb", account=MAIN_ACCOUNT)
        for table in self.grants:
            try:
                ddb.delete_resource_policy(ResourceArn=table)
            except ddb.exceptions.ClientError:
                pass  # never written (the table does not exist)
        self.aws.client("iam", account=CONSUMER_ACCOUNT).delete_role_policy(
            RoleName=self.execution_role_arn.rsplit("/", 1)[1], PolicyName=DIRECT_POLICY)

    def function_overrides(self) -> dict:
        return {"ACCESS_MODE": "resource_policy", "MAIN_ACCOUNT_ID": MAIN_ACCOUNT, "ROLE_ARN": None,
                "EXTERNAL_ID": None}
