"""Fixtures of the reliability suite: the real function binary under the local Lambda Runtime API,
against one emulator holding the local deployment per session, optionally through a
fault-injecting proxy. The shared fixtures live in local/testing.py.

Figures the tests measure (timings, RSS curve, counts) are collected in `figures` and printed at
the end of the run, and written to .local/reliability/figures.json.
"""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local.testing import aws, binary, proxy, start_function  # noqa: E402,F401  (shared fixtures)

FIGURES_FILE = ROOT / ".local" / "reliability" / "figures.json"
_FIGURES: dict = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: waits out a real 10 s SDK attempt timeout")


@pytest.fixture(scope="session")
def figures():
    """name -> value; printed at the end of the session (the figures the report quotes)."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(_FIGURES, indent=2) + "\n")
    terminalreporter.section("reliability figures")
    for name, value in _FIGURES.items():
        terminalreporter.write_line(f"{name}: {json.dumps(value)}")
    terminalreporter.write_line(f"(also in {FIGURES_FILE.relative_to(ROOT)})")
