"""Expected results, derived from the emulator's own data, and strict comparison with the function's output.

The function returns plain JSON; DynamoDB (and the emulator) speak typed DynamoDB JSON. Comparing
the two goes through `mismatch(actual_plain, expected_av)`, which is strict about types: a number
must come back as a JSON number with the same exact value (never a string, never rounded), a
boolean as a boolean (Python's True == 1 must not pass), binary as base64 of the same bytes, a set
as an array holding exactly the set's members. The expected side is always typed DynamoDB JSON read
from the emulator, never written by hand.
"""
from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
# The local deployment's cross-account role, named by terraform/modules/conventions/naming.json.
from local.testing import DEMO_ROLE  # noqa: E402,F401


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(), parse_float=Decimal)


def _bytes(value) -> bytes:
    # boto3 gives bytes; LocalAws.data() gives base64 text.
    return value if isinstance(value, (bytes, bytearray)) else base64.b64decode(value)


def _is_number(v) -> bool:
    return type(v) in (int, Decimal)


def mismatch(actual, av: dict, path: str = "$") -> str | None:
    """None when `actual` (plain JSON) is exactly the DynamoDB value `av`; else where and why not."""
    (kind, value), = av.items()
    if kind == "S":
        ok = isinstance(actual, str) and actual == value
    elif kind == "N":
        ok = _is_number(actual) and Decimal(actual) == Decimal(value)
    elif kind == "BOOL":
        ok = type(actual) is bool and actual == value
    elif kind == "NULL":
        ok = actual is None
    elif kind == "B":
        ok = isinstance(actual, str) and _b64(actual) == _bytes(value)
    elif kind in ("SS", "NS", "BS"):
        if not isinstance(actual, list) or len(actual) != len(value):
            return f"{path}: expected a {kind} of {len(value)} members, got {actual!r}"
        if kind == "SS":
            ok = all(isinstance(a, str) for a in actual) and set(actual) == set(value)
        elif kind == "NS":
            ok = all(_is_number(a) for a in actual) and {Decimal(a) for a in actual} == {Decimal(v) for v in value}
        else:
            ok = all(isinstance(a, str) for a in actual) and {_b64(a) for a in actual} == {_bytes(v) for v in value}
    elif kind == "L":
        if not isinstance(actual, list) or len(actual) != len(value):
            return f"{path}: expected a list of {len(value)}, got {actual!r}"
        for i, (a, e) in enumerate(zip(actual, value)):
            if (m := mismatch(a, e, f"{path}[{i}]")):
                return m
        return None
    elif kind == "M":
        return item_mismatch(actual, value, path)
    else:
        return f"{path}: unknown DynamoDB type {kind}"
    return None if ok else f"{path}: expected {kind} {value!r}, got {actual!r} ({type(actual).__name__})"


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


def item_mismatch(actual, item: dict, path: str = "$") -> str | None:
    if not isinstance(actual, dict):
        return f"{path}: expected a map, got {actual!r}"
    if set(actual) != set(item):
        return f"{path}: attributes {sorted(actual)} != expected {sorted(item)}"
    for name, av in item.items():
        if (m := mismatch(actual[name], av, f"{path}.{name}")):
            return m
    return None


def key_of(item: dict, key_names=("pk", "sk")) -> tuple:
    """Primary key of an item, plain or typed: typed values are reduced to their plain value."""
    out = []
    for k in key_names:
        if k in item:
            v = item[k]
            if isinstance(v, dict):
                (kind, v), = v.items()
                v = Decimal(v) if kind == "N" else v
            out.append(Decimal(v) if _is_number(v) else v)
    return tuple(out)


def assert_same_items(actual: list, expected: list, ordered: bool = False):
    """Every expected item exactly once (or in this order), each attribute exact."""
    if ordered:
        assert [key_of(a) for a in actual] == [key_of(e) for e in expected]
    keys = [key_of(a) for a in actual]
    assert len(keys) == len(set(keys)), f"duplicate items: {len(keys) - len(set(keys))}"
    by_key = {key_of(e): e for e in expected}
    missing = set(by_key) - set(keys)
    extra = set(keys) - set(by_key)
    assert not missing and not extra, f"missing {sorted(missing)[:5]} (+{len(missing)}), extra {sorted(extra)[:5]}"
    for a in actual:
        if (m := item_mismatch(a, by_key[key_of(a)])):
            raise AssertionError(m)


def to_av(value) -> dict:
    """Plain JSON (as used in a request's `values` / `key`) to typed DynamoDB JSON, for boto3 calls."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, Decimal)):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [to_av(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: to_av(v) for k, v in value.items()}}
    raise TypeError(f"no DynamoDB type for {value!r}")


def to_key(plain: dict) -> dict:
    return {k: to_av(v) for k, v in plain.items()}


def follow(fn, request: dict, max_pages: int = 10_000, sizes: list | None = None) -> list[dict]:
    """Invoke `request`, then follow next_token until null; return every page's payload (and
    append each response's size in bytes to `sizes` when given)."""
    pages = []
    token = None
    while True:
        r = fn.invoke(dict(request, next_token=token) if token else request)
        assert r["ok"], f"page {len(pages)}: {r.get('error_type')}: {r.get('error_message')}"
        pages.append(r["payload"])
        if sizes is not None:
            sizes.append(len(r["raw"]))
        token = r["payload"]["next_token"]
        if token is None:
            return pages
        assert len(pages) < max_pages, "next_token never became null"


def items_of(pages: list[dict]) -> list[dict]:
    return [item for p in pages for item in p["items"]]


def admin_query(aws, request: dict) -> list[dict]:
    """The emulator's own answer to a query request (as the main-account admin, all pages)."""
    params = {"TableName": request["table"], "KeyConditionExpression": request["key_condition"]}
    if request.get("index"):
        params["IndexName"] = request["index"]
    if request.get("names"):
        params["ExpressionAttributeNames"] = request["names"]
    if request.get("values"):
        params["ExpressionAttributeValues"] = {k: to_av(v) for k, v in request["values"].items()}
    if request.get("filter"):
        params["FilterExpression"] = request["filter"]
    if request.get("projection"):
        params["ProjectionExpression"] = request["projection"]
    if "scan_forward" in request:
        params["ScanIndexForward"] = request["scan_forward"]
    ddb = aws.client("dynamodb")
    items, start = [], None
    while True:
        page = ddb.query(**params, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items
