"""Harness roots that call the project's modules directly with many input sets at once, planned
with the real aws provider and no AWS at all (credentials are never checked, nothing is
refreshed: a plan of resources to create makes no API call).

One root holds many module calls, one per line of its main.tf.json, so each diagnostic maps back
to its case by line number. Terraform reports every failing variable validation of every call in
one run (`terraform validate`), and every failing precondition in one plan. The valid cases of
several test files are planned together (`planned_with_others`): each plan costs a start of
Terraform and the provider and the decoding of the provider's schema, whatever it holds.
"""
from __future__ import annotations

import json
from pathlib import Path

from deployments import small_zip
from tfhelpers import Root, copy_terraform, flat, tf_env

OFFLINE_PROVIDER = {"aws": {
    "region": "us-east-1", "access_key": "offline", "secret_key": "offline",
    "skip_credentials_validation": True, "skip_requesting_account_id": True, "skip_metadata_api_check": True,
}}


class Harness:
    def __init__(self, terraform_dir: Path, label: str, cases: dict[str, tuple[str, dict]]):
        """cases: {case name: (module directory name, module arguments)}."""
        self.dir = terraform_dir / f"cases-{label}"
        self.dir.mkdir()
        self.names = list(cases)
        self.keys = {n: f"case_{i}" for i, n in enumerate(self.names)}
        lines = ["{", f'"provider": {json.dumps(OFFLINE_PROVIDER)},', '"module": {']
        self.line_of = {}
        for i, case in enumerate(self.names):
            module, args = cases[case]
            self.line_of[len(lines) + 1] = case
            sep = "," if i < len(self.names) - 1 else ""
            lines.append(f'"{self.keys[case]}": {json.dumps(dict(source=f"../modules/{module}", **args))}{sep}')
        lines += ["}", "}"]
        (self.dir / "main.tf.json").write_text("\n".join(lines) + "\n")
        self.root = Root(self.dir, tf_env())
        self.root.init()

    def diagnostics(self, command: str) -> dict[str, list[str]]:
        """{case: [summary + detail of each error]} of `terraform validate` or `plan` (-json)."""
        if command == "validate":
            p = self.root.run("validate", "-json", "-no-color", check=False)
            found = json.loads(p.stdout)["diagnostics"]
        else:
            p = self.root.run("plan", "-json", "-no-color", "-input=false", "-refresh=false", "-lock=false", check=False)
            found = [m["diagnostic"] for m in map(json.loads, p.stdout.splitlines()) if m.get("type") == "diagnostic"]
        by_case: dict[str, list[str]] = {n: [] for n in self.names}
        for d in found:
            if d["severity"] != "error":
                continue
            text = flat(f"{d['summary']}: {d.get('detail', '')}")
            rng = d.get("range") or {}
            case = self.line_of.get(rng.get("start", {}).get("line")) if rng.get("filename") == "main.tf.json" else None
            by_case.setdefault(case or "?", []).append(text)
        return by_case

    def plan(self) -> dict:
        return self.root.plan("-refresh=false", "-lock=false")

    def module_address(self, case: str) -> str:
        return f"module.{self.keys[case]}"


def scratch_terraform(base: Path) -> tuple[Path, Path]:
    """A scratch copy of terraform/ and a small function zip for the harness roots."""
    return copy_terraform(base / "terraform"), small_zip(base / "bootstrap.zip")


# label -> build(zip_path) -> {case: (module, args)}, registered by test files as they are imported.
_TOGETHER: dict = {}


def planned_with_others(label: str, build) -> None:
    """Registers a test file's valid module cases for the one shared plan (conftest's
    `shared_module_plan`, planned once when the first test needs it)."""
    _TOGETHER[label] = build


def plan_registered(base: Path) -> tuple[Harness, dict]:
    terraform_dir, zip_path = scratch_terraform(base)
    cases = {f"{label}/{case}": call for label, build in _TOGETHER.items() for case, call in build(zip_path).items()}
    h = Harness(terraform_dir, "shared", cases)
    return h, h.plan()


class Planned:
    """One test file's view of the shared plan: its own cases by their own names."""

    def __init__(self, harness: Harness, label: str):
        self.harness, self.label = harness, label
        self.cases = [n.split("/", 1)[1] for n in harness.names if n.startswith(f"{label}/")]

    def module_address(self, case: str) -> str:
        return self.harness.module_address(f"{self.label}/{case}")

    def key(self, case: str) -> str:
        return self.harness.keys[f"{self.label}/{case}"]

    def owns(self, address: str) -> bool:
        return any(address.startswith(self.module_address(c) + ".") for c in self.cases)
