"""Fixtures of the reliability suite: the real function binary under the local Lambda Runtime API,
against one seeded strict emulator per session, optionally through a fault-injecting proxy.

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

DEMO_ROLE = "local-ddb_cross_acc_access_role-222222222222"
FIGURES_FILE = ROOT / ".local" / "reliability" / "figures.json"
_FIGURES: dict = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: waits out a real 10 s SDK attempt timeout")


@pytest.fixture(scope="session")
def binary() -> str:
    from local.testing import function_binary
    try:
        return function_binary()
    except FileNotFoundError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def aws():
    from local.testing import LocalAws
    with LocalAws() as emulator:
        yield emulator


@pytest.fixture
def proxy(aws):
    """A fault proxy in front of the emulator, for one test."""
    from local.fault_proxy import FaultProxy
    with FaultProxy(aws.endpoint) as p:
        yield p


@pytest.fixture(scope="session")
def figures():
    """name -> value; printed at the end of the session (the figures the issue asks to report)."""
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


def function_env(aws, endpoint: str | None = None, execution_role: str = "local-consumer-fn", **overrides) -> dict:
    """The function's environment as deployed locally, talking to `endpoint` (the emulator by
    default, or a proxy in front of it). An override of None removes the variable."""
    from local.testing import EXTERNAL_ID
    env = aws.function_env(execution_role)
    env.update(ROLE_ARN=aws.role_arn(DEMO_ROLE), EXTERNAL_ID=EXTERNAL_ID, DEFAULT_TABLE="orders",
               AWS_LAMBDA_LOG_LEVEL="info")
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


@pytest.fixture
def start_function(aws, binary):
    """Factory: start_function(endpoint=None, concurrent=False, execution_role=..., VAR=value|None).
    Every process started is stopped at the end of the test."""
    from local.runtime_api import Function
    from local.runtime_concurrent import ConcurrentFunction
    started = []

    def start(endpoint: str | None = None, concurrent: bool = False, execution_role: str = "local-consumer-fn", **env):
        cls = ConcurrentFunction if concurrent else Function
        f = cls(binary, function_env(aws, endpoint, execution_role, **env))
        started.append(f)
        return f.start()

    yield start
    for f in started:
        f.stop()
