"""Exports through the real binary: refused with ExportsDisabled where the deployment has no export
bucket (the local deployment's), and, with one configured, every bad input refused before any call
with an error naming its field, while the same process keeps serving. The export itself into the
consumer's bucket needs the emulator's cross-account export, which it does not have yet."""
import time

import pytest

BUCKET = {"EXPORT_BUCKET": "local-ddb-exports-222222222222", "EXPORT_BUCKET_OWNER": "222222222222",
          "EXPORT_PREFIX": "exports/local"}
ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/01800000000000-a1b2c3d4"


@pytest.mark.parametrize("event", [{"op": "export", "table": "orders"}, {"op": "export_status", "export_arn": ARN}])
def test_without_an_export_bucket_exports_are_disabled(fn, still_serves, event):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "ExportsDisabled", r
    assert "EXPORT_BUCKET" in r["error_message"] and f"`{event['op']}`" in r["error_message"], r
    still_serves(fn)


def bad_inputs():
    now = int(time.time())
    return [
        ({"op": "export", "type": "INCREMENTAL_EXPORT", "from": now - 90_000, "to": now - 60}, "to", "24 hours"),
        ({"op": "export", "type": "INCREMENTAL_EXPORT", "from": now - 600, "to": now - 60}, "to", "15 minutes"),
        ({"op": "export", "type": "INCREMENTAL_EXPORT", "from": now - 3600, "to": now + 3600}, "to", "future"),
        ({"op": "export", "type": "INCREMENTAL_EXPORT", "from": now - 60, "to": now - 3600}, "from", "before `to`"),
        ({"op": "export", "type": "INCREMENTAL_EXPORT", "to": now - 60}, "from", "required"),
        ({"op": "export", "export_time": "last night"}, "export_time", "RFC 3339"),
        ({"op": "export", "export_time": now + 600}, "export_time", "future"),
        ({"op": "export", "from": now - 3600}, "from", "INCREMENTAL_EXPORT"),
        ({"op": "export", "prefix": "../other-team"}, "prefix", "`..`"),
        ({"op": "export", "format": "CSV"}, "format", "DYNAMODB_JSON"),
        ({"op": "export", "type": "DIFF"}, "type", "INCREMENTAL_EXPORT"),
        ({"op": "export", "key": {"pk": "a"}}, "key", "not used"),
        ({"op": "export_status"}, "export_arn", "required"),
        ({"op": "export_status", "export_arn": "arn:aws:dynamodb:us-east-1:111111111111:table/orders"}, "export_arn",
         "export ARN"),
        ({"op": "export_status", "export_arn": ARN.replace("us-east-1", "eu-west-1")}, "export_arn", "TABLE_REGION"),
    ]


def test_bad_export_inputs_are_refused_naming_the_field_and_the_process_keeps_serving(start_function, still_serves):
    f = start_function(**BUCKET)
    for event, field, says in bad_inputs():
        r = f.invoke({"table": "orders", **event} if event["op"] == "export" else event)
        assert not r["ok"] and r["error_type"] == "InvalidRequest", (event, r)
        assert f"field `{field}`" in r["error_message"] and says in r["error_message"], (event, r["error_message"])
    still_serves(f)


@pytest.mark.parametrize("env, variable", [
    ({"SCHEDULED_REQUEST": '{"op":"export","table":"orders"}'}, "EXPORT_BUCKET"),
    ({**BUCKET, "EXPORT_BUCKET_OWNER": "2222"}, "EXPORT_BUCKET_OWNER"),
    ({**BUCKET, "EXPORT_BUCKET": "Not_A_Bucket"}, "EXPORT_BUCKET"),
    ({**BUCKET, "EXPORT_PREFIX": "a/../b"}, "EXPORT_PREFIX"),
])
def test_a_bad_export_configuration_stops_the_start(start_function, env, variable):
    f = start_function(wait=False, **env)
    assert f.wait_exit(timeout_s=20) == 2
    assert variable in f.text("stderr"), f.text("stderr")
    assert f.init_ms is None


def test_a_scheduled_export_with_a_bucket_starts(start_function):
    f = start_function(SCHEDULED_REQUEST='{"op":"export","table":"orders","prefix":"nightly"}', **BUCKET)
    assert f.alive() and f.init_ms is not None
