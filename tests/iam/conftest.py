"""Fixtures of the IAM suite: one seeded strict emulator for the whole session."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local.testing import LocalAws  # noqa: E402

ACCESS_LEVELS_FILE = ROOT / "terraform" / "modules" / "conventions" / "access-levels.json"


@pytest.fixture(scope="session")
def aws():
    with LocalAws() as emulator:
        print(f"\nlocal AWS: start {emulator.timings['start']:.2f}s, seed {emulator.timings['seed']:.2f}s, "
              f"log {emulator.log_path}")
        yield emulator


@pytest.fixture(scope="session")
def access_levels() -> dict:
    return json.loads(ACCESS_LEVELS_FILE.read_text())
