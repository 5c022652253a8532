"""Test/bench harness for the strict local AWS emulator.

    with LocalAws() as aws:                      # free port, emulator subprocess, render + seed
        aws.client("dynamodb", as_role="local-matrix-read").scan(TableName="orders")
        aws.client("sts", as_role="local-consumer-fn")        # the Lambda-like execution role
        aws.client("iam")                                      # main-account admin (operator)
        aws.stats(); aws.reset_stats()                         # request counters by action
        aws.data("orders")                                     # every item, no auth, not counted
        aws.function_env()                                     # env vars for the function process

`as_role` is None (the account admin, `account=` picks main or consumer), a consumer execution
role name (the seeded Lambda-like credentials), or a main-account role name (assumed from
`via`, default local-consumer-fn, with `external_id`, default the local one).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

try:  # imported as local.testing (tests put the repository root on sys.path)
    from . import seed as _seed
except ImportError:  # imported with local/ itself on sys.path
    import seed as _seed

ROOT = Path(__file__).resolve().parents[1]

MAIN_ACCOUNT, CONSUMER_ACCOUNT, REGION = _seed.MAIN_ACCOUNT, _seed.CONSUMER_ACCOUNT, _seed.REGION
EXTERNAL_ID = _seed.EXTERNAL_ID
DEFAULT_RENDERED = ROOT / ".local" / "rendered.json"
# Inputs of the rendered IAM scenario: a newer file than rendered.json means it is stale.
RENDER_INPUTS = [ROOT / "local" / "terraform", ROOT / "terraform" / "modules"]


def function_binary() -> str:
    """The function binary the suites run: $DDB_READER_BIN, else the debug build."""
    path = Path(os.environ.get("DDB_READER_BIN", ROOT / "target" / "debug" / "ddb-cross-account-reader"))
    if not path.is_file():
        raise FileNotFoundError(f"function binary {path} not found: build it with `cargo build` (or set DDB_READER_BIN)")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_rendered(path: Path = DEFAULT_RENDERED) -> Path:
    """Render the IAM scenario with the project's Terraform when missing or older than its inputs."""
    newest_input = max((f.stat().st_mtime for d in RENDER_INPUTS if d.exists()
                        for f in d.rglob("*") if f.suffix in (".tf", ".json") and ".terraform" not in f.parts),
                       default=0.0)
    if not path.exists() or path.stat().st_mtime < newest_input:
        subprocess.run([str(ROOT / "scripts" / "render-local-iam.sh"), str(path)], check=True)
    return path


def _http_json(url: str, body: bytes | None = None):
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class LocalAws:
    """One emulator process, seeded, for the lifetime of the `with` block."""

    def __init__(self, port: int | None = None, rendered: Path | None = None, workdir: Path | None = None):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._rendered = rendered
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="local-aws-"))
        self.log_path = self.workdir / "emulator.log"
        self.state: dict = {}
        self.timings: dict[str, float] = {}
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
        rendered = ensure_rendered(self._rendered or DEFAULT_RENDERED)
        env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, str(ROOT / "local" / "aws_emulator.py"), "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self._wait_ready(timeout=30)
        self.timings["start"] = time.monotonic() - started
        seeded = time.monotonic()
        self.state = _seed.seed(self.endpoint, rendered)
        (self.workdir / "state.json").write_text(json.dumps(self.state, indent=2))
        self.timings["seed"] = time.monotonic() - seeded

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

    # ---- local API ----
    def stats(self) -> dict[str, int]:
        """Requests received per action since the last reset, e.g. {"sts:AssumeRole": 1}."""
        return _http_json(f"{self.endpoint}/_local/stats")

    def reset_stats(self) -> None:
        _http_json(f"{self.endpoint}/_local/stats/reset", b"")

    def denials(self) -> list[dict]:
        return _http_json(f"{self.endpoint}/_local/denials")

    def data(self, table: str, account: str = MAIN_ACCOUNT, region: str = REGION) -> list[dict]:
        """Every item of a table in DynamoDB JSON (binary as base64), sorted by key, read from the
        emulator's backend: no credentials, no auth toggling, not counted in stats()."""
        return _http_json(f"{self.endpoint}/_local/dynamodb/{account}/{region}/{table}")["items"]

    # ---- identities ----
    def role_arn(self, name: str) -> str:
        return self.state["roles"][name]

    def credentials(self, as_role: str | None = None, external_id: str | None = EXTERNAL_ID,
                    via: str = "local-consumer-fn", account: str = MAIN_ACCOUNT,
                    session_name: str = "local-tests") -> dict:
        """{access_key_id, secret_access_key[, session_token]} for the identity described in the
        module docstring. Assuming a main role raises botocore's ClientError when IAM denies it."""
        if as_role is None:
            admin = self.state["admins"][account]
            return {"access_key_id": admin["access_key_id"], "secret_access_key": admin["secret_access_key"]}
        if as_role in self.state["credentials"]:
            return dict(self.state["credentials"][as_role])
        return self.assume(as_role, via=via, external_id=external_id, session_name=session_name)

    def assume(self, role: str, via: str = "local-consumer-fn", external_id: str | None = EXTERNAL_ID,
               session_name: str = "local-tests", **kwargs) -> dict:
        """AssumeRole of a main role (name or ARN) as the consumer role (or None: admin) `via`."""
        arn = role if role.startswith("arn:") else self.role_arn(role)
        sts = self._client("sts", self.credentials(via, account=CONSUMER_ACCOUNT))
        params = {"RoleArn": arn, "RoleSessionName": session_name, **kwargs}
        if external_id is not None:
            params["ExternalId"] = external_id
        c = sts.assume_role(**params)["Credentials"]
        return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                "session_token": c["SessionToken"]}

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

    def function_env(self, execution_role: str = "local-consumer-fn") -> dict[str, str]:
        """Environment for the function process as Lambda would give it: the execution role's
        temporary credentials, region, and the endpoint (AWS_ENDPOINT_URL routes STS and DynamoDB)."""
        c = self.state["credentials"][execution_role]
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": c["access_key_id"], "AWS_SECRET_ACCESS_KEY": c["secret_access_key"],
                "AWS_SESSION_TOKEN": c["session_token"]}
