"""Writes through the function (put, update, delete, batch_write, transact_write) against the strict
emulator with the IAM Terraform applied: every result is checked against the item read back from
the emulator, never against what the test sent. `ledger` is granted Full and `customers`
ReadWriteUpdate; every test writes keys of its own (`test-writes#...`) and removes them afterwards
as the main account's operator, so the other suites see the seeded data.
"""
import base64
import uuid
from decimal import Decimal

import pytest

from oracle import item_mismatch

PREFIX = "test-writes#"
BIG = "12345678901234567890123456789012345678"        # 38 significant digits
SMALL = "-0.00000000000000000000000000000000000012345678901234567890123456789012345678"
BIN = base64.b64encode(bytes(range(256))).decode()


@pytest.fixture
def keys(aws):
    """new(table) -> a fresh key of this test's own; every one is deleted at the end."""
    made = []

    def new(table="ledger"):
        pk = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        made.append((table, pk))
        return pk

    yield new
    ddb = aws.client("dynamodb")
    for table, pk in made:
        ddb.delete_item(TableName=table, Key={"pk": {"S": pk}})


def stored(aws, table, pk):
    """The item as the emulator holds it (typed DynamoDB JSON), or None."""
    return next((i for i in aws.data(table) if i["pk"].get("S") == pk), None)


def ok(r):
    assert r["ok"], r
    return r["payload"]


def error(r, error_type):
    assert not r["ok"] and r["error_type"] == error_type, r
    return r["error_message"]


def typed_item(pk):
    return {"pk": pk, "big": {"$N": BIG}, "small": {"$N": SMALL}, "int": 7, "neg": -42.5, "exp": {"$N": "1.5E+100"},
            "bin": {"$B": BIN}, "ss": {"$SS": ["a", "b"]}, "ns": {"$NS": [BIG, "1", "-2.5"]},
            "bs": {"$BS": [BIN, "AA=="]}, "nested": {"m": {"l": [1, "x", None, True]}}, "flag": False,
            "nothing": None, "literal": {"$M": {"$N": "not a number"}}}


def test_put_writes_every_type_exactly(fn, aws, keys):
    pk = keys()
    r = ok(fn.invoke({"op": "put", "table": "ledger", "item": typed_item(pk)}))
    assert (r["items"], r["count"], r["next_token"]) == ([], 1, None)
    assert r["consumed_capacity"] and r["consumed_capacity"] > 0
    item = stored(aws, "ledger", pk)
    assert item["big"] == {"N": BIG} and Decimal(item["small"]["N"]) == Decimal(SMALL)
    assert Decimal(item["exp"]["N"]) == Decimal("1.5E+100")
    assert base64.b64decode(item["bin"]["B"]) == bytes(range(256))
    assert sorted(item["ss"]["SS"]) == ["a", "b"]
    assert sorted(map(Decimal, item["ns"]["NS"])) == sorted(map(Decimal, [BIG, "1", "-2.5"]))
    assert sorted(base64.b64decode(b) for b in item["bs"]["BS"]) == sorted([bytes(range(256)), b"\0"])
    assert item["nested"] == {"M": {"m": {"M": {"l": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}, {"BOOL": True}]}}}}}
    assert item["literal"] == {"M": {"$N": {"S": "not a number"}}}
    assert (item["flag"], item["nothing"]) == ({"BOOL": False}, {"NULL": True})
    # ...and read back through the function, the same as the emulator holds it
    (got,) = ok(fn.invoke({"op": "get", "table": "ledger", "key": {"pk": pk}}))["items"]
    assert item_mismatch(got, item) is None


def test_put_with_a_condition_passes_then_fails_naming_table_key_and_old_item(fn, aws, keys):
    pk = keys()
    put = {"op": "put", "table": "ledger", "item": {"pk": pk, "v": 1}, "condition": "attribute_not_exists(pk)"}
    ok(fn.invoke(put))
    assert stored(aws, "ledger", pk)["v"] == {"N": "1"}
    again = {**put, "item": {"pk": pk, "v": 2}, "return_values_on_condition_check_failure": "all_old"}
    message = error(fn.invoke(again), "ConditionFailed")
    assert "`ledger`" in message and f'{{"pk":"{pk}"}}' in message, message
    assert '"v":1' in message, f"the old item, as asked: {message}"
    assert stored(aws, "ledger", pk)["v"] == {"N": "1"}, "nothing written"
    # without asking, the item is not in the message
    assert '"v":1' not in error(fn.invoke({**again, "return_values_on_condition_check_failure": "none"}),
                                "ConditionFailed")


def test_put_all_old_returns_the_replaced_item(fn, aws, keys):
    pk = keys()
    ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": pk, "v": {"$N": BIG}}}))
    before = stored(aws, "ledger", pk)
    r = ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": pk, "v": 2}, "return_values": "all_old"}))
    assert item_mismatch(r["items"][0], before) is None
    assert stored(aws, "ledger", pk)["v"] == {"N": "2"}


@pytest.mark.parametrize("return_values", ["none", "all_old", "updated_old", "all_new", "updated_new"])
def test_update_returns_what_was_asked_and_writes_it(fn, aws, keys, return_values):
    pk = keys()
    ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": pk, "n": 1, "keep": "k"}}))
    before = stored(aws, "ledger", pk)
    r = ok(fn.invoke({"op": "update", "table": "ledger", "key": {"pk": pk}, "update": "SET #n = #n + :d, added = :b",
                      "names": {"#n": "n"}, "values": {":d": {"$N": BIG}, ":b": {"$B": BIN}},
                      "return_values": return_values}))
    after = stored(aws, "ledger", pk)
    # BIG + 1, every digit (Python's Decimal context would round it to 28)
    assert after["n"] == {"N": BIG[:-1] + "9"} and after["added"] == {"B": BIN}
    expected = {
        "none": None,
        "all_old": before,
        "updated_old": {"n": before["n"]},  # `added` did not exist before
        "all_new": after,
        "updated_new": {"n": after["n"], "added": after["added"]},
    }[return_values]
    if expected is None:
        assert r["items"] == []
    else:
        (got,) = r["items"]
        assert item_mismatch(got, expected) is None, (got, expected)
    assert r["count"] == 1


def test_update_condition_failure_names_the_key_and_keeps_the_item(fn, aws, keys):
    pk = keys()
    ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": pk, "state": "open"}}))
    r = fn.invoke({"op": "update", "table": "ledger", "key": {"pk": pk}, "update": "SET #s = :closed",
                   "condition": "#s = :paid", "names": {"#s": "state"}, "values": {":closed": "closed", ":paid": "paid"},
                   "return_values_on_condition_check_failure": "all_old"})
    message = error(r, "ConditionFailed")
    assert f'{{"pk":"{pk}"}}' in message and '"state":"open"' in message and "`ledger`" in message, message
    assert stored(aws, "ledger", pk)["state"] == {"S": "open"}


def test_delete_with_condition_and_all_old(fn, aws, keys):
    pk = keys()
    ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": pk, "v": 5}}))
    before = stored(aws, "ledger", pk)
    delete = {"op": "delete", "table": "ledger", "key": {"pk": pk}, "condition": "v = :v", "return_values": "all_old"}
    error(fn.invoke({**delete, "values": {":v": 6}}), "ConditionFailed")
    assert stored(aws, "ledger", pk) == before
    r = ok(fn.invoke({**delete, "values": {":v": 5}}))
    assert item_mismatch(r["items"][0], before) is None
    assert stored(aws, "ledger", pk) is None


def test_transact_write_is_all_or_nothing(fn, aws, keys):
    a, b, c = keys(), keys(), keys()
    ok(fn.invoke({"op": "batch_write", "table": "ledger", "puts": [{"pk": b, "n": 1}, {"pk": c, "state": "open"}]}))
    before = {pk: stored(aws, "ledger", pk) for pk in (a, b, c)}
    r = fn.invoke({"op": "transact_write", "table": "ledger", "actions": [
        {"put": {"item": {"pk": a, "v": 1}}},
        {"update": {"key": {"pk": b}, "update": "SET n = n + :one", "values": {":one": 1}}},
        {"condition_check": {"key": {"pk": c}, "condition": "#s = :paid", "names": {"#s": "state"},
                             "values": {":paid": "paid"}, "return_values_on_condition_check_failure": "all_old"}}]})
    message = error(r, "TransactionCanceled")
    assert "actions[0] (put on `ledger`): None" in message, message
    assert "actions[2] (condition_check on `ledger`): ConditionalCheckFailed" in message, message
    assert '"state":"open"' in message, f"the old item of the failed check: {message}"
    assert {pk: stored(aws, "ledger", pk) for pk in (a, b, c)} == before, "nothing written"
    # the same transaction with a passing check writes both
    r = ok(fn.invoke({"op": "transact_write", "table": "ledger", "actions": [
        {"put": {"item": {"pk": a, "v": 1}}},
        {"update": {"key": {"pk": b}, "update": "SET n = n + :one", "values": {":one": 1}}},
        {"condition_check": {"key": {"pk": c}, "condition": "#s = :open", "names": {"#s": "state"},
                             "values": {":open": "open"}}}]}))
    assert r["count"] == 2 and r["consumed_capacity"] > 0
    assert stored(aws, "ledger", a) == {"pk": {"S": a}, "v": {"N": "1"}}
    assert stored(aws, "ledger", b)["n"] == {"N": "2"}


def test_transact_write_with_a_token_is_written_once(fn, aws, keys):
    a, b = keys(), keys()
    ok(fn.invoke({"op": "put", "table": "ledger", "item": {"pk": a, "n": 0}}))
    token = uuid.uuid4().hex
    transaction = {"op": "transact_write", "table": "ledger", "client_request_token": token, "actions": [
        {"update": {"key": {"pk": a}, "update": "ADD n :one", "values": {":one": 1}}},
        {"put": {"item": {"pk": b, "v": "x"}}}]}
    ok(fn.invoke(transaction))
    ok(fn.invoke(transaction))
    assert stored(aws, "ledger", a)["n"] == {"N": "1"}, "the retry with the same token wrote again"
    assert stored(aws, "ledger", b) == {"pk": {"S": b}, "v": {"S": "x"}}
    other = {**transaction, "actions": transaction["actions"][:1]}
    message = error(fn.invoke(other), "DynamoDbError")
    assert "IdempotentParameterMismatch" in message, message
    # a new token is a new transaction
    ok(fn.invoke({**transaction, "client_request_token": uuid.uuid4().hex}))
    assert stored(aws, "ledger", a)["n"] == {"N": "2"}


def test_batch_write_puts_and_deletes(fn, aws, keys):
    pks = [keys() for _ in range(60)]
    r = ok(fn.invoke({"op": "batch_write", "table": "ledger",
                      "puts": [{"pk": pk, "i": i, "big": {"$N": BIG}} for i, pk in enumerate(pks)]}))
    assert r["count"] == 60 and r["consumed_capacity"] > 0
    for i, pk in enumerate(pks):
        assert stored(aws, "ledger", pk) == {"pk": {"S": pk}, "i": {"N": str(i)}, "big": {"N": BIG}}
    r = ok(fn.invoke({"op": "batch_write", "table": "ledger", "deletes": [{"pk": pk} for pk in pks[:30]],
                      "puts": [{"pk": pks[30], "i": "replaced"}]}))
    assert r["count"] == 31
    assert all(stored(aws, "ledger", pk) is None for pk in pks[:30])
    assert stored(aws, "ledger", pks[30])["i"] == {"S": "replaced"}


def test_read_write_update_table_takes_put_and_update_but_not_delete(fn, aws, keys):
    pk = keys("customers")
    ok(fn.invoke({"op": "put", "table": "customers", "item": {"pk": pk, "name": "W"}}))
    ok(fn.invoke({"op": "update", "table": "customers", "key": {"pk": pk}, "update": "SET tier = :t",
                  "values": {":t": "gold"}}))
    assert stored(aws, "customers", pk) == {"pk": {"S": pk}, "name": {"S": "W"}, "tier": {"S": "gold"}}
    message = error(fn.invoke({"op": "delete", "table": "customers", "key": {"pk": pk}}), "AccessDenied")
    assert "dynamodb:DeleteItem" in message and "`customers`" in message, message
    assert stored(aws, "customers", pk) is not None


def test_writes_are_refused_when_allow_writes_is_off(start_function, aws, keys, still_serves):
    f = start_function(ALLOW_WRITES=None)
    pk = keys()
    for event in [{"op": "put", "table": "ledger", "item": {"pk": pk}},
                  {"op": "update", "table": "ledger", "key": {"pk": pk}, "update": "SET v = :v", "values": {":v": 1}},
                  {"op": "delete", "table": "ledger", "key": {"pk": pk}},
                  {"op": "batch_write", "table": "ledger", "puts": [{"pk": pk}]},
                  {"op": "transact_write", "table": "ledger", "actions": [{"put": {"item": {"pk": pk}}}]}]:
        message = error(f.invoke(event), "WritesDisabled")
        assert "ALLOW_WRITES=true" in message and f"`{event['op']}`" in message, message
    assert stored(aws, "ledger", pk) is None
    still_serves(f)
