"""Whole deployments of both roots into the strict emulator, one emulator per scenario, the
scenarios side by side (each mostly waits on the provider and the emulator, one at a time).

A scenario records what happened (plans, errors, inventories, timings); the tests in
test_apply.py assert on the records, so one run of the slow part serves them all.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from emulator import Emulator
from tfhelpers import (ENVS, MAIN, MODE_ENVS, REPO, Root, TerraformError, actions, copy_initialized,
                       copy_terraform, name, state_resources, tf_env)

# The last commit with the flat interface (list-of-maps tables, "" sentinels, the provider-free
# document modules): the upgrade test applies its roots, then plans the current ones on that state.
PRE_OBJECT_INPUTS_COMMIT = "780dd31c691c26e97fde8014bf601e835799cfe1"
PARALLELISM = "-parallelism=20"


def small_zip(path: Path) -> Path:
    """A stand-in function package: the roots only upload it (no release cross-build needed)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho 'not the function: a package for Terraform tests'\n")
    return path


class Roots:
    """The two roots of one environment, each acting with its own account's credentials."""

    def __init__(self, terraform_dir: Path, emu: Emulator, env: str, zip_path: Path):
        self.env = env
        self.consumer = Root(terraform_dir / "consumer-account", emu.terraform_env("consumer"))
        self.main = Root(terraform_dir / "main-account", emu.terraform_env("main"))
        self.args = {"consumer": [f"-var-file=envs/{env}.tfvars", f"-var=zip_path={zip_path}"],
                     "main": [f"-var-file=envs/{env}.tfvars"]}

    def root(self, which: str) -> Root:
        return getattr(self, which)

    def init(self) -> None:
        self.consumer.init()
        self.main.init()

    def apply(self, which: str, stop_when=None) -> bool:
        """Applies `which`; with stop_when, interrupts the apply once stop_when(its output so far)
        is true (see main_first_scenario). Returns whether it was interrupted; a failed apply raises."""
        args = ("apply", "-no-color", "-input=false", "-auto-approve", PARALLELISM, *self.args[which])
        if stop_when is None:
            self.root(which).run(*args)
            return False
        p, interrupted = self.root(which).run_interrupted_when(stop_when, *args)
        if p.returncode != 0:
            raise TerraformError(args, p.stdout + p.stderr, interrupted=interrupted)
        return interrupted

    def plan(self, which: str, out: str = "tfplan") -> dict:
        return self.root(which).plan(PARALLELISM, *self.args[which], out=out)

    def changes(self, which: str) -> dict[str, list[str]]:
        """{address: actions} a plan would carry out now; {} when the plan is empty."""
        root = self.root(which)
        p = root.run("plan", "-no-color", "-input=false", "-lock=false", "-detailed-exitcode", "-out=replan",
                     PARALLELISM, *self.args[which], check=False)
        if p.returncode == 0:
            return {}
        if p.returncode != 2:
            raise TerraformError(["plan", *self.args[which]], p.stdout + p.stderr)
        return actions(json.loads(root.run("show", "-no-color", "-json", "replan").stdout))

    def destroy(self, which: str, refresh: bool = True) -> None:
        """refresh=False right after an empty re-plan: that plan has just read every resource back
        and found the state exact, so a second read proves nothing (the inventory after destroy
        is what shows that nothing is left)."""
        self.root(which).run("destroy", "-no-color", "-input=false", "-auto-approve", PARALLELISM,
                             *([] if refresh else ["-refresh=false"]), *self.args[which])


def _timed(record: dict, step: str, fn, *args):
    started = time.monotonic()
    try:
        return fn(*args)
    finally:
        record["timings"][step] = round(time.monotonic() - started, 1)


def _cycle(rec: dict, emu: Emulator, roots: Roots, order: tuple[str, str], keep_plans: bool,
           stop_when=None) -> None:
    """Apply both roots in `order`, re-plan both, destroy both (reverse order), and take stock
    after each step, into rec["cycle"] as it goes (a failed step leaves what came before).
    keep_plans: plan to a file, keep its JSON, and apply that very plan.
    stop_when: {root: condition} interrupting that root's apply once the condition holds."""
    cycle: dict = {"order": order, "plans": {}}
    rec["cycle"] = cycle
    tag = "_then_".join(order)
    for which in order:
        if keep_plans:
            cycle["plans"][which] = _timed(rec, f"plan_{which}_{tag}", roots.plan, which, f"{tag}.tfplan")
            _timed(rec, f"apply_{which}_{tag}", roots.root(which).apply_plan, f"{tag}.tfplan")
        else:
            _timed(rec, f"apply_{which}_{tag}", roots.apply, which, (stop_when or {}).get(which))
        cycle.setdefault("applied", []).append(which)
    cycle["outputs"] = {w: roots.root(w).outputs() for w in ("consumer", "main")}
    # The consumer's applied resources as the provider read them back (values a plan cannot know,
    # such as the dead-letter queue's ARN inside the policies that name it).
    cycle["resources"] = state_resources(roots.consumer.dir / "terraform.tfstate")
    cycle["deployed"] = {p: emu.inventory(p) for p in ("main", "consumer")}
    # A full re-plan (refresh included): what the provider reads back must equal the config.
    cycle["replan"] = {w: _timed(rec, f"replan_{w}_{tag}", roots.changes, w) for w in ("consumer", "main")}
    for which in reversed(order):
        _timed(rec, f"destroy_{which}_{tag}", roots.destroy, which, bool(cycle["replan"][which]))
    cycle["after_destroy"] = {p: emu.inventory(p) for p in ("main", "consumer")}


def consumer_first_scenario(env: str, base: Path, zip_path: Path, initialized: Path, wrong_account: bool = True) -> dict:
    """The order that always works, after both roots were tried with the other account's
    credentials (unless not wrong_account). Keeps both plans (what test_apply.py checks the
    configuration against). initialized: a terraform/ copy with both roots initialized."""
    rec: dict = {"env": env, "timings": {}}
    with Emulator(base / "emulator") as emu:
        roots = Roots(copy_initialized(initialized, base / "terraform"), emu, env, zip_path)
        # allowed_account_ids must stop each root before any change.
        rec["wrong_account"] = {}
        for which, other in (("consumer", "main"), ("main", "consumer")) if wrong_account else ():
            wrong = Root(roots.root(which).dir, emu.terraform_env(other))
            p = wrong.run("apply", "-no-color", "-input=false", "-auto-approve", *roots.args[which], check=False)
            rec["wrong_account"][which] = {"returncode": p.returncode, "output": p.stdout + p.stderr}
        rec["after_wrong_account"] = {p: emu.inventory(p) for p in ("main", "consumer")}
        _cycle(rec, emu, roots, ("consumer", "main"), keep_plans=True)
    return rec


def order_failed(rec: dict) -> str:
    """The root whose apply failed: the first of the cycle's order not yet applied."""
    cycle = rec["cycle"]
    return next(w for w in cycle["order"] if w not in cycle.get("applied", []))


def _retrying_refused_role(emu: Emulator, role_name: str, address: str, settle: float = 0.3):
    """A condition on an apply's output: the emulator has refused iam:CreateRole of `role_name`
    (IAM's Invalid principal) at least twice, so the provider got the refusal and is retrying it;
    no refusal came for `settle` seconds, so it is waiting between attempts, not reading a
    response; and every other resource the apply started has been created."""
    seen = {"count": 0, "since": time.monotonic()}

    def holds(output: str) -> bool:
        count = sum(1 for r in emu.refusals() if r["action"] == "iam:CreateRole" and r["resource"] == role_name
                    and r["account"] == MAIN and r["reason"].startswith("Invalid principal in policy"))
        if count != seen["count"]:
            seen.update(count=count, since=time.monotonic())
        creating = set(re.findall(r"^(\S+): Creating\.\.\.$", output, re.M))
        created = set(re.findall(r"^(\S+): Creation complete after", output, re.M))
        return count >= 2 and time.monotonic() - seen["since"] >= settle and creating - created == {address}
    return holds


def _state_addresses(state_file: Path) -> list[str]:
    """Resource addresses a local state file records (read directly: no terraform run needed)."""
    if not state_file.exists():
        return []
    state = json.loads(state_file.read_text())
    return sorted(f"{r['module'] + '.' if r.get('module') else ''}{r['type']}.{r['name']}"
                  for r in state.get("resources", []) if r["mode"] == "managed" and r.get("instances"))


def main_first_scenario(env: str, base: Path, zip_path: Path, initialized: Path) -> dict:
    """Main root first, in a fresh emulator. The README allows it with trust mode "account"
    only; with "principal" IAM must refuse the trust policy (the execution role does not exist
    yet).

    The aws provider retries that refusal for two minutes (IAM is eventually consistent: in AWS
    a principal created a moment ago may not be visible yet). Here nothing can create the
    execution role meanwhile (the consumer root is not applied), so once the emulator has
    recorded the refusal and the provider is only waiting to retry it, the remaining retries
    prove nothing: the apply is interrupted then (SIGINT, Terraform's graceful stop), and the
    test checks the refusal itself, the error Terraform reports (the provider's last one) and
    that no role exists or is in the state."""
    rec: dict = {"env": env, "timings": {}, "error": None, "interrupted": False}
    with Emulator(base / "emulator") as emu:
        roots = Roots(copy_initialized(initialized, base / "terraform"), emu, env, zip_path)
        refused = _retrying_refused_role(emu, name("cross_account_role_name", env),
                                         "module.cross_account_role[0].aws_iam_role.this")
        try:
            _cycle(rec, emu, roots, ("main", "consumer"), keep_plans=False, stop_when={"main": refused})
        except TerraformError as e:
            rec["error"], rec["interrupted"] = e.message, e.interrupted
            rec["refusals"] = emu.refusals()
            rec["state_after_error"] = {w: _state_addresses(roots.root(w).dir / "terraform.tfstate")
                                        for w in ("main", "consumer")}
            rec["after_error"] = {p: emu.inventory(p) for p in ("main", "consumer")}
            for which in reversed(rec["cycle"].get("applied", []) + [order_failed(rec)]):
                _timed(rec, f"destroy_{which}", roots.destroy, which)  # whatever the failed apply left
            rec["after_destroy"] = {p: emu.inventory(p) for p in ("main", "consumer")}
    return rec


def _widen_provider_constraint(terraform_dir: Path) -> None:
    """Let an older copy accept this machine's provider (its constraint may predate it)."""
    for versions in terraform_dir.rglob("versions.tf"):
        text = versions.read_text()
        versions.write_text(re.sub(r'(source\s*=\s*"hashicorp/aws"\s*\n\s*version\s*=\s*)"[^"]*"',
                                   r'\1">= 5.0, < 7.0"', text))


def upgrade_scenario(base: Path, zip_path: Path, initialized: Path, env: str = "dev") -> dict:
    """Apply the roots of PRE_OBJECT_INPUTS_COMMIT, then plan the current roots on the same state."""
    rec: dict = {"env": env, "timings": {}, "commit": PRE_OBJECT_INPUTS_COMMIT}
    have = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{PRE_OBJECT_INPUTS_COMMIT}^{{commit}}"],
                          capture_output=True)
    if have.returncode != 0:
        raise AssertionError(f"the upgrade test needs commit {PRE_OBJECT_INPUTS_COMMIT} in this clone's history "
                             "(a shallow clone lacks it: git fetch --unshallow)")
    old_dir = base / "old"
    old_dir.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", PRE_OBJECT_INPUTS_COMMIT, "terraform"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old_dir)], input=archive, check=True)
    _widen_provider_constraint(old_dir / "terraform")
    with Emulator(base / "emulator") as emu:
        old = Roots(old_dir / "terraform", emu, env, zip_path)
        _timed(rec, "old_init", old.init)
        for which in ("consumer", "main"):
            _timed(rec, f"old_apply_{which}", old.apply, which)
        rec["old_deployed"] = {p: emu.inventory(p) for p in ("main", "consumer")}
        new = Roots(copy_initialized(initialized, base / "new"), emu, env, zip_path)
        for which in ("consumer", "main"):
            shutil.copy(old.root(which).dir / "terraform.tfstate", new.root(which).dir / "terraform.tfstate")
        rec["plans"] = {w: _timed(rec, f"new_plan_{w}", new.plan, w) for w in ("consumer", "main")}
    return rec


def run_all(base: Path, when_planned=None) -> dict:
    """Every scenario, side by side: {"ENV/main-first": ..., "ENV/consumer-first": ..., "upgrade": ...}.
    when_planned(plans) is called with {(root, env): plan JSON} of the applied plans as soon as
    the consumer-first scenarios are done (while the others may still run); what it returns is
    kept as results["when_planned"]."""
    zip_path = small_zip(base / "bootstrap.zip")
    started = time.monotonic()
    results: dict = {}
    # One init per root, copied into every scenario (init hashes the whole provider package).
    initialized = copy_terraform(base / "initialized")
    for root in ("consumer-account", "main-account"):
        Root(initialized / root, tf_env()).init()
    with ThreadPoolExecutor(max_workers=2 * len(ENVS) + 1 + len(MODE_ENVS)) as pool:
        futures = {f"{env}/main-first": pool.submit(main_first_scenario, env, base / env / "main-first", zip_path,
                                                     initialized)
                   for env in ENVS}
        # Another access mode changes neither root's provider block: the wrong-account runs of
        # ENVS cover it.
        futures.update({f"{env}/consumer-first": pool.submit(consumer_first_scenario, env,
                                                              base / env / "consumer-first", zip_path,
                                                              initialized, env in ENVS)
                        for env in ENVS + MODE_ENVS})
        futures["upgrade"] = pool.submit(upgrade_scenario, base / "upgrade", zip_path, initialized)
        first = [f"{env}/consumer-first" for env in ENVS + MODE_ENVS]
        for key in first + [n for n in futures if n not in first]:
            try:
                results[key] = futures[key].result()
            except Exception as e:  # reported by every test that needs this scenario
                results[key] = {"failed": f"{type(e).__name__}: {e}"}
            if key == first[-1] and when_planned is not None:
                planned = {(root, env): results[f"{env}/consumer-first"]["cycle"]["plans"][root]
                           for env in ENVS + MODE_ENVS for root in ("consumer", "main")
                           if "failed" not in results[f"{env}/consumer-first"]}
                results["when_planned"] = when_planned(planned)
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    results["zip_path"] = zip_path
    return results
