"""DynamoDB export to S3 for the local emulator (hooked in by aws_emulator.install()).

moto 5.2.5's ExportTableToPointInTime writes one data file into a bucket of the *table's* account
(whatever S3BucketOwner says), returns a malformed ARN (`table/<table ARN>/import/...`), writes no
manifest, ignores ExportTime and the incremental window, and checks no S3 permission. This module
replaces the two calls (ExportTableToPointInTime, DescribeExport) with what DynamoDB documents:

  * layout: S3PREFIX/AWSDynamoDB/<export id>/_started, data/<name>.json.gz (gzip JSON lines),
    manifest-files.json (one line per data file: itemCount, md5Checksum, etag, dataFileS3Key) and
    manifest-summary.json (exportArn, times, tableArn, itemCount, billedSizeBytes, outputFormat, ...);
    DescribeExport's ExportManifest is the key of manifest-summary.json;
  * full export lines `{"Item": {...}}` of the table as it was at ExportTime (default: now);
    incremental export lines `{"Metadata": {"WriteTimestampMicros": {"N": ...}}, "Keys": {...},
    "NewImage": {...}, "OldImage": {...}}` (the default view NEW_AND_OLD_IMAGES; NewImage absent for
    a delete, OldImage absent for an insert), one line per item changed in [from, to);
  * ARN arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/export/<14-digit ms>-<8 hex>;
  * point-in-time recovery required (PointInTimeRecoveryUnavailableException, up front); ExportTime
    or ExportToTime in the future, ExportFromTime not before ExportToTime: InvalidExportTimeException;
  * the status is IN_PROGRESS for LOCAL_AWS_EXPORT_SECONDS (default 1) and then COMPLETED or FAILED;
  * the export writes into the bucket of the account that owns it (any account of this server), as
    the caller: every object needs s3:PutObject on arn:aws:s3:::BUCKET/KEY from the caller's identity
    policies (with s3:ResourceAccount = the bucket's owner) and, when the bucket is in another account,
    from the bucket policy as well (aws:SecureTransport is true: DynamoDB writes over TLS). A refusal,
    a bucket that does not exist or an S3BucketOwner that does not own it fails the export, as
    DynamoDB does after accepting the request: FAILED with FailureCode S3AccessDenied / S3NoSuchBucket
    (the refusal is also listed in /_local/denials). The DynamoDB permission itself is the gate's.

Write history: every PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems that
changed an item is recorded (time, key, image before, image after), which is what reconstructs the
table at ExportTime and what an incremental window exports.

Test knob, the emulator's clock: POST /_local/clock {"offset_seconds": N} (or null) makes every
time this module uses (write times, "now" of an export) real time + N. A test backdates a few writes
(N negative) so that a window of DynamoDB's 15-minute minimum holds exactly those writes, far from
the seed's, without waiting: the function checks its windows against its own (real) clock.

ClientToken: a repeat within 8 hours answers the first export (other parameters with the same token:
IdempotentParameterMismatchException).

Known limits: ION exports are not written (FAILED, FailureCode UnsupportedByEmulator); the PITR
window's start is not checked (only that PITR is enabled); no ListExports; SSE-KMS buckets are not
modelled.
"""
from __future__ import annotations

import base64
import copy
import datetime
import gzip
import hashlib
import json
import os
import secrets
import threading
import time

_LOCK = threading.RLock()
WRITE_ACTIONS = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
ITEMS_PER_DATA_FILE = 1000
MANIFEST_VERSION = "2020-06-30"


class Clock:
    """Real time plus the test knob's offset."""
    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


CLOCK = Clock()


# ---- write history ---------------------------------------------------------------------------

class History:
    """(account, region, table) -> [(time, key JSON, old image, new image)], in write order."""
    def __init__(self):
        self.changes: dict[tuple, list] = {}

    def record(self, where: tuple, key: dict, old: dict | None, new: dict | None, at: float) -> None:
        with _LOCK:
            self.changes.setdefault(where, []).append((at, key, old, new))

    def of(self, where: tuple) -> list:
        with _LOCK:
            return list(self.changes.get(where, ()))


HISTORY = History()


def _table_name(name: str) -> str:
    return name.rsplit("/", 1)[-1] if name.startswith("arn:") else name


def _key_of(table, attrs: dict) -> dict:
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {n: attrs[n] for n in names if n in attrs}


def _image(emu, table, key: dict) -> dict | None:
    from moto.dynamodb.models.dynamo_type import DynamoType
    hash_key = DynamoType(key[table.hash_key_attr]) if table.hash_key_attr in key else None
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in key else None
    if hash_key is None:
        return None
    try:
        item = table.get_item(hash_key, range_key)
    except Exception:  # a malformed key: moto's own call reports it
        return None
    return None if item is None else {k: emu._attr_json(v) for k, v in item.attrs.items()}


def _touched(body: dict, action: str) -> list[tuple[str, str, dict]]:
    """(table, "key" | "item", attributes) of every item a write request names."""
    if action in ("put_item",):
        return [(body.get("TableName", ""), "item", body.get("Item") or {})]
    if action in ("update_item", "delete_item"):
        return [(body.get("TableName", ""), "key", body.get("Key") or {})]
    out = []
    if action == "batch_write_item":
        for table, requests in (body.get("RequestItems") or {}).items():
            for r in requests:
                if "PutRequest" in r:
                    out.append((table, "item", r["PutRequest"].get("Item") or {}))
                elif "DeleteRequest" in r:
                    out.append((table, "key", r["DeleteRequest"].get("Key") or {}))
    if action == "transact_write_items":
        for entry in body.get("TransactItems") or []:
            for kind, op in entry.items():
                if kind == "Put":
                    out.append((op.get("TableName", ""), "item", op.get("Item") or {}))
                elif kind in ("Update", "Delete"):
                    out.append((op.get("TableName", ""), "key", op.get("Key") or {}))
    return out


def _recording(emu, method):
    """Wraps one DynamoHandler write: the images of every named item before and after the call."""
    action = method.__name__

    def recorded(self):
        try:
            body = json.loads(self.body) if isinstance(self.body, (str, bytes)) else (self.body or {})
            backend = self.dynamodb_backend
            where, keys = [], []
            for table_name, kind, attrs in _touched(body, action):
                table = backend.tables.get(_table_name(table_name))
                if table is None:
                    continue
                key = _key_of(table, attrs)
                where.append(((self.current_account, self.region, table.name), table, key))
            before = [copy.deepcopy(_image(emu, t, k)) for _, t, k in where]
        except Exception:  # never let the bookkeeping break the call itself
            where, before = [], []
        result = method(self)
        if where:
            at = CLOCK.now()
            for (loc, table, key), old in zip(where, before):
                new = _image(emu, table, key)
                if new != old:
                    HISTORY.record(loc, key, old, copy.deepcopy(new), at)
        return result

    recorded.__name__ = action
    return recorded


# ---- exports -------------------------------------------------------------------------------

def _epoch(value) -> float:
    """A timestamp parameter as moto hands it over (datetime, or epoch seconds) -> epoch seconds."""
    return value.timestamp() if isinstance(value, datetime.datetime) else float(value)


def _iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _table_id(table_arn: str) -> str:
    # moto keeps no TableId; a stable UUID-shaped id derived from the ARN stands in.
    h = hashlib.sha256(table_arn.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _key_json(key: dict) -> str:
    return json.dumps(key, sort_keys=True)


def _items_at(emu, table, where: tuple, at: float) -> list[dict]:
    """The table's items at time `at`: the current items with every later change undone."""
    items = {_key_json(_key_of(table, a)): a for a in
             ({k: emu._attr_json(v) for k, v in i.attrs.items()} for i in table.all_items())}
    for t, key, old, _new in reversed(HISTORY.of(where)):
        if t <= at:
            break
        if old is None:
            items.pop(_key_json(key), None)
        else:
            items[_key_json(key)] = old
    return list(items.values())


def _changes_in(where: tuple, start: float, end: float) -> list[dict]:
    """One incremental-export line per item changed in [start, end): image at start and at end."""
    first: dict[str, tuple] = {}
    for t, key, old, new in HISTORY.of(where):
        if start <= t < end:
            k = _key_json(key)
            old_at_start = first[k][1] if k in first else old
            first[k] = (key, old_at_start, new, t)
    lines = []
    for key, old, new, t in first.values():
        if old is None and new is None:
            continue  # created and deleted inside the window: nothing changed between its ends
        line = {"Metadata": {"WriteTimestampMicros": {"N": str(int(t * 1_000_000))}}, "Keys": key}
        if new is not None:
            line["NewImage"] = new
        if old is not None:
            line["OldImage"] = old
        lines.append(line)
    return lines


class S3Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Export:
    def __init__(self, emu, *, arn, table, table_arn, body, caller, started, export_time, lines, line_key):
        self.emu, self.arn, self.table, self.table_arn = emu, arn, table, table_arn
        self.body, self.caller = body, caller
        self.start_time, self.export_time = started, export_time
        self.lines, self.line_key = lines, line_key
        self.status = "IN_PROGRESS"
        self.end_time = None
        self.failure_code = self.failure_message = None
        self.manifest = None
        self.item_count = 0
        self.billed = 0
        self.export_id = arn.rsplit("/", 1)[1]

    # The write into the bucket, as DynamoDB does it on the caller's behalf.
    def run(self, delay: float) -> None:
        time.sleep(delay)
        try:
            self._write()
            status = "COMPLETED"
        except S3Refused as e:
            status, self.failure_code, self.failure_message = "FAILED", e.code, str(e)
        except Exception as e:  # an emulator bug must show, not hang the export
            status, self.failure_code, self.failure_message = "FAILED", "UNKNOWN", f"{type(e).__name__}: {e}"
        with _LOCK:
            self.end_time = CLOCK.now()
            self.status = status

    def _bucket(self):
        from moto.s3.models import s3_backends
        name = self.body["S3Bucket"]
        if name not in s3_backends.bucket_accounts:
            raise S3Refused("S3NoSuchBucket", f"The specified bucket does not exist: {name}")
        partition, account = s3_backends.bucket_accounts[name]
        owner = self.body.get("S3BucketOwner")
        if owner and owner != account:
            # S3's expected-bucket-owner check answers 403 Access Denied.
            raise S3Refused("S3AccessDenied", f"Access Denied: bucket {name} is not owned by S3BucketOwner {owner}")
        return s3_backends[account][partition], s3_backends[account][partition].buckets[name], account

    def _authorize(self, bucket, owner: str, key: str) -> None:
        emu, caller = self.emu, self.caller
        if caller is None:  # auth off (moto's switch)
            return
        arn = f"arn:aws:s3:::{bucket.name}/{key}"
        action = "s3:PutObject"
        ctx = {**caller.context(), "aws:securetransport": ["true"], "s3:resourceaccount": [owner],
               "aws:requestedregion": [self.table_arn.split(":")[3]]}
        policy = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
        identity, _ = emu.evaluate(caller.policies, action, arn, ctx)
        granted, how = emu.evaluate([policy], action, arn, ctx, caller=caller) if policy else (emu.IMPLICIT, None)
        reason = None
        if identity == emu.DENY:
            reason = "with an explicit deny in an identity-based policy"
        elif granted == emu.DENY:
            reason = "with an explicit deny in a resource-based policy"
        elif owner == caller.account:
            if identity != emu.ALLOW and not (granted == emu.ALLOW and how == "exact"):
                reason = "because no identity-based policy allows the s3:PutObject action"
        elif identity != emu.ALLOW:
            reason = "because no identity-based policy allows the s3:PutObject action"
        elif granted != emu.ALLOW:
            reason = "because no resource-based policy allows the s3:PutObject action"
        if reason is None and identity == emu.ALLOW and caller.boundary is not None:
            if emu.evaluate([caller.boundary], action, arn, ctx)[0] != emu.ALLOW:
                reason = "because no permissions boundary allows the s3:PutObject action"
        if reason is not None:
            denied = emu.Denied(caller.arn, action, arn, reason)
            emu.STATS.denials.append({"principal": caller.arn, "action": action, "resource": arn, "reason": reason})
            raise S3Refused("S3AccessDenied", f"Access Denied ({denied})")

    def _write(self) -> None:
        s3, bucket, owner = self._bucket()
        root = f"{self.body['S3Prefix'].rstrip('/')}/AWSDynamoDB/{self.export_id}" if self.body.get("S3Prefix") \
            else f"AWSDynamoDB/{self.export_id}"

        def put(key: str, data: bytes) -> str:
            self._authorize(bucket, owner, key)
            s3.put_object(bucket.name, key, data)
            return hashlib.md5(data).hexdigest()

        put(f"{root}/_started", b"")
        if self.body.get("ExportFormat", "DYNAMODB_JSON") != "DYNAMODB_JSON":
            raise S3Refused("UnsupportedByEmulator", "the local emulator writes DYNAMODB_JSON exports only")
        manifest_lines = []
        for n in range(0, max(len(self.lines), 1), ITEMS_PER_DATA_FILE):
            chunk = self.lines[n:n + ITEMS_PER_DATA_FILE]
            if not chunk:
                break
            text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in chunk)
            data = gzip.compress(text.encode())
            key = f"{root}/data/{secrets.token_hex(13)}.json.gz"
            etag = put(key, data)
            self.billed += len(text.encode())
            self.item_count += len(chunk)
            manifest_lines.append({"itemCount": len(chunk), "md5Checksum": base64.b64encode(bytes.fromhex(etag)).decode(),
                                   "etag": etag, "dataFileS3Key": key})
        files_key = f"{root}/manifest-files.json"
        put(files_key, "".join(json.dumps(m) + "\n" for m in manifest_lines).encode())
        summary = {"version": MANIFEST_VERSION, "exportArn": self.arn, "startTime": _iso(self.start_time),
                   "endTime": _iso(CLOCK.now()), "tableArn": self.table_arn, "tableId": _table_id(self.table_arn),
                   "exportTime": _iso(self.export_time), "s3Bucket": bucket.name,
                   "s3Prefix": self.body.get("S3Prefix"), "s3SseAlgorithm": self.body.get("S3SseAlgorithm", "AES256"),
                   "s3SseKmsKeyId": None, "manifestFilesS3Key": files_key, "billedSizeBytes": self.billed,
                   "itemCount": self.item_count, "outputFormat": "DYNAMODB_JSON",
                   "exportType": self.body.get("ExportType", "FULL_EXPORT")}
        spec = self.body.get("IncrementalExportSpecification")
        if spec:
            summary.update(exportFromTime=_iso(spec["ExportFromTime"]), exportToTime=_iso(spec["ExportToTime"]),
                           exportViewType=spec.get("ExportViewType", "NEW_AND_OLD_IMAGES"))
        summary_key = f"{root}/manifest-summary.json"
        put(summary_key, json.dumps(summary).encode())
        self.manifest = summary_key

    def description(self) -> dict:
        with _LOCK:
            d = {"ExportArn": self.arn, "ExportStatus": self.status, "StartTime": self.start_time,
                 "TableArn": self.table_arn, "TableId": _table_id(self.table_arn), "ExportTime": self.export_time,
                 "S3Bucket": self.body["S3Bucket"], "S3BucketOwner": self.body.get("S3BucketOwner"),
                 "S3Prefix": self.body.get("S3Prefix"), "S3SseAlgorithm": self.body.get("S3SseAlgorithm", "AES256"),
                 "ExportFormat": self.body.get("ExportFormat", "DYNAMODB_JSON"),
                 "ExportType": self.body.get("ExportType", "FULL_EXPORT")}
            if self.body.get("IncrementalExportSpecification"):
                spec = dict(self.body["IncrementalExportSpecification"])
                spec.setdefault("ExportViewType", "NEW_AND_OLD_IMAGES")
                d["IncrementalExportSpecification"] = spec
            if self.status != "IN_PROGRESS":
                d.update(EndTime=self.end_time, ItemCount=self.item_count, BilledSizeBytes=self.billed)
            if self.manifest:
                d["ExportManifest"] = self.manifest
            if self.failure_code:
                d.update(FailureCode=self.failure_code, FailureMessage=self.failure_message)
            return {k: v for k, v in d.items() if v is not None}


EXPORTS: dict[str, Export] = {}


def _error(code: str, message: str) -> Exception:
    """DynamoDB's error (moto's JSON shape, HTTP 400), for moto's call_action to render when raised."""
    from moto.core.exceptions import JsonRESTError
    return JsonRESTError(f"com.amazonaws.dynamodb.v20120810#{code}", message)


def _export_table(emu):
    def export_table_to_point_in_time(self):
        body = dict(self.body if isinstance(self.body, dict) else json.loads(self.body or "{}"))
        if body.get("IncrementalExportSpecification"):
            spec = dict(body["IncrementalExportSpecification"])
            for k in ("ExportFromTime", "ExportToTime"):
                if k in spec:
                    spec[k] = _epoch(spec[k])
            body["IncrementalExportSpecification"] = spec
        table_arn = body.get("TableArn", "")
        backend = self.dynamodb_backend
        table = next((t for t in backend.tables.values() if t.table_arn == table_arn), None)
        if table is None:
            raise _error("TableNotFoundException", f"Table not found: {table_arn}")
        pitr = table.continuous_backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        if pitr != "ENABLED":
            raise _error("PointInTimeRecoveryUnavailableException",
                          f"Point in time recovery is not enabled for table '{table.name}'")
        if not body.get("S3Bucket"):
            raise _error("ValidationException", "S3Bucket is required")
        now = CLOCK.now()
        token = body.get("ClientToken")
        if token:
            # DynamoDB's idempotency: the same token within 8 hours is the same export; with other
            # parameters it is refused.
            request = {k: v for k, v in body.items() if k != "ClientToken"}
            with _LOCK:
                earlier = next((j for j in EXPORTS.values() if j.body.get("ClientToken") == token
                                and now - j.start_time < 8 * 3600), None)
            if earlier is not None:
                if {k: v for k, v in earlier.body.items() if k != "ClientToken"} != request:
                    raise _error("IdempotentParameterMismatchException",
                                 f"ClientToken {token} was used by another export request within 8 hours")
                return json.dumps({"ExportDescription": earlier.description()})
        where = (self.current_account, self.region, table.name)
        export_type = body.get("ExportType", "FULL_EXPORT")
        if export_type == "INCREMENTAL_EXPORT":
            spec = body.get("IncrementalExportSpecification") or {}
            if "ExportFromTime" not in spec or "ExportToTime" not in spec:
                raise _error("ValidationException", "IncrementalExportSpecification needs ExportFromTime and ExportToTime")
            start, end = spec["ExportFromTime"], spec["ExportToTime"]
            if end > now:
                raise _error("InvalidExportTimeException", "ExportToTime is in the future")
            if start >= end:
                raise _error("InvalidExportTimeException", "ExportFromTime must be before ExportToTime")
            if not 900 <= end - start <= 86400:
                raise _error("ValidationException", "The incremental export period must be from 15 minutes to 24 hours")
            export_time, lines = end, _changes_in(where, start, end)
        else:
            export_time = _epoch(body.get("ExportTime", now))
            if export_time > now:
                raise _error("InvalidExportTimeException", "ExportTime is in the future")
            lines = [{"Item": i} for i in _items_at(emu, table, where, export_time)]
        export_id = f"{int(now * 1000):014d}-{secrets.token_hex(4)}"
        arn = f"{table.table_arn}/export/{export_id}"
        job = Export(emu, arn=arn, table=table, table_arn=table.table_arn, body=body,
                     caller=getattr(self, "local_caller", None), started=now, export_time=export_time,
                     lines=lines, line_key=None)
        with _LOCK:
            EXPORTS[arn] = job
        delay = float(os.environ.get("LOCAL_AWS_EXPORT_SECONDS", "1"))
        threading.Thread(target=job.run, args=(delay,), daemon=True, name=f"export-{export_id}").start()
        return json.dumps({"ExportDescription": job.description()})

    def describe_export(self):
        body = self.body if isinstance(self.body, dict) else json.loads(self.body or "{}")
        job = EXPORTS.get(body.get("ExportArn", ""))
        if job is None:
            raise _error("ExportNotFoundException", f"Export not found: {body.get('ExportArn')}")
        return json.dumps({"ExportDescription": job.description()})

    return export_table_to_point_in_time, describe_export


def route(path: str, method: str, body: dict):
    """The local API's /_local/clock: (status, body), or None for another route."""
    if path != "/_local/clock":
        return None
    if method == "GET":
        return 200, {"offset_seconds": CLOCK.offset, "now": CLOCK.now()}
    if method == "POST":
        offset = body.get("offset_seconds")
        if offset is not None and not isinstance(offset, (int, float)):
            return 400, {"error": f"offset_seconds: expected a number or null, got {offset!r}"}
        CLOCK.offset = float(offset or 0)
        return 200, {"offset_seconds": CLOCK.offset, "now": CLOCK.now()}
    return None


def _install_bucket_policy_conditions(emu) -> None:
    """moto's object-level bucket-policy check ignores Condition blocks, so the export bucket's
    DenyInsecureTransport (Deny s3:* if aws:SecureTransport is false) denies every object read.
    Here conditions are evaluated (by the emulator's evaluator), with aws:SecureTransport true: this
    plain-HTTP endpoint stands for AWS's HTTPS one. Principals stay unchecked, as in moto (object
    requests other than an export's keep moto's weaker checks)."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action: str, resource: str):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        ctx = {"aws:securetransport": ["true"]}
        result = PermissionResult.NEUTRAL
        for st in emu._as_list(doc.get("Statement", [])):
            applies, _ = emu._statement_applies(st, action, resource, ctx, None)
            if applies and st.get("Effect") == "Deny":
                return PermissionResult.DENIED
            if applies and st.get("Effect") == "Allow":
                result = PermissionResult.PERMITTED
        return result

    FakeBucket.get_permission = get_permission


def _install_bucket_policy_principals(emu) -> None:
    """Reproduces S3's PutBucketPolicy refusal of a principal that does not exist (400
    MalformedPolicy "Invalid principal in policy"), as for IAM trust and DynamoDB table policies: the
    export bucket's policy therefore names the main account and pins its role by aws:PrincipalArn,
    so the consumer root can be applied before the main root creates the role."""
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import S3Backend
    put = S3Backend.put_bucket_policy

    def checked_put(self, bucket_name, policy, *args, **kwargs):
        text = policy.decode() if isinstance(policy, bytes) else policy
        try:
            emu._principals_checked("s3:PutBucketPolicy", self.account_id, bucket_name, text)
        except MalformedPolicyDocument as e:
            raise S3ClientError("MalformedPolicy", e.message)
        return put(self, bucket_name, policy, *args, **kwargs)

    S3Backend.put_bucket_policy = checked_put


def install(emu) -> None:
    """Patch moto's DynamoHandler: the write paths record history, the export calls are replaced.
    `emu` is the aws_emulator module (its policy evaluator, Denied, STATS, _attr_json)."""
    from moto.dynamodb.responses import DynamoHandler
    for name in WRITE_ACTIONS:
        setattr(DynamoHandler, name, _recording(emu, getattr(DynamoHandler, name)))
    export, describe = _export_table(emu)
    DynamoHandler.export_table_to_point_in_time = export
    DynamoHandler.describe_export = describe
    _install_bucket_policy_conditions(emu)
    _install_bucket_policy_principals(emu)
