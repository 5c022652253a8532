"""Fixtures of the integration suite: the real function binary, run under the local Lambda Runtime
API (local/runtime_api.py), against one seeded strict emulator (local/testing.py) per session.

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
from oracle import DEMO_ROLE  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reads the whole 5,000-item table several times, or moves megabytes")


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
        print(f"\nlocal AWS: start {emulator.timings['start']:.2f}s, seed {emulator.timings['seed']:.2f}s, "
              f"log {emulator.log_path}")
        yield emulator


def function_env(aws, execution_role: str = "local-consumer-fn", **overrides) -> dict:
    """The function's environment as deployed locally; an override of None removes the variable."""
    from local.testing import EXTERNAL_ID
    env = aws.function_env(execution_role)
    env.update(ROLE_ARN=aws.role_arn(DEMO_ROLE), EXTERNAL_ID=EXTERNAL_ID, DEFAULT_TABLE="orders",
               AWS_LAMBDA_LOG_LEVEL="info")
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


@pytest.fixture(scope="session")
def fn(aws, binary):
    """The warm function every test shares (consumer role local-consumer-fn, demo role, orders)."""
    from local.runtime_api import Function
    f = Function(binary, function_env(aws)).start()
    print(f"\nfunction init {f.init_ms:.1f} ms")
    yield f
    f.stop()


@pytest.fixture
def start_function(aws, binary):
    """Factory for extra function processes with other credentials or configuration; all stopped
    at the end of the test. start_function(execution_role=..., wait=..., deadline_header=..., VAR=value|None, ...)."""
    from local.runtime_api import Function
    started = []

    def start(execution_role: str = "local-consumer-fn", wait: bool = True, deadline_header=None, **env):
        f = Function(binary, function_env(aws, execution_role, **env), deadline_header=deadline_header)
        started.append(f)
        return f.start(wait=wait)

    yield start
    for f in started:
        f.stop()


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
