"""The project's strict two-account emulator (local/aws_emulator.py) for Terraform applies.

Each Emulator is its own server process on a free port, with one IAM user and access key per
account written as AWS profiles `main` and `consumer` into a credentials file: moto maps a key to
the account that owns it, so a root's allowed_account_ids is checked against the real caller.
IAM authorization stays off here (the deployer is an administrator); trust-policy principals are
still checked, as IAM checks them when a role is created or its trust policy changes.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from tfhelpers import CONSUMER, MAIN, REPO, naming, tf_env

REGION = "us-east-1"
ACCOUNTS = {"main": MAIN, "consumer": CONSUMER}
# Regions the roots deploy into (prod and stage grant a table in eu-west-1, IAM is global).
REGIONS = ("us-east-1", "eu-west-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.credentials_file = self.workdir / "credentials"
        self.log = self.workdir / "emulator.log"
        self.keys: dict[str, dict] = {}
        self._clients: dict[tuple[str, str, str], object] = {}
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "Emulator":
        env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
        with open(self.log, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, str(REPO / "local" / "aws_emulator.py"), "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        # Every scenario starts its emulator at once, beside Terraform runs: importing moto can
        # take long on two busy cores.
        deadline = time.monotonic() + 120
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"emulator exited with {self._process.returncode}:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/_local/stats", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"emulator not ready after 120 s; log {self.log}")
                time.sleep(0.05)
        self._create_deployers()
        return self

    def __exit__(self, *exc) -> None:
        # Killed, not terminated: its state lives in memory only, and a graceful exit spends
        # seconds of CPU tearing down moto's backends (up to half a minute on busy cores).
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _admin_client(self, service: str, account: str, region: str = REGION):
        """A client of `account` before any user exists: moto's account header picks the account."""
        client = boto3.client(service, endpoint_url=self.endpoint, region_name=region, aws_access_key_id="bootstrap",
                              aws_secret_access_key="bootstrap", config=Config(retries={"max_attempts": 1}))
        client.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
            "x-moto-account-id", account))
        return client

    def _create_deployers(self) -> None:
        lines = []
        for profile, account in ACCOUNTS.items():
            iam = self._admin_client("iam", account)
            iam.create_user(UserName="terraform-deployer")
            key = iam.create_access_key(UserName="terraform-deployer")["AccessKey"]
            self.keys[profile] = key
            lines += [f"[{profile}]", f"aws_access_key_id = {key['AccessKeyId']}",
                      f"aws_secret_access_key = {key['SecretAccessKey']}", ""]
        self.credentials_file.write_text("\n".join(lines))

    def stats(self) -> dict[str, int]:
        """Requests the emulator received, by service:Action (its local API, never counted)."""
        return json.loads(urllib.request.urlopen(f"{self.endpoint}/_local/stats", timeout=5).read())

    def refusals(self) -> list[dict]:
        """Requests refused as invalid (IAM's Invalid principal...): action, account, resource, reason."""
        return json.loads(urllib.request.urlopen(f"{self.endpoint}/_local/refusals", timeout=5).read())

    def terraform_env(self, profile: str) -> dict:
        """Terraform's environment acting with `profile`'s deployer credentials."""
        return tf_env({"AWS_ENDPOINT_URL": self.endpoint, "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
                       "AWS_PROFILE": profile, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION})

    def client(self, service: str, profile: str, region: str = REGION):
        """One client per service, profile and region for the emulator's life (an inventory asks
        17 of them, and each new client costs about 10 ms of CPU)."""
        cached = self._clients.get((service, profile, region))
        if cached is None:
            key = self.keys[profile]
            cached = self._clients[(service, profile, region)] = boto3.client(
                service, endpoint_url=self.endpoint, region_name=region, aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"], config=Config(retries={"max_attempts": 1}))
        return cached

    def inventory(self, profile: str) -> dict[str, list[str]]:
        """What exists in an account, of every kind the roots create (the deployer user aside)."""
        iam = self.client("iam", profile)
        found = {
            "roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
            "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
            "functions": [], "log_groups": [], "schedules": [], "tables": [],
            "queues": [], "topics": [], "alarms": [], "keys": [], "event_invoke_configs": [],
        }
        for region in REGIONS:
            found["functions"] += [f["FunctionName"] for f in self.client("lambda", profile, region).list_functions()["Functions"]]
            found["log_groups"] += [g["logGroupName"] for g in self.client("logs", profile, region).describe_log_groups()["logGroups"]]
            found["schedules"] += [s["Name"] for s in self.client("scheduler", profile, region).list_schedules()["Schedules"]]
            found["tables"] += self.client("dynamodb", profile, region).list_tables()["TableNames"]
            found["queues"] += self.client("sqs", profile, region).list_queues().get("QueueUrls", [])
            found["topics"] += [t["TopicArn"] for t in self.client("sns", profile, region).list_topics()["Topics"]]
            found["alarms"] += [a["AlarmName"] for a in self.client("cloudwatch", profile, region).describe_alarms()["MetricAlarms"]]
            kms = self.client("kms", profile, region)
            # Not AWS managed keys (aliased alias/aws/..., e.g. the one a table encrypted at rest
            # brings, which stays, as in AWS); a destroyed key is scheduled for deletion (KMS waits
            # 7-30 days), not gone, so only live ones count.
            aws_managed = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/aws/")}
            found["keys"] += [k["KeyId"] for k in kms.list_keys()["Keys"] if k["KeyId"] not in aws_managed
                              and kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"]
            lam = self.client("lambda", profile, region)
            found["event_invoke_configs"] += [c["FunctionArn"] for f in lam.list_functions()["Functions"]
                                              for c in lam.list_function_event_invoke_configs(
                                                  FunctionName=f["FunctionName"])["FunctionEventInvokeConfigs"]]
        return found


def project_names(environment: str) -> set[str]:
    """Fragments every resource name of an environment contains (naming.json's names)."""
    rules = naming()
    return {rules[k].format(environment=environment, consumer_account_id=CONSUMER)
            for k in ("cross_account_role_name", "function_name", "execution_role_name")}
