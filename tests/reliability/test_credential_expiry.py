"""One scan that outlives several credential lifetimes: the function's identity cache refreshes the
assumed role before each session expires, so no request is signed with an expired session, and
the emulator (whose sessions really expire) issues exactly one AssumeRole per lifetime.

The numbers. STS will not issue a session shorter than 900 s, so the emulator's test knob
(POST /_local/sts/lifetime) makes every session last LIFETIME seconds whatever the function asks.
The SDK's lazy identity cache (aws-smithy-runtime LazyCache) treats a session as expired 10 s
(buffer) before its Expiration, with 0-5 s of jitter added back to the expiry, so it refreshes
5-10 s before expiry. LIFETIME must therefore exceed 10 s (else every call would assume the role
again); 12 s leaves each session 2-7 s of use. The fault proxy delays every Scan page by DELAY, so
the single scan of `bulk` (PAGES pages) lasts at least 3 x LIFETIME.
"""
import time

import pytest

from local.fault_proxy import Delay, Rule
from local.testing import DEMO_ROLE
from rel_support import assert_exactly_once, key_of, table_keys

LIFETIME = 12            # seconds, > the cache's 10 s refresh buffer
BUFFER = 10              # aws-smithy-runtime's DEFAULT_BUFFER_TIME
DELAY = 0.3              # per Scan page
PAGE_SIZE = 40           # bulk's 5,000 items -> 125 pages -> >= 37.5 s of delay alone
TOLERANCE = 0.5          # seconds: clock reading, request spacing


@pytest.fixture
def short_sessions(aws):
    aws.set_session_lifetime(LIFETIME)
    yield LIFETIME
    aws.set_session_lifetime(None)


@pytest.mark.slow
def test_one_scan_across_several_lifetimes_refreshes_once_per_lifetime(aws, start_function, proxy, short_sessions,
                                                                       figures):
    proxy.add(Rule("dynamodb:Scan", Delay(DELAY)))
    aws.reset_stats()
    f = start_function(endpoint=proxy.endpoint)    # DEFAULT_TABLE: the first AssumeRole happens in init
    started = time.monotonic()
    r = f.invoke({"op": "scan", "table": "bulk", "page_size": PAGE_SIZE}, timeout_s=180)
    elapsed = time.monotonic() - started

    # The scan itself: complete, every item exactly once, one invocation, longer than 3 lifetimes.
    assert r["ok"], r
    assert r["payload"]["next_token"] is None
    assert_exactly_once([key_of(i) for i in r["payload"]["items"]], table_keys(aws, "bulk"))
    assert elapsed >= 3 * LIFETIME, f"the scan took {elapsed:.1f} s, less than 3 lifetimes of {LIFETIME} s"

    # No request ever reached the emulator with an expired session.
    record = aws.sessions()
    assert record["expired_refusals"] == 0, record["expired_refusals"]
    ddb = [s for s in proxy.seen if s.action.startswith("dynamodb:")]
    assert ddb and all(s.status == 200 for s in ddb), sorted({s.status for s in ddb})

    # Exactly one AssumeRole per lifetime: every session the emulator issued was the function's
    # role, was used, and the next one was fetched only inside the cache's refresh buffer before
    # the previous one expired (never earlier: no extra AssumeRole; never later: no expired use).
    sessions = [s for s in record["sessions"] if s["via"] == "sts:AssumeRole"]
    assert aws.stats().get("sts:AssumeRole") == len(sessions)
    assert all(s["role_arn"] == aws.role_arn(DEMO_ROLE) for s in sessions), sessions
    assert all(abs(s["expiration"] - s["issued"] - LIFETIME) < 0.1 for s in sessions), sessions
    assert {s.access_key_id for s in ddb} == {s["access_key_id"] for s in sessions}
    for previous, following in zip(sessions, sessions[1:]):
        ahead = previous["expiration"] - following["issued"]
        assert 0 < ahead <= BUFFER + TOLERANCE, f"refreshed {ahead:.2f} s before the previous session expired"
    assert len(sessions) >= 3, len(sessions)
    figures["credential_expiry"] = {"lifetime_s": LIFETIME, "scan_s": round(elapsed, 1), "dynamodb_calls": len(ddb),
                                    "assume_role": len(sessions), "expired_refusals": 0,
                                    "refresh_ahead_s": [round(p["expiration"] - n["issued"], 2)
                                                        for p, n in zip(sessions, sessions[1:])]}
    assert f.alive()
