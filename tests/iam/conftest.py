"""Fixtures of the IAM suite: the shared ones (local/testing.py: one emulator holding the local
deployment Terraform applied, for the whole session, and the function running with the deployed
environment for the matrix's writes through it) and the access levels file."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local.testing import aws, binary, fn  # noqa: E402,F401  (shared fixtures)

ACCESS_LEVELS_FILE = ROOT / "terraform" / "modules" / "conventions" / "access-levels.json"


@pytest.fixture(scope="session")
def access_levels() -> dict:
    return json.loads(ACCESS_LEVELS_FILE.read_text())
