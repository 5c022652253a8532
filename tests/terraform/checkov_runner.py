"""checkov 3.3.30 (tf-venv, always --skip-download: no network) on HCL and on plan JSON."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tfhelpers import REPO, TF_PYTHON, tf_env


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([str(TF_PYTHON), "-m", "checkov.main", "--skip-download", "-o", "json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tf_env())


def scan_plans(plans: dict, directory: Path) -> subprocess.Popen:
    """Starts checkov on the plan JSON of each (root, env); the skips written in the HCL reach
    the plan scan through --repo-root-for-plan-enrichment."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for (root, env), plan in sorted(plans.items()):
        f = directory / f"{root}-{env}.json"
        f.write_text(json.dumps(plan))
        files += ["-f", str(f)]
    return start([*files, "--framework", "terraform_plan", "--repo-root-for-plan-enrichment", str(REPO / "terraform")])


def reports(process: subprocess.Popen) -> list[dict]:
    stdout, stderr = process.communicate(timeout=600)
    assert stdout, stderr
    found = json.loads(stdout)
    return found if isinstance(found, list) else [found]


def failed(found: list[dict]) -> list[tuple]:
    return [(c["check_id"], c["resource"], c.get("file_path")) for r in found
            for c in r.get("results", {}).get("failed_checks", [])]


def skipped(found: list[dict]) -> set[tuple]:
    return {(c["check_id"], c["resource"]) for r in found for c in r.get("results", {}).get("skipped_checks", [])}
