"""Bad writes: each is refused with an error naming the field (ours) or with DynamoDB's own message
passed through (the key schema, the item size), nothing is written, and the same process serves the
next invocation.
"""
import pytest

from test_writes import stored

PK = "test-writes#bad"


def many_actions(n):
    return [{"put": {"item": {"pk": f"{PK}-{i}"}}} for i in range(n)]


FIELD_ERRORS = [
    ({"op": "put", "table": "ledger"}, "item"),
    ({"op": "put", "table": "ledger", "item": {}}, "item"),
    ({"op": "put", "table": "ledger", "key": {"pk": PK}}, "key"),
    ({"op": "update", "table": "ledger", "update": "SET v = :v", "values": {":v": 1}}, "key"),
    ({"op": "update", "table": "ledger", "key": {"pk": PK}}, "update"),
    ({"op": "delete", "table": "ledger"}, "key"),
    ({"op": "put", "table": "ledger", "item": {"pk": PK}, "return_values": "all_new"}, "return_values"),
    ({"op": "delete", "table": "ledger", "key": {"pk": PK}, "return_values": "updated_old"}, "return_values"),
    ({"op": "update", "table": "ledger", "key": {"pk": PK}, "update": "SET v = :v", "values": {":v": 1},
      "return_values": "everything"}, "return_values"),
    ({"op": "batch_write", "table": "ledger", "puts": [{"pk": PK}], "return_values": "all_old"}, "return_values"),
    ({"op": "batch_write", "table": "ledger"}, "puts"),
    ({"op": "batch_write", "table": "ledger", "puts": [{"pk": PK}, {}]}, "puts[1]"),
    ({"op": "transact_write", "table": "ledger", "actions": many_actions(101)}, "actions"),
    ({"op": "transact_write", "table": "ledger", "actions": [{"put": {"key": {"pk": PK}}}]}, "actions[0].put.key"),
    ({"op": "transact_write", "table": "ledger", "actions": [{"put": {"item": {"pk": PK}, "return_values": "all_old"}}]},
     "actions[0].put.return_values"),
    ({"op": "transact_write", "table": "ledger", "actions": many_actions(1), "client_request_token": "x" * 37},
     "client_request_token"),
]


@pytest.mark.parametrize("event, field", FIELD_ERRORS, ids=[f"{e['op']}-{f}" for e, f in FIELD_ERRORS])
def test_a_bad_write_names_its_field(fn, aws, still_serves, event, field):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    assert f"field `{field}`" in r["error_message"], r["error_message"]
    assert stored(aws, "ledger", PK) is None and stored(aws, "ledger", f"{PK}-0") is None
    still_serves(fn)


DYNAMODB_ERRORS = [
    # a key with an attribute the table's key schema does not have (pk missing / one too many)
    pytest.param({"op": "delete", "table": "ledger", "key": {"id": PK}}, "dynamodb:DeleteItem",
                 "provided key element does not match the schema", id="key-missing-attribute"),
    pytest.param({"op": "update", "table": "ledger", "key": {"pk": PK, "extra": 1}, "update": "SET v = :v",
                  "values": {":v": 1}}, "dynamodb:UpdateItem", "provided key element does not match the schema",
                 id="key-extra-attribute"),
    pytest.param({"op": "put", "table": "ledger", "item": {"pk": PK, "blob": "x" * 410_000}}, "dynamodb:PutItem",
                 "Item size has exceeded the maximum allowed size", id="item-over-400kb"),
    pytest.param({"op": "batch_write", "table": "ledger", "deletes": [{"pk": PK, "extra": 1}]},
                 "dynamodb:BatchWriteItem", "provided key element does not match the schema", id="batch-key-extra"),
]


@pytest.mark.parametrize("event, action, reason", DYNAMODB_ERRORS)
def test_dynamodbs_own_rejection_is_passed_through(fn, aws, still_serves, event, action, reason):
    r = fn.invoke(event)
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    message = r["error_message"]
    assert f"DynamoDB rejected {action} on `ledger`" in message and reason in message, message
    assert stored(aws, "ledger", PK) is None
    still_serves(fn)
