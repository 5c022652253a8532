"""A consumer Lambda of one's own, built on the library's public API (examples/open_orders.rs): the
real example binary under the local Lambda Runtime API, with the deployed function's environment and
execution role, reading through the cross-account role Terraform created. Its answers are checked
against the emulator's own data.

The binary defaults to target/debug/examples/open_orders (`make test-integration` builds it);
OPEN_ORDERS_BIN points elsewhere.
"""
import os
from decimal import Decimal
from pathlib import Path

import pytest

from local.runtime_api import Function
from local.testing import FUNCTION_NAME, ROOT, function_env
from oracle import DEMO_ROLE, item_mismatch

OPEN = ("PENDING", "SHIPPED")


@pytest.fixture
def open_orders(aws):
    binary = Path(os.environ.get("OPEN_ORDERS_BIN", ROOT / "target" / "debug" / "examples" / "open_orders"))
    if not binary.is_file():
        pytest.fail(f"{binary} not found: build it with `cargo build --locked --example open_orders`")
    # The deployed function's name too: the default SourceIdentity and session tags, which the
    # role's trust policy pins, are derived from it.
    f = Function(str(binary), function_env(aws), name=FUNCTION_NAME)
    aws.reset_stats()
    f.start()
    yield f
    f.stop()


def expected_open_orders(aws, customer):
    orders = [i for i in aws.data("orders") if i["pk"]["S"] == customer and i.get("status", {}).get("S") in OPEN]
    return orders, sum((Decimal(i["total"]["N"]) for i in orders), Decimal(0))


def test_the_open_orders_of_a_customer_and_their_exact_total(open_orders, aws):
    for customer in ("customer#001", "customer#002", "customer#003"):
        r = open_orders.invoke({"customer": customer})
        assert r["ok"], r
        got = r["payload"]
        orders, total = expected_open_orders(aws, customer)
        assert 0 < len(orders) < 10, "the seed gives every customer open and other orders"
        assert got["customer"] == customer and got["count"] == len(orders), got
        assert sorted(o["sk"] for o in got["orders"]) == sorted(o["sk"]["S"] for o in orders)
        by_key = {o["sk"]["S"]: o for o in orders}
        for order in got["orders"]:
            assert item_mismatch(order, by_key[order["sk"]]) is None, item_mismatch(order, by_key[order["sk"]])
        # Exact: the function sums DynamoDB's decimal strings, and the payload is read as Decimal.
        assert got["total"] == total and str(got["total"]) == str(total), (got["total"], total)
    # Three warm invocations, one AssumeRole: the clients' identity cache keeps the credentials.
    stats = aws.stats()
    assert stats.get("sts:AssumeRole") == 1, stats
    assert stats.get("dynamodb:Query", 0) >= 3, stats


def test_a_customer_without_orders_and_a_bad_event(open_orders, aws):
    r = open_orders.invoke({"customer": "customer#404"})
    assert r["ok"], r
    assert r["payload"] == {"customer": "customer#404", "orders": [], "count": 0, "total": 0}
    r = open_orders.invoke({"customer": 7})
    assert r["error_type"] == "InvalidRequest" and "`customer`" in r["error_message"], r
    assert open_orders.alive()


def test_a_refused_table_names_the_role_it_read_as(open_orders, aws):
    """The role Terraform created grants `orders` but not `audit`: the library's error names the role."""
    f = Function(open_orders.binary, {**function_env(aws), "ORDERS_TABLE": "audit"}, name=FUNCTION_NAME)
    try:
        f.start()
        r = f.invoke({"customer": "customer#001"})
        assert r["error_type"] == "AccessDenied", r
        assert aws.role_arn(DEMO_ROLE) in r["error_message"] and "dynamodb:Query" in r["error_message"], r
    finally:
        f.stop()
