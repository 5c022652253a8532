"""Unit tests of local/runtime_api.py, run against a tiny fake runtime (fake_bootstrap.py).

They need neither the Rust binary nor the emulator, so they run first and fast; every other
integration test trusts this server to behave like Lambda's Runtime API.
"""
import json
import os
import time
from pathlib import Path

import pytest

from local.runtime_api import (MAX_RESPONSE_BYTES, Function, FunctionDied, FunctionInitError,
                               InvocationTimeout)

FAKE = str(Path(__file__).with_name("fake_bootstrap.py"))


@pytest.fixture
def fake():
    with Function(FAKE, {"FAKE_MARK": "1"}, name="fake-fn", memory_mb=256) as fn:
        yield fn


def test_invoke_delivers_event_and_lambda_headers(fake):
    r = fake.invoke({"echo": {"n": 12345678901234567890123456789012345678}})
    assert r["ok"], r
    p = r["payload"]
    # The event arrived intact (big integer included) and the request id is the one we issued.
    assert p["echo"] == {"n": 12345678901234567890123456789012345678}
    assert p["request_id"] == r["request_id"]
    assert p["function_arn"] == "arn:aws:lambda:us-east-1:222222222222:function:fake-fn"
    assert p["trace_id"].startswith("Root=1-")
    assert time.time() * 1000 < p["deadline_ms"] <= time.time() * 1000 + 30_000
    env = p["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"] == fake.server.address
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fake-fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == "us-east-1" and env["FAKE_MARK"] == "1"
    assert 0 < r["duration_ms"] <= r["roundtrip_ms"]


def test_environment_does_not_leak_from_the_test_process(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "should-not-leak")
    with Function(FAKE, name="fake-clean") as fn:
        env = fn.invoke({"echo": 1})["payload"]["env"]
    assert "AWS_PROFILE" not in env


def test_many_sequential_invocations_keep_one_process(fake):
    pid = fake.proc.pid
    ids = set()
    for i in range(50):
        r = fake.invoke({"echo": i})
        assert r["payload"]["echo"] == i
        ids.add(r["request_id"])
    assert len(ids) == 50 and fake.proc.pid == pid and fake.alive()


def test_error_endpoint_gives_type_and_message_and_next_invocation_works(fake):
    r = fake.invoke({"fail": ["InvalidRequest", "field `limit`: expected an integer >= 1"]})
    assert not r["ok"]
    assert r["error_type"] == "InvalidRequest"
    assert r["error_message"] == "field `limit`: expected an integer >= 1"
    assert fake.invoke({"echo": "after"})["payload"]["echo"] == "after"


def test_chunked_response_body_is_decoded(fake):
    r = fake.invoke({"chunked": True, "echo": "a" * 50})
    assert r["payload"]["echo"] == "a" * 50


def test_response_over_6mb_is_rejected_like_lambda(fake):
    mark = fake.log_mark()
    r = fake.invoke({"big": MAX_RESPONSE_BYTES + 1})
    assert not r["ok"] and r["error_type"] == "Function.ResponseSizeTooLarge"
    # The runtime itself saw HTTP 413, as it would on Lambda.
    line = fake.wait_for_log(lambda l: "big_status" in l.text, mark)
    assert line and line.json()["big_status"] == 413
    # Exactly at the limit is accepted.
    r = fake.invoke({"big": MAX_RESPONSE_BYTES})
    assert r["ok"] is True and len(r["raw"]) == MAX_RESPONSE_BYTES


def test_unknown_request_id_is_rejected(fake):
    p = fake.invoke({"stale": True})["payload"]
    assert p["stale_status"] == 400 and p["stale_reply"]["errorType"] == "InvalidRequestID"


def test_logs_are_captured_per_stream_with_timestamps(fake):
    mark = fake.log_mark()
    before = time.perf_counter_ns()
    fake.invoke({"log": "hello-from-the-function"})
    out = fake.wait_for_log(lambda l: l.stream == "stdout" and l.text == "hello-from-the-function", mark)
    err = fake.wait_for_log(lambda l: l.stream == "stderr" and l.text == "hello-from-the-function", mark)
    assert out and err and out.t_ns >= before


def test_init_time_is_measured_from_spawn_to_first_poll():
    with Function(FAKE, {"FAKE_INIT_SLEEP": "0.3"}, name="fake-slow-init") as fn:
        assert 300 <= fn.init_ms < 5000


def test_process_exit_during_invocation_fails_clearly(fake):
    with pytest.raises(FunctionDied) as e:
        fake.invoke({"exit": 3})
    assert e.value.returncode == 3 and "code 3" in str(e.value)
    assert not fake.alive()
    with pytest.raises(FunctionDied):
        fake.invoke({"echo": "too late"})


def test_exit_during_init_reports_code_and_stderr():
    fn = Function(FAKE, {"FAKE_EXIT_AT_START": "2"}, name="fake-bad-config")
    try:
        with pytest.raises(FunctionDied) as e:
            fn.start()
        assert e.value.returncode == 2
        assert "FAKE_EXIT_AT_START" in e.value.stderr_tail
        assert "FAKE_EXIT_AT_START" in fn.text("stderr")
    finally:
        fn.stop()


def test_init_error_endpoint():
    fn = Function(FAKE, {"FAKE_INIT_ERROR": "no ROLE_ARN"}, name="fake-init-error")
    try:
        with pytest.raises(FunctionInitError) as e:
            fn.start()
        assert e.value.error_type == "Runtime.Init" and e.value.error_message == "no ROLE_ARN"
    finally:
        fn.stop()


def test_timeout_kills_the_process_like_lambda(fake):
    t0 = time.monotonic()
    with pytest.raises(InvocationTimeout):
        fake.invoke({"sleep": 5}, timeout_s=0.5)
    assert time.monotonic() - t0 < 4
    assert not fake.alive()


def test_rss_is_read_from_proc(fake):
    rss, peak = fake.rss_kb(), fake.peak_rss_kb()
    assert rss and peak and 0 < rss <= peak
    with open(f"/proc/{fake.proc.pid}/statm") as f:  # cross-check with a different /proc file
        pages = int(f.read().split()[1])
    assert abs(pages * os.sysconf("SC_PAGE_SIZE") // 1024 - rss) < 2048
    fake.stop()
    assert fake.rss_kb() is None


def test_stop_releases_a_blocked_poller_and_the_port(fake):
    address = fake.server.address
    fake.stop()
    assert not fake.alive()
    import socket
    host, port = address.split(":")
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=0.5).close()


def test_invalid_json_is_refused_before_the_function(fake):
    with pytest.raises(ValueError, match="InvalidRequestContentException"):
        fake.invoke("{not json")
    assert fake.invoke({"echo": "still fine"})["payload"]["echo"] == "still fine"


def test_deadline_header_can_mimic_other_emulators():
    with Function(FAKE, name="fake-deadline", deadline_header="600000") as fn:
        assert fn.invoke({"echo": 1})["payload"]["deadline_ms"] == 600000
