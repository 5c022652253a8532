"""Seed the local emulator: tables and data in the main account, the IAM roles and policies that
the project's Terraform rendered (rendered.json), Lambda-like credentials for the consumer's
execution roles, then IAM enforcement on. Idempotent: the emulator is wiped first.

Usage: python local/seed.py --endpoint http://127.0.0.1:5055 [--rendered .local/rendered.json]
                            [--out .local/state.json]

Every value is deterministic (no clock, no randomness) so tests can derive expectations.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

MAIN_ACCOUNT = "111111111111"
CONSUMER_ACCOUNT = "222222222222"
REGION = "us-east-1"
EXTERNAL_ID = "local-demo-external-id"
ADMIN_USER = "local-admin"
BULK_ITEMS = 5000

# Deterministic fake keys: the emulator checks signatures only for keys it issued itself.
_BOOT_CREDENTIALS = {"aws_access_key_id": "AKIDLOCALSEED0000000", "aws_secret_access_key": "local-seed"}


# ---- data -----------------------------------------------------------------------------------

def S(v): return {"S": v}
def N(v): return {"N": str(v)}


STATUSES = ["PENDING", "SHIPPED", "DELIVERED", "CANCELLED"]


def orders_items() -> list[dict]:
    """30 orders over 3 customers; order 10 of each customer is a draft WITHOUT `status`, so the
    sparse GSI by_status holds 27 of the 30 items."""
    items = []
    for c in range(1, 4):
        for n in range(1, 11):
            item = {"pk": S(f"customer#{c:03d}"), "sk": S(f"order#{n:04d}"),
                    "total": N(f"{(c * 37 + n * 13) % 200}.{(n * 7) % 100:02d}"),
                    "created_at": S(f"2024-{c:02d}-{n:02d}T10:00:00Z"),
                    "lines": {"L": [{"M": {"sku": S(f"sku-{(c + n) % 5}"), "qty": N(n % 3 + 1)}}]}}
            if n == 10:
                item["draft"] = {"BOOL": True}
            else:
                item["status"] = S(STATUSES[(c + n) % len(STATUSES)])
            items.append(item)
    return items


TIERS = ["gold", "silver", "bronze"]


def customers_items() -> list[dict]:
    """6 customers plus the "types#..." items that hold every DynamoDB type and number form."""
    items = [{"pk": S(f"customer#{c:03d}"), "name": S(f"Customer {c}"), "email": S(f"c{c}@example.com"),
              "tier": S(TIERS[c % 3]), "since": N(2015 + c), "tags": {"SS": sorted({f"t{c}", "all"})}}
             for c in range(1, 7)]
    return items + types_items()


def types_items() -> list[dict]:
    return [
        {"pk": S("types#numbers"),
         "big_positive": N("12345678901234567890123456789012345678"),          # 38 significant digits
         "big_negative": N("-98765432109876543210987654321098765432"),
         "fraction_38": N("0.12345678901234567890123456789012345678"),
         "tiny_38": N("-0.000000000000000000000000000000000012345678901234567890123456789012345678"),
         "exp_positive": N("1.5E+100"), "exp_negative": N("-2.5E-100"), "exp_max_order": N("1E+125"),
         "largest": N("9.9999999999999999999999999999999999999E+125"), "smallest_positive": N("1E-130"),
         "zero": N("0"), "integer": N("42"), "negative_integer": N("-7"), "decimal": N("3.14")},
        {"pk": S("types#binary"), "bin": {"B": bytes([0, 1, 2, 127, 128, 254, 255]) + b"binary"},
         "bin_text": {"B": "héllo".encode()}},
        {"pk": S("types#sets"), "ss": {"SS": ["alpha", "beta", "gamma"]},
         "ns": {"NS": ["1", "-2.5", "12345678901234567890123456789012345678", "1E+100"]},
         "bs": {"BS": [b"\x00", b"\xff\xfe", b"set"]}},
        {"pk": S("types#nested"),
         "doc": {"M": {"list": {"L": [N("1"), S("two"), {"BOOL": True}, {"NULL": True},
                                      {"M": {"deep": N("123456789012345678901234567890.12345678")}},
                                      {"L": []}, {"B": b"\x01\x02"}, {"SS": ["x"]}]},
                       "map": {"M": {"a": N("-1E-5"), "b": {"M": {"c": S("d")}}}}}},
         "empty_list": {"L": []}, "empty_map": {"M": {}}},
        {"pk": S("types#scalars"), "flag_true": {"BOOL": True}, "flag_false": {"BOOL": False},
         "nothing": {"NULL": True}, "empty_string": S(""), "unicode": S("héllo ✓ 日本 \"quoted\" \\ /"),
         "long_string": S("x" * 1000)},
    ]


def bulk_items() -> list[dict]:
    """5,000 items, one distinct partition key each (so parallel-scan segments spread them)."""
    return [{"pk": S(f"b#{i:05d}"), "sk": N(i), "n": N(i * 3),
             "payload": S(hashlib.sha256(f"bulk-{i}".encode()).hexdigest())} for i in range(BULK_ITEMS)]


def audit_items() -> list[dict]:
    return [{"pk": S(f"audit#{i:04d}"), "event": S(e), "at": N(1700000000 + i)}
            for i, e in enumerate(["login", "export", "delete-request"], start=1)]


def _string_attrs(*names):
    return [{"AttributeName": n, "AttributeType": "S"} for n in names]


TABLES = {
    "orders": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                   AttributeDefinitions=_string_attrs("pk", "sk", "status"),
                   GlobalSecondaryIndexes=[{"IndexName": "by_status",
                                            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                                          {"AttributeName": "sk", "KeyType": "RANGE"}],
                                            "Projection": {"ProjectionType": "ALL"}}]),
    "customers": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
    "bulk": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                       {"AttributeName": "sk", "AttributeType": "N"}]),
    "audit": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
}
TABLE_DATA = {"orders": orders_items, "customers": customers_items, "bulk": bulk_items, "audit": audit_items}


# ---- plumbing -------------------------------------------------------------------------------

def _http(endpoint: str, path: str, body: bytes | None = None, content_type="text/plain"):
    req = urllib.request.Request(endpoint + path, data=body, method="POST" if body is not None else "GET",
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def wait_ready(endpoint: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _http(endpoint, "/_local/stats")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"seed: emulator at {endpoint} not ready after {timeout:.0f}s")
            time.sleep(0.1)


def set_auth(endpoint: str, enabled: bool) -> None:
    """moto's switch: `0` = every request is authenticated and authorized, `inf` = none is."""
    _http(endpoint, "/moto-api/reset-auth", b"0" if enabled else b"inf")


def account_client(service: str, endpoint: str, account: str):
    """A client acting in `account` with auth off (the x-moto-account-id header picks the account)."""
    client = boto3.client(service, endpoint_url=endpoint, region_name=REGION, **_BOOT_CREDENTIALS,
                          config=Config(retries={"max_attempts": 2}, max_pool_connections=8))

    def add_header(request, **_):
        request.headers["x-moto-account-id"] = account
    client.meta.events.register("before-sign.*.*", add_header)
    return client


def load_rendered(path: Path) -> tuple[dict, dict]:
    """rendered.json = `terraform output -json` of local/terraform: {name: {"value": ...}}."""
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise SystemExit(f"seed: {path} is missing; run scripts/render-local-iam.sh first")
    try:
        return doc["main_roles"]["value"], doc["consumer_roles"]["value"]
    except (KeyError, TypeError):
        raise SystemExit(f"seed: {path} has no main_roles/consumer_roles outputs")


def _role_path(arn: str) -> str:
    parts = arn.split(":", 5)[5].split("/")  # role/[path/]name
    return "/" + "".join(p + "/" for p in parts[1:-1])


def create_roles(endpoint: str, roles: dict, expected_account: str) -> dict[str, str]:
    """Each role with its trust policy, each policy as a customer-managed policy attached to it
    (what aws_iam_policy + aws_iam_role_policy_attachment create)."""
    iam = account_client("iam", endpoint, expected_account)
    arns = {}
    for name, role in roles.items():
        account = role["arn"].split(":")[4]
        if account != expected_account or not role["arn"].endswith("/" + name):
            raise SystemExit(f"seed: role {name}: ARN {role['arn']} is not a role named {name} in {expected_account}")
        kwargs = {}
        if role.get("max_session_duration"):
            kwargs["MaxSessionDuration"] = int(role["max_session_duration"])
        created = iam.create_role(RoleName=name, Path=_role_path(role["arn"]),
                                  AssumeRolePolicyDocument=role["trust_policy"], **kwargs)["Role"]
        if created["Arn"] != role["arn"]:
            raise SystemExit(f"seed: role {name} got ARN {created['Arn']}, Terraform says {role['arn']}")
        for policy_name, document in role.get("policies", {}).items():
            policy_arn = iam.create_policy(PolicyName=policy_name, PolicyDocument=document)["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        arns[name] = created["Arn"]
    return arns


def create_admin(endpoint: str, account: str) -> dict:
    """An account administrator (IAM user, full access) for tests that need an operator identity."""
    iam = account_client("iam", endpoint, account)
    iam.create_user(UserName=ADMIN_USER)
    iam.put_user_policy(UserName=ADMIN_USER, PolicyName="admin", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return {"arn": f"arn:aws:iam::{account}:user/{ADMIN_USER}", "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"]}


def create_tables(endpoint: str) -> dict[str, dict]:
    ddb = account_client("dynamodb", endpoint, MAIN_ACCOUNT)
    out = {}
    for name, spec in TABLES.items():
        # Deletion protection (as the project's table module sets it) also keeps the allow/deny
        # matrix non-destructive: an authorized DeleteTable gets a ValidationException.
        arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
                               **spec)["TableDescription"]["TableArn"]
        items = TABLE_DATA[name]()
        chunks = [items[i:i + 25] for i in range(0, len(items), 25)]

        def write(chunk, table=name):
            request = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
            while request:
                request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write, chunks))
        out[name] = {"arn": arn, "item_count": len(items)}
    return out


def mint_lambda_credentials(endpoint: str, consumer_roles: dict) -> dict[str, dict]:
    """What Lambda hands a function: temporary credentials of its execution role, session named
    after the function (here: after the role)."""
    sts = account_client("sts", endpoint, CONSUMER_ACCOUNT)
    creds = {}
    for name, role in consumer_roles.items():
        c = sts.assume_role(RoleArn=role["arn"], RoleSessionName=name, DurationSeconds=43200)["Credentials"]
        creds[name] = {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                       "session_token": c["SessionToken"]}
    return creds


def seed(endpoint: str, rendered: Path) -> dict:
    main_roles, consumer_roles = load_rendered(rendered)
    wait_ready(endpoint)
    set_auth(endpoint, False)
    _http(endpoint, "/moto-api/reset", b"")
    admins = {acct: create_admin(endpoint, acct) for acct in (MAIN_ACCOUNT, CONSUMER_ACCOUNT)}
    # Consumer roles first: IAM rejects a trust policy that names a role which does not exist yet.
    roles = create_roles(endpoint, consumer_roles, CONSUMER_ACCOUNT)
    roles.update(create_roles(endpoint, main_roles, MAIN_ACCOUNT))
    tables = create_tables(endpoint)
    credentials = mint_lambda_credentials(endpoint, consumer_roles)
    set_auth(endpoint, True)
    # Smoke check with auth on: the minted credentials authenticate and name their session.
    first = next(iter(credentials))
    me = boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                      aws_access_key_id=credentials[first]["access_key_id"],
                      aws_secret_access_key=credentials[first]["secret_access_key"],
                      aws_session_token=credentials[first]["session_token"]).get_caller_identity()
    expected = f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{first}/{first}"
    if me["Arn"] != expected:
        raise SystemExit(f"seed: credentials of {first} identify as {me['Arn']}, expected {expected}")
    _http(endpoint, "/_local/stats/reset", b"")
    return {"endpoint": endpoint, "region": REGION,
            "accounts": {"main": MAIN_ACCOUNT, "consumer": CONSUMER_ACCOUNT},
            "external_id": EXTERNAL_ID, "roles": roles, "credentials": credentials,
            "admins": admins, "tables": tables}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--rendered", type=Path, default=Path(".local/rendered.json"))
    parser.add_argument("--out", type=Path, default=Path(".local/state.json"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    state = seed(args.endpoint.rstrip("/"), args.rendered)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(state, indent=2) + "\n")
    counts = ", ".join(f"{t}={v['item_count']}" for t, v in state["tables"].items())
    print(f"seed: {len(state['roles'])} roles, tables {counts}, in {time.monotonic() - started:.1f}s "
          f"-> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
