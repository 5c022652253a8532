"""Runs the real Terraform binary (and the tf-venv tools) for the Terraform tests.

Provider-free modules are rendered with `terraform apply` + `terraform output -json`: that runs
their validation blocks and yields the exact JSON Terraform would deploy. Nothing is written
into the repository: the data dir and the state live in a scratch directory.
"""
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
# Terraform from PATH (a prerequisite, >= 1.5) with the CLI configuration scripts/bootstrap.sh
# writes (the provider mirror when the machine has one, the registry otherwise).
TERRAFORM = "terraform"
TF_CLI_CONFIG = TOOLS / "terraformrc"
TF_PYTHON = TOOLS / "tf-venv" / "bin" / "python"
MODULES = REPO / "terraform" / "modules"
ACCESS_LEVELS_FILE = MODULES / "cross-account-policies" / "access-levels.json"


def tf_env(extra=None):
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0",
               TF_CLI_CONFIG_FILE=str(TF_CLI_CONFIG))
    # Dummy credentials: the stand-in provider never uses them, and no real AWS call may happen.
    env.update(AWS_ACCESS_KEY_ID="offline", AWS_SECRET_ACCESS_KEY="offline", AWS_EC2_METADATA_DISABLED="true")
    env.update(extra or {})
    return env


def run(args, cwd, env=None, timeout=300):
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env or tf_env(), capture_output=True,
                          text=True, timeout=timeout)


class RenderError(Exception):
    """Terraform refused the inputs; .message is its error output with line wrapping undone."""

    def __init__(self, output):
        super().__init__(output)
        self.message = " ".join(re.sub(r"[│╷╵]", " ", output).split())


def render(module_dir, variables):
    """Applies a provider-free module with `variables` and returns {output name: value}."""
    with tempfile.TemporaryDirectory(prefix="tf-render-") as scratch:
        env = tf_env({"TF_DATA_DIR": f"{scratch}/data"})
        var_file = Path(scratch, "vars.tfvars.json")
        var_file.write_text(json.dumps(variables))
        state = f"{scratch}/terraform.tfstate"
        steps = [
            [TERRAFORM, "init", "-no-color", "-backend=false"],
            [TERRAFORM, "apply", "-no-color", "-auto-approve", f"-state={state}", f"-var-file={var_file}"],
        ]
        for step in steps:
            p = run(step, cwd=module_dir, env=env)
            if p.returncode != 0:
                raise RenderError(p.stdout + p.stderr)
        p = run([TERRAFORM, "output", "-no-color", "-json", f"-state={state}"], cwd=module_dir, env=env)
        assert p.returncode == 0, p.stderr
        return {name: o["value"] for name, o in json.loads(p.stdout).items()}


def access_levels():
    return json.loads(ACCESS_LEVELS_FILE.read_text())


def tf_venv_json(script, payload):
    """Runs a helper script with the tf-venv interpreter (policy_sentry, parliament, checkov live
    there, apart from the test runner's venv), JSON in and out."""
    p = subprocess.run([str(TF_PYTHON), str(Path(__file__).with_name(script))], input=json.dumps(payload),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)
