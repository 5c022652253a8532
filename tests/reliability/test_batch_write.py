"""batch_write under injected UnprocessedItems (local/fault_proxy.py answers some BatchWriteItem
calls with every item handed back unprocessed, without forwarding them, as DynamoDB does when a
batch is throttled): the function retries them with backoff and every item ends up written exactly
once; when they stay unprocessed, the error names exactly the entries that were not written, and
those, and only those, are missing from the table.
"""
import json
import threading
from collections import Counter

from rel_support import assert_serves
from local.fault_proxy import RespondTo, Rule, unprocessed_items

TABLE = "ledger"  # granted Full


def items(prefix, n):
    """n items, each with a 38-digit number of its own."""
    return [{"pk": f"{prefix}{i:05d}", "i": i, "big": {"$N": f"9{i:05d}12345678901234567890123456789012"}}
            for i in range(n)]


def request_pks(request):
    return [w.get("PutRequest", {}).get("Item", w.get("DeleteRequest", {}).get("Key"))["pk"]["S"]
            for w in request.json.get("RequestItems", {}).get(TABLE, [])]


class EveryThird:
    """Hands back every third BatchWriteItem unprocessed, and counts each key the emulator was
    actually sent (the forwarded calls)."""

    def __init__(self):
        self.calls = 0
        self.forwarded = Counter()
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.calls += 1
            fault = self.calls % 3 == 0
            if not fault:
                self.forwarded.update(request_pks(request))
            return fault


def cleanup(aws, pks):
    ddb = aws.client("dynamodb")
    for pk in pks:
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": pk}})


def held(aws, prefix):
    return {i["pk"]["S"]: i for i in aws.data(TABLE) if i["pk"]["S"].startswith(prefix)}


def test_1200_puts_then_deletes_with_unprocessed_items_are_each_written_once(start_function, proxy, aws):
    prefix = "rel-bw#"
    puts = items(prefix, 1200)
    f = start_function(endpoint=proxy.endpoint)
    third = EveryThird()
    rule = proxy.add(Rule("dynamodb:BatchWriteItem", RespondTo(unprocessed_items), when=third))
    try:
        r = f.invoke({"op": "batch_write", "table": TABLE, "puts": puts}, timeout_s=120)
        assert r["ok"], r
        assert r["payload"]["count"] == 1200
        assert rule.applied >= 1200 // 25 // 3, "the fault must have been injected"
        assert set(third.forwarded) == {p["pk"] for p in puts}
        assert max(third.forwarded.values()) == 1, "an item was sent twice"
        table = held(aws, prefix)
        assert len(table) == 1200
        for p in puts:
            assert table[p["pk"]] == {"pk": {"S": p["pk"]}, "i": {"N": str(p["i"])}, "big": {"N": p["big"]["$N"]}}
        # the same through deletes, still faulted
        third.forwarded.clear()
        r = f.invoke({"op": "batch_write", "table": TABLE, "deletes": [{"pk": p["pk"]} for p in puts]}, timeout_s=120)
        assert r["ok"], r
        assert r["payload"]["count"] == 1200 and max(third.forwarded.values()) == 1
        assert held(aws, prefix) == {}
    finally:
        proxy.clear()
        cleanup(aws, [p["pk"] for p in puts])
    assert_serves(f, aws)


def test_items_still_unprocessed_are_named_exactly_and_nothing_else_is_missing(start_function, proxy, aws):
    prefix = "rel-bx#"
    puts = items(prefix, 60)
    f = start_function(endpoint=proxy.endpoint)
    # The second chunk (puts[25] to puts[49]) is never processed.
    proxy.add(Rule("dynamodb:BatchWriteItem", RespondTo(unprocessed_items),
                   when=lambda r: f"{prefix}00025" in request_pks(r)))
    try:
        r = f.invoke({"op": "batch_write", "table": TABLE, "puts": puts}, timeout_s=60)
        assert not r["ok"] and r["error_type"] == "BatchWriteIncomplete", r
        message = r["error_message"]
        assert "25 of 60 entries written" in message and "not written: puts[25] to puts[59]" in message, message
        assert sorted(held(aws, prefix)) == [p["pk"] for p in puts[:25]]
        assert proxy.count("dynamodb:BatchWriteItem", faulted=True) == 8, "8 attempts at the stuck chunk"
    finally:
        proxy.clear()
        cleanup(aws, [p["pk"] for p in puts])
    assert_serves(f, aws)
