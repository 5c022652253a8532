"""Start-up configuration errors: the process prints an error naming the variable to stderr and
exits non-zero before asking for any event; a valid configuration without ROLE_ARN still starts.
"""
import pytest

CASES = [
    ({"ROLE_ARN": None}, "ROLE_ARN"),                                # neither ROLE_ARN nor MAIN_ACCOUNT_ID
    ({"ROLE_ARN": "arn:aws:s3:::not-a-role"}, "ROLE_ARN"),
    ({"ROLE_ARN": None, "MAIN_ACCOUNT_ID": "111111111111"}, "ENVIRONMENT"),
    ({"ROLE_ARN": None, "MAIN_ACCOUNT_ID": "1111", "ENVIRONMENT": "local"}, "MAIN_ACCOUNT_ID"),
    ({"SESSION_DURATION_SECONDS": "10"}, "SESSION_DURATION_SECONDS"),
    ({"SESSION_DURATION_SECONDS": "43201"}, "SESSION_DURATION_SECONDS"),
    ({"SESSION_DURATION_SECONDS": "1h"}, "SESSION_DURATION_SECONDS"),
    ({"SCHEDULED_REQUEST": '{"op":'}, "SCHEDULED_REQUEST"),                          # not JSON
    ({"SCHEDULED_REQUEST": '{"op": "scan", "limit": 0}'}, "SCHEDULED_REQUEST"),      # JSON, bad request
    ({"MAX_RESPONSE_BYTES": "lots"}, "MAX_RESPONSE_BYTES"),
    ({"MAX_RESPONSE_BYTES": str(7 * 1024 * 1024)}, "MAX_RESPONSE_BYTES"),             # above Lambda's limit
    ({"EXTERNAL_ID": "x"}, "EXTERNAL_ID"),
    ({"ROLE_SESSION_NAME": "has spaces"}, "ROLE_SESSION_NAME"),
    ({"SOURCE_IDENTITY": "aws:reserved"}, "SOURCE_IDENTITY"),
    ({"SESSION_TAGS": "team"}, "SESSION_TAGS"),                                    # not key=value
    ({"SESSION_TAGS": '{"team": 1}'}, "SESSION_TAGS"),                             # not a string
    ({"METRICS": "maybe"}, "METRICS"),
    ({"METRICS_NAMESPACE": "AWS/Lambda"}, "METRICS_NAMESPACE"),                   # reserved for AWS
]


@pytest.mark.parametrize("env, variable", CASES, ids=[f"{i}-{v}" for i, (_, v) in enumerate(CASES)])
def test_bad_configuration_stops_the_start(start_function, env, variable):
    f = start_function(wait=False, **env)
    code = f.wait_exit(timeout_s=20)
    assert code != 0
    stderr = f.text("stderr")
    assert variable in stderr, f"stderr does not name {variable}: {stderr!r} (stdout: {f.text('stdout')!r})"
    assert f.init_ms is None, "the process asked for an event despite a bad configuration"


def test_good_configuration_starts_and_polls(start_function):
    f = start_function()
    assert f.alive() and f.init_ms is not None and f.init_ms < 10_000
