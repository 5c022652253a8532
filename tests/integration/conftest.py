"""Fixtures of the integration suite: the real function binary, run under the local Lambda Runtime
API (local/runtime_api.py) with the environment and execution role Terraform deployed, against one
emulator holding the local deployment per session. The shared fixtures live in local/testing.py.

The binary defaults to target/debug/ddb-cross-account-reader; DDB_READER_BIN points elsewhere
(e.g. a release build). The emulator is started lazily, so test_runtime_api.py runs without it.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.register_assert_rewrite("oracle")
from local.testing import aws, binary, fn, start_function  # noqa: E402,F401  (shared fixtures)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reads the whole 5,000-item table several times, or moves megabytes")


def assert_still_serves(f, aws):
    """After an error: the same process is alive and a valid request returns the emulator's item."""
    from oracle import item_mismatch
    assert f.alive(), f"function exited with {f.returncode}"
    pid = f.proc.pid
    r = f.invoke({"op": "get", "table": "orders", "key": {"pk": "customer#001", "sk": "order#0001"}})
    assert r["ok"], r
    expected = next(i for i in aws.data("orders") if i["pk"]["S"] == "customer#001" and i["sk"]["S"] == "order#0001")
    assert len(r["payload"]["items"]) == 1
    assert item_mismatch(r["payload"]["items"][0], expected) is None
    assert f.alive() and f.proc.pid == pid


@pytest.fixture
def still_serves(aws):
    return lambda f: assert_still_serves(f, aws)
