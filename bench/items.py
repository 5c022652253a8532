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


def scan_page(count: int, start: int = 0) -> bytes:
    """A complete Scan response body (no LastEvaluatedKey) holding items start .. start+count-1."""
    items = [item(i) for i in range(start, start + count)]
    return json.dumps({"Items": items, "Count": count, "ScannedCount": count,
                       "ConsumedCapacity": {"TableName": "canned", "CapacityUnits": float(count) / 2}},
                      separators=(",", ":")).encode()
