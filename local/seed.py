"""The local tables and their data, in the main account: what the deployed roles read.

Only data: the IAM comes from `terraform apply` of the project's roots (local/deploy.py), which
then calls `create_tables` as the main account's deployer. In real AWS these tables already exist
(or terraform/modules/dynamodb-table creates one); here they hold every shape the tests need.
Every value is deterministic (no clock, no randomness) so tests can derive expectations.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

BULK_ITEMS = 5000


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


def ledger_items() -> list[dict]:
    """The table the local role holds at the Full level."""
    return [{"pk": S(f"entry#{i:04d}"), "amount": N(f"{i * 125}.50"), "account": S(f"acct-{i % 3}")}
            for i in range(1, 6)]


def audit_items() -> list[dict]:
    return [{"pk": S(f"audit#{i:04d}"), "event": S(e), "at": N(1700000000 + i)}
            for i, e in enumerate(["login", "export", "delete-request"], start=1)]


def vault_items() -> list[dict]:
    """The tables encrypted with the demo customer-managed key (vault and sealed)."""
    return [{"pk": S(f"secret#{i:02d}"), "label": S(f"secret {i}"), "rank": N(i)} for i in range(1, 5)]


def west_orders_items() -> list[dict]:
    """The us-west-2 replica of orders holds items of its own (customer#9xx), so a read shows which
    region answered. (The emulator does not replicate between regions; in AWS the replicas would
    converge on the same items.)"""
    return [{"pk": S(f"customer#{c:03d}"), "sk": S(f"order#{n:04d}"), "total": N(n * 10),
             "status": S(STATUSES[n % len(STATUSES)]), "region": S(OTHER_REGION)}
            for c in (901, 902) for n in range(1, 4)]


def west_customers_items() -> list[dict]:
    return [{"pk": S(f"customer#{c:03d}"), "name": S(f"Western customer {c}"), "region": S(OTHER_REGION)}
            for c in (901, 902)]


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
    "ledger": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
    "audit": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
    "vault": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
    "sealed": dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=_string_attrs("pk")),
}
# Each encrypted with a customer-managed key of its own that Terraform creates (terraform/main-account
# kms.tf, output demo_kms_key_arns); every other table uses the AWS owned key.
KMS_TABLES = ("vault", "sealed")
# Point-in-time recovery, as the project's table module enables it (an export needs it); not on
# `ledger`, the exported table that shows the PointInTimeRecoveryDisabled error.
NO_PITR_TABLES = ("ledger",)
TABLE_DATA = {"orders": orders_items, "customers": customers_items, "bulk": bulk_items, "ledger": ledger_items,
              "audit": audit_items, "vault": vault_items, "sealed": vault_items}


# The second region of the main account: orders has a replica there (granted, a global table in
# envs/local.tfvars), customers exists there but is granted in the home region only.
OTHER_REGION = "us-west-2"
OTHER_REGION_DATA = {"orders": west_orders_items, "customers": west_customers_items}


def _fill(ddb, name: str, items: list[dict]) -> None:
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]

    def write(chunk, table=name):
        request = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, chunks))


def create_other_region_tables(ddb) -> dict[str, dict]:
    """OTHER_REGION's tables through `ddb` (a DynamoDB client of the main account in OTHER_REGION).
    Returns {table: {arn, item_count}}."""
    out = {}
    for name, data in OTHER_REGION_DATA.items():
        arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
                               **TABLES[name])["TableDescription"]["TableArn"]
        items = data()
        _fill(ddb, name, items)
        out[name] = {"arn": arn, "item_count": len(items)}
    return out


def create_tables(ddb, kms_key_arns: dict[str, str] | None = None) -> dict[str, dict]:
    """Every table with its data, through `ddb` (a DynamoDB client of the main account); each of
    KMS_TABLES encrypted with its key of `kms_key_arns` (table -> key ARN).
    Returns {table: {arn, item_count, kms_key_arn}}."""
    missing = [t for t in KMS_TABLES if t not in (kms_key_arns or {})]
    if missing:
        raise ValueError(f"seed: tables {', '.join(missing)} need their KMS key (terraform/main-account "
                         "output demo_kms_key_arns: demo_kms_keys in envs/local.tfvars)")
    out = {}
    for name, spec in TABLES.items():
        key = kms_key_arns[name] if name in KMS_TABLES else None
        if key:
            spec = {**spec, "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}}
        # Deletion protection (as the project's table module sets it) also keeps the allow/deny
        # matrix non-destructive: an authorized DeleteTable gets a ValidationException.
        arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
                               **spec)["TableDescription"]["TableArn"]
        if name not in NO_PITR_TABLES:
            ddb.update_continuous_backups(TableName=name,
                                          PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        items = TABLE_DATA[name]()
        _fill(ddb, name, items)
        out[name] = {"arn": arn, "item_count": len(items), "kms_key_arn": key}
    return out
