"""The benchmark item: one deterministic shape shared by the dynalite seed and the canned endpoint, so
every figure converts the same kind of item. Ten attributes of the common types (S, N with and
without a fraction, BOOL, M, L), about 250 bytes as plain JSON, like a typical order record."""
from __future__ import annotations

import json

STATUSES = ("PENDING", "SHIPPED", "DELIVERED", "CANCELLED")


def item(i: int) -> dict:
    """Item number i in DynamoDB JSON (the wire form)."""
    return {
        "pk": {"S": f"item#{i:07d}"},
        "status": {"S": STATUSES[i % 4]},
        "total": {"N": f"{(i * 37) % 10000}.{i % 100:02d}"},
        "qty": {"N": str(i % 17 + 1)},
        "title": {"S": f"Benchmark item {i}: a short product title"},
        "active": {"BOOL": i % 3 == 0},
        "created_at": {"S": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:{i % 60:02d}:00Z"},
        "customer": {"S": f"customer#{i % 997:04d}"},
        "dims": {"M": {"w": {"N": str(i % 50 + 1)}, "h": {"N": str(i % 30 + 1)}, "unit": {"S": "cm"}}},
        "tags": {"L": [{"S": "bench"}, {"S": f"group-{i % 10}"}]},
    }


def items_json(count: int, start: int = 0) -> bytes:
    """A JSON array (DynamoDB JSON) of items start .. start+count-1."""
    return json.dumps([item(i) for i in range(start, start + count)], separators=(",", ":")).encode()


def scan_body(items: bytes, count: int, last_key: str | None = None) -> bytes:
    """A complete Scan response body around a prebuilt items array; `last_key` becomes the
    LastEvaluatedKey {"pk": {"S": last_key}} (more pages follow)."""
    lek = b',"LastEvaluatedKey":' + json.dumps({"pk": {"S": last_key}}).encode() if last_key else b""
    tail = f',"Count":{count},"ScannedCount":{count},"ConsumedCapacity":{{"TableName":"canned","CapacityUnits":{count / 2}}}'
    return b'{"Items":' + items + tail.encode() + lek + b"}"


def scan_page(count: int, start: int = 0) -> bytes:
    """A complete Scan response body (no LastEvaluatedKey) holding items start .. start+count-1."""
    return scan_body(items_json(count, start), count)
