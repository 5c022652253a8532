"""Exports through the real binary, into the consumer's bucket of the local deployment (its
Terraform `exports` on both roots), against the emulator's export (local/export_emulation.py):
the data files read back from the bucket hold exactly the table's items, export_status reports the
finished export, an incremental window holds exactly the writes in it, the denials (no export grant,
a bucket policy naming another principal, a role without the S3 grant), PITR missing, a scheduled
export; and bad inputs refused before any call, naming their field, while the process keeps serving.
"""
import copy
import gzip
import json
import time

import boto3
import pytest
from botocore.config import Config

from local.testing import CONSUMER_ACCOUNT, MAIN_ACCOUNT, REGION, _http_json

BUCKET = {"EXPORT_BUCKET": "local-ddb-exports-222222222222", "EXPORT_BUCKET_OWNER": "222222222222",
          "EXPORT_PREFIX": "exports/local"}
NO_EXPORTS = {"EXPORT_BUCKET": None, "EXPORT_BUCKET_OWNER": None, "EXPORT_PREFIX": None}
ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/01800000000000-a1b2c3d4"


@pytest.mark.parametrize("event", [{"op": "export", "table": "orders"}, {"op": "export_status", "export_arn": ARN}])
def test_without_an_export_bucket_exports_are_disabled(start_function, still_serves, event):
    fn = start_function(**NO_EXPORTS)
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
    ({**NO_EXPORTS, "SCHEDULED_REQUEST": '{"op":"export","table":"orders"}'}, "EXPORT_BUCKET"),
    ({**BUCKET, "EXPORT_BUCKET_OWNER": "2222"}, "EXPORT_BUCKET_OWNER"),
    ({**BUCKET, "EXPORT_BUCKET": "Not_A_Bucket"}, "EXPORT_BUCKET"),
    ({**BUCKET, "EXPORT_PREFIX": "a/../b"}, "EXPORT_PREFIX"),
])
def test_a_bad_export_configuration_stops_the_start(start_function, env, variable):
    f = start_function(wait=False, **env)
    assert f.wait_exit(timeout_s=20) == 2
    assert variable in f.text("stderr"), f.text("stderr")
    assert f.init_ms is None


# ---- exports into the deployed bucket ------------------------------------------------------------

DEPLOYED_PREFIX = "exports"  # EXPORT_PREFIX of the local deployment (consumer root's exports.prefix)


def deployed_bucket(aws) -> str:
    return aws.function_env()["EXPORT_BUCKET"]


def consumer_s3(aws):
    """S3 as the consumer account's deployer (the bucket's owner reads its exports back)."""
    creds = aws.credentials(None, account=CONSUMER_ACCOUNT)
    return boto3.client("s3", endpoint_url=aws.endpoint, region_name=REGION,
                        aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def export_of(r) -> dict:
    assert r["ok"], r
    assert r["payload"]["count"] == 1, r
    return r["payload"]["items"][0]


def finished(f, export_arn: str, timeout_s: float = 30) -> dict:
    """export_status through the function until the export is no longer IN_PROGRESS."""
    deadline = time.monotonic() + timeout_s
    while True:
        d = export_of(f.invoke({"op": "export_status", "export_arn": export_arn}))
        if d["status"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return d
        time.sleep(0.3)


def read_export(s3, bucket: str, manifest_uri: str) -> tuple[dict, list[dict], list[dict]]:
    """(manifest-summary.json, manifest-files.json lines, every decoded data-file line), read back
    from the bucket the way a consumer of the export would: manifest first, then its data files."""
    assert manifest_uri.startswith(f"s3://{bucket}/"), manifest_uri
    get = lambda key: s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # noqa: E731
    summary = json.loads(get(manifest_uri.removeprefix(f"s3://{bucket}/")))
    files = [json.loads(line) for line in get(summary["manifestFilesS3Key"]).decode().splitlines()]
    lines = []
    for entry in files:
        data = gzip.decompress(get(entry["dataFileS3Key"])).decode().splitlines()
        assert len(data) == entry["itemCount"], entry
        lines += [json.loads(line) for line in data]
    return summary, files, lines


def canonical(value):
    """DynamoDB JSON with sets sorted (a set has no order), for exact comparison."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def same_items(actual: list[dict], expected: list[dict]) -> None:
    dump = lambda items: sorted(json.dumps(canonical(i), sort_keys=True) for i in items)  # noqa: E731
    a, e = dump(actual), dump(expected)
    assert len(a) == len(e), f"{len(a)} items exported, the table holds {len(e)}"
    assert a == e, next(f"exported {x}\n  table {y}" for x, y in zip(a, e) if x != y)


def full_export_round_trip(f, aws, table: str, event_extra: dict | None = None, invoke=None) -> tuple[dict, list]:
    expected = aws.data(table)
    started = export_of(invoke() if invoke else f.invoke({"op": "export", "table": table, **(event_extra or {})}))
    arn = started["export_arn"]
    assert started["status"] == "IN_PROGRESS", started
    assert arn.startswith(f"arn:aws:dynamodb:{REGION}:{MAIN_ACCOUNT}:table/{table}/export/"), arn
    assert (started["bucket"], started["bucket_owner"]) == (deployed_bucket(aws), CONSUMER_ACCOUNT), started
    done = finished(f, arn)
    assert done["status"] == "COMPLETED", done
    export_id = arn.rsplit("/", 1)[1]
    assert done["manifest"] == f"s3://{deployed_bucket(aws)}/{started['prefix']}/AWSDynamoDB/{export_id}/manifest-summary.json"
    summary, files, lines = read_export(consumer_s3(aws), deployed_bucket(aws), done["manifest"])
    assert all(set(line) == {"Item"} for line in lines), lines[:2]
    same_items([line["Item"] for line in lines], expected)
    assert done["item_count"] == summary["itemCount"] == sum(x["itemCount"] for x in files) == len(expected)
    assert done["billed_size_bytes"] == summary["billedSizeBytes"] > 0
    assert (summary["exportArn"], summary["exportType"], summary["outputFormat"]) == (arn, "FULL_EXPORT", "DYNAMODB_JSON")
    assert done["failure_code"] is None and done["failure_message"] is None
    return done, lines


@pytest.mark.slow
def test_a_full_export_of_5000_items_lands_exactly_the_tables_items_in_the_consumers_bucket(fn, aws):
    done, _ = full_export_round_trip(fn, aws, "bulk")
    assert done["item_count"] == 5000
    assert done["prefix"] == f"{DEPLOYED_PREFIX}/bulk", done


def test_an_export_keeps_every_type_exact(fn, aws):
    """customers holds the seed's numbers of 38 digits and extreme exponents, binary, sets, nesting."""
    _, lines = full_export_round_trip(fn, aws, "customers", {"prefix": "types"})
    by_pk = {line["Item"]["pk"]["S"]: line["Item"] for line in lines}
    assert by_pk["types#numbers"]["tiny_38"] == {
        "N": "-0.000000000000000000000000000000000012345678901234567890123456789012345678"}
    assert set(by_pk["types#sets"]["bs"]["BS"]) == {"AA==", "//4=", "c2V0"}


def set_clock(aws, offset):
    return _http_json(f"{aws.endpoint}/_local/clock", {"offset_seconds": offset})


def test_an_incremental_export_holds_exactly_the_writes_of_its_window(fn, aws):
    """Three writes backdated by the emulator's clock knob (ten days ago, far from the seed's), then
    undone at the real time: the window of DynamoDB's 15-minute minimum around them holds exactly an
    insert (NewImage), an update (OldImage and NewImage) and a delete (OldImage)."""
    ddb = aws.client("dynamodb", account=MAIN_ACCOUNT)
    before = {(i["pk"]["S"], i["sk"]["S"]): i for i in aws.data("orders")}
    updated, deleted = ("customer#003", "order#0002"), ("customer#002", "order#0005")
    inserted = {"pk": {"S": "customer#009"}, "sk": {"S": "order#0001"}, "total": {"N": "0.5"},
                "blob": {"B": b"\x00\x01\x02"}, "tags": {"SS": ["b", "a"]}}
    key = lambda pk, sk: {"pk": {"S": pk}, "sk": {"S": sk}}  # noqa: E731
    window_start = int(set_clock(aws, -10 * 86400)["now"]) - 60
    try:
        ddb.put_item(TableName="orders", Item=inserted)
        ddb.update_item(TableName="orders", Key=key(*updated), UpdateExpression="SET #t = :t",
                        ExpressionAttributeNames={"#t": "total"}, ExpressionAttributeValues={":t": {"N": "1.23"}})
        ddb.delete_item(TableName="orders", Key=key(*deleted))
        after = {(i["pk"]["S"], i["sk"]["S"]): i for i in aws.data("orders")}
    finally:
        set_clock(aws, None)
    # Undone at the real time, outside the window: the table is the seed's again for the other tests.
    ddb.put_item(TableName="orders", Item=before[updated])
    ddb.put_item(TableName="orders", Item=before[deleted])
    ddb.delete_item(TableName="orders", Key=key("customer#009", "order#0001"))
    assert {(i["pk"]["S"], i["sk"]["S"]): i for i in aws.data("orders")} == before

    started = export_of(fn.invoke({"op": "export", "table": "orders", "type": "INCREMENTAL_EXPORT",
                                   "from": window_start, "to": window_start + 900, "prefix": "incremental"}))
    assert started["type"] == "INCREMENTAL_EXPORT", started
    done = finished(fn, started["export_arn"])
    assert done["status"] == "COMPLETED" and done["item_count"] == 3, done
    summary, _, lines = read_export(consumer_s3(aws), deployed_bucket(aws), done["manifest"])
    assert summary["exportType"] == "INCREMENTAL_EXPORT"
    by_key = {(line["Keys"]["pk"]["S"], line["Keys"]["sk"]["S"]): line for line in lines}
    assert set(by_key) == {("customer#009", "order#0001"), updated, deleted}
    for line in lines:
        assert int(line["Metadata"]["WriteTimestampMicros"]["N"]) // 1_000_000 in range(window_start, window_start + 900)
    assert by_key[("customer#009", "order#0001")]["NewImage"] == after[("customer#009", "order#0001")]
    assert after[("customer#009", "order#0001")]["blob"] == {"B": "AAEC"}
    assert "OldImage" not in by_key[("customer#009", "order#0001")]
    assert by_key[updated]["OldImage"] == before[updated] and by_key[updated]["NewImage"] == after[updated]
    assert by_key[updated]["NewImage"]["total"] == {"N": "1.23"}
    assert by_key[deleted]["OldImage"] == before[deleted] and "NewImage" not in by_key[deleted]


def test_a_table_without_the_export_grant_is_denied_up_front(fn, aws, still_serves):
    r = fn.invoke({"op": "export", "table": "vault"})  # readable (Read), not in the main root's exports.tables
    assert not r["ok"] and r["error_type"] == "AccessDenied", r
    assert "dynamodb:ExportTableToPointInTime" in r["error_message"] and "vault" in r["error_message"], r
    assert any(d["action"] == "dynamodb:ExportTableToPointInTime" and d["resource"].endswith(":table/vault")
               for d in aws.denials())
    still_serves(fn)


def test_a_table_without_point_in_time_recovery_is_named(fn, still_serves):
    r = fn.invoke({"op": "export", "table": "ledger"})  # granted, but seeded without PITR
    assert not r["ok"] and r["error_type"] == "PointInTimeRecoveryDisabled", r
    assert "ledger" in r["error_message"], r
    still_serves(fn)


def failed_export(f, table="orders") -> dict:
    started = export_of(f.invoke({"op": "export", "table": table, "prefix": "denied"}))
    assert started["status"] == "IN_PROGRESS", started  # DynamoDB accepts it, then writes as the caller
    done = finished(f, started["export_arn"])
    assert done["status"] == "FAILED", done
    return done


def test_a_bucket_policy_naming_another_principal_fails_the_export(fn, aws, still_serves):
    s3, bucket = consumer_s3(aws), deployed_bucket(aws)
    original = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    policy = json.loads(original)
    other = f"arn:aws:iam::{MAIN_ACCOUNT}:role/local-account-trust"  # a real role, just not the exporting one
    for st in policy["Statement"]:
        if st["Effect"] == "Allow":
            st["Principal"] = {"AWS": other}
            st.pop("Condition", None)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        done = failed_export(fn)
    finally:
        s3.put_bucket_policy(Bucket=bucket, Policy=original)
    assert done["failure_code"] == "S3AccessDenied", done
    assert "s3:PutObject" in done["failure_message"] and "resource-based policy" in done["failure_message"], done
    assert "bucket's policy" in done["hint"], done
    still_serves(fn)


def test_a_role_without_the_s3_grant_fails_the_export(fn, aws, still_serves):
    iam = aws.client("iam", account=MAIN_ACCOUNT)
    role = aws.state["terraform"]["main"]["role_name"]
    arn = next(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
               if p["PolicyName"].endswith("-exports"))
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]["Document"]
    doc = copy.deepcopy(json.loads(doc) if isinstance(doc, str) else doc)
    doc["Statement"] = [st for st in doc["Statement"] if not any(a.startswith("s3:") for a in st["Action"])]
    assert len(doc["Statement"]) == 2  # the DynamoDB grants stay: only S3 is missing
    new = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True)["PolicyVersion"]
    try:
        done = failed_export(fn)
    finally:
        iam.set_default_policy_version(PolicyArn=arn, VersionId=default)
        iam.delete_policy_version(PolicyArn=arn, VersionId=new["VersionId"])
    assert done["failure_code"] == "S3AccessDenied", done
    assert "identity-based policy" in done["failure_message"], done
    still_serves(fn)


def test_an_export_into_a_missing_bucket_fails_naming_it(start_function):
    f = start_function(EXPORT_BUCKET="local-no-such-export-bucket")
    done = failed_export(f)
    assert done["failure_code"] == "S3NoSuchBucket", done
    assert "EXPORT_BUCKET" in done["hint"], done


def test_a_scheduled_export_lands_its_files(start_function, aws):
    """SCHEDULED_REQUEST run by an EventBridge Scheduled Event, as the schedule's rule sends it."""
    from oracle import load_event
    f = start_function(SCHEDULED_REQUEST='{"op":"export","table":"orders","prefix":"nightly"}')
    event = load_event("scheduled-event.json")
    event["id"] = f"run-{time.time_ns()}"  # a run of its own (the emulator remembers tokens for 8 hours)
    done, _ = full_export_round_trip(f, aws, "orders", invoke=lambda: f.invoke(event))
    assert done["prefix"] == f"{DEPLOYED_PREFIX}/nightly", done
    # Lambda's retry of the same run (same event id, so the same ClientToken): the same export.
    again = export_of(f.invoke(event))
    assert again["export_arn"] == done["export_arn"] and again["status"] == "COMPLETED", again
    # The next run (another event id) is another export.
    other = export_of(f.invoke(dict(event, id=event["id"] + "-next")))
    assert other["export_arn"] != done["export_arn"], other


def test_the_sample_export_event_exports_orders(fn, aws):
    """events/export.json, as `make demo` sends it to the deployed function."""
    from oracle import load_event
    event = load_event("export.json")
    done, _ = full_export_round_trip(fn, aws, event["table"], invoke=lambda: fn.invoke(event))
    assert done["prefix"] == f"{DEPLOYED_PREFIX}/{event['prefix']}", done
