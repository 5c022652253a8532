import subprocess

import pytest

from tfhelpers import REPO


@pytest.fixture(scope="session", autouse=True)
def terraform_tools():
    """Installs (once, cached and pinned) the tools these tests run: Terraform 1.0.3 and the
    tf-venv (checkov, policy_sentry, parliament, the provider stand-in's plumbing)."""
    subprocess.run([str(REPO / "scripts" / "bootstrap.sh"), "terraform"], check=True)
