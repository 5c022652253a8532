"""The tutorial approach in Python: STS AssumeRole on every invocation, a DynamoDB resource built from
the temporary credentials, and the first page of a Table.scan(). Measured against the Rust function.

Event: {"table": "NAME", "exclusive_start_key": {...}?, "limit": n?}
Result: {"items": [...], "count": n, "scanned_count": n, "last_evaluated_key": {...} | None}
"""
import decimal
import os

import boto3

# Module scope, reused across invocations, like the STS client of the Node reference.
sts = boto3.client("sts")


def _plain(value):
    # boto3's resource layer returns numbers as Decimal, which json cannot write.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_plain(v) for v in value]
    return value


def handler(event, context=None):
    kwargs = {"RoleArn": os.environ["ROLE_ARN"], "RoleSessionName": "boto3-reference"}
    if os.environ.get("EXTERNAL_ID"):
        kwargs["ExternalId"] = os.environ["EXTERNAL_ID"]
    creds = sts.assume_role(**kwargs)["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=os.environ.get("TABLE_REGION") or os.environ["AWS_REGION"],
    )
    table = session.resource("dynamodb").Table(event.get("table") or os.environ["DEFAULT_TABLE"])
    scan = {}
    if event.get("exclusive_start_key"):
        scan["ExclusiveStartKey"] = event["exclusive_start_key"]
    if event.get("limit"):
        scan["Limit"] = event["limit"]
    out = table.scan(**scan)
    return {
        "items": _plain(out["Items"]),
        "count": out["Count"],
        "scanned_count": out["ScannedCount"],
        "last_evaluated_key": _plain(out.get("LastEvaluatedKey")),
    }
