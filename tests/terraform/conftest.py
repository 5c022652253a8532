import subprocess

import pytest

from tfhelpers import REPO


@pytest.fixture(scope="session", autouse=True)
def terraform_tools():
    """Checks Terraform on PATH (>= 1.5), writes .tools/terraformrc (the provider mirror or the
    registry) and installs the tf-venv (checkov, policy_sentry, parliament): once, pinned."""
    subprocess.run([str(REPO / "scripts" / "bootstrap.sh"), "terraform"], check=True)


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Every deployment scenario of deployments.py, run once for the whole session."""
    from deployments import run_all
    from checkov_runner import scan_plans
    base = tmp_path_factory.mktemp("deployments")
    # checkov on the applied plans starts as soon as they exist, beside the slowest scenarios.
    results = run_all(base, when_planned=lambda plans: scan_plans(plans, base / "plans"))
    print(f"\ndeployments: {results['wall_seconds']} s wall for every scenario")
    return results


@pytest.fixture(scope="session")
def shared_module_plan(tmp_path_factory):
    """(harness, plan JSON) of the valid module cases every test file registered with
    cases.planned_with_others, planned once."""
    from cases import plan_registered
    return plan_registered(tmp_path_factory.mktemp("modules"))


def pytest_addoption(parser):
    parser.addoption("--deployments", choices=("all", "only", "none"), default="all",
                     help="only: just the tests reading the deployment scenarios (the slow part); none: all others. "
                          "scripts/tf-check.sh runs the two halves side by side.")


def pytest_collection_modifyitems(config, items):
    mode = config.getoption("--deployments")
    if mode == "all":
        return
    keep = [i for i in items if ("runs" in getattr(i, "fixturenames", ())) == (mode == "only")]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep
