"""Numbers (38 significant digits, negative, exponent forms), binary and sets come
back exactly as documented, and the same forms are accepted in `values` and `key`.

The typed items are part of the emulator seed (customers, pk "types#..."); every expectation is
read from the emulator's copy, and every number is compared as an exact decimal.
"""
import base64
from decimal import Decimal

import pytest

from oracle import assert_same_items, item_mismatch

TYPED = ["types#numbers", "types#binary", "types#sets", "types#nested", "types#scalars"]


@pytest.fixture(scope="module")
def customers(aws):
    return aws.data("customers")


def seeded(customers, pk):
    return next(i for i in customers if i["pk"]["S"] == pk)


@pytest.mark.parametrize("pk", TYPED)
def test_get_returns_every_type_exactly(fn, customers, pk):
    r = fn.invoke({"op": "get", "table": "customers", "key": {"pk": pk}})
    assert r["ok"], r
    (item,) = r["payload"]["items"]
    assert item_mismatch(item, seeded(customers, pk)) is None


def test_big_numbers_are_json_numbers_with_every_digit(fn, customers):
    r = fn.invoke({"op": "get", "table": "customers", "key": {"pk": "types#numbers"}})
    raw = r["raw"].decode()
    for name, av in seeded(customers, "types#numbers").items():
        if "N" in av:
            value = r["payload"]["items"][0][name]
            assert type(value) in (int, Decimal), (name, value)
            assert Decimal(value) == Decimal(av["N"]), name
            # In the raw JSON it is a number token, not a quoted string.
            assert f'"{name}":' in raw.replace(" ", "")
            assert f'"{name}":"' not in raw.replace(" ", ""), f"{name} came back as a string"


def test_binary_is_base64_and_sets_are_arrays(fn, customers):
    r = fn.invoke({"op": "batch_get", "table": "customers", "keys": [{"pk": "types#binary"}, {"pk": "types#sets"}]})
    items = {i["pk"]: i for i in r["payload"]["items"]}
    binary, sets = seeded(customers, "types#binary"), seeded(customers, "types#sets")
    assert base64.b64decode(items["types#binary"]["bin"]) == base64.b64decode(binary["bin"]["B"])
    assert sorted(items["types#sets"]["ss"]) == sorted(sets["ss"]["SS"])
    assert sorted(map(Decimal, items["types#sets"]["ns"])) == sorted(map(Decimal, sets["ns"]["NS"]))
    assert sorted(base64.b64decode(b) for b in items["types#sets"]["bs"]) == sorted(base64.b64decode(b) for b in sets["bs"]["BS"])


def numbers_matching(customers, attr, value):
    return [i for i in customers if "N" in i.get(attr, {}) and Decimal(i[attr]["N"]) == Decimal(value)]


@pytest.mark.parametrize("attr, literal", [
    ("big_positive", "12345678901234567890123456789012345678"),
    ("big_negative", "-98765432109876543210987654321098765432"),
    ("fraction_38", "0.12345678901234567890123456789012345678"),
    ("exp_positive", "1.5E+100"),
    ("exp_negative", "-2.5E-100"),
    ("largest", "9.9999999999999999999999999999999999999E+125"),
    ("smallest_positive", "1E-130"),
])
def test_numbers_in_values_are_exact(fn, customers, attr, literal):
    expected = numbers_matching(customers, attr, literal)
    assert expected, f"seed has no {attr} = {literal}"
    # The literal goes into the event as a bare JSON number token, as a user would write it.
    plain = '{"op": "scan", "table": "customers", "filter": "%s = :v", "values": {":v": %s}}' % (attr, literal)
    escaped = {"op": "scan", "table": "customers", "filter": f"{attr} = :v", "values": {":v": {"$N": literal}}}
    for event in (plain, escaped):
        r = fn.invoke(event)
        assert r["ok"], r
        assert_same_items(r["payload"]["items"], expected)
    # One digit off in the 38th place must match nothing (proves no rounding on the way in).
    if attr == "big_positive":
        r = fn.invoke({"op": "scan", "table": "customers", "filter": f"{attr} = :v",
                       "values": {":v": {"$N": literal[:-1] + "9"}}})
        assert r["ok"] and r["payload"]["items"] == []


def test_binary_sets_bool_null_in_values(fn, customers):
    binary = seeded(customers, "types#binary")
    r = fn.invoke({"op": "scan", "table": "customers", "filter": "bin = :b",
                   "values": {":b": {"$B": binary["bin"]["B"]}}})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], [binary])

    sets = seeded(customers, "types#sets")
    member_b = sets["bs"]["BS"][0]
    r = fn.invoke({"op": "scan", "table": "customers",
                   "filter": "contains(ss, :s) AND contains(ns, :n) AND contains(bs, :b)",
                   "values": {":s": sets["ss"]["SS"][1], ":n": {"$N": sets["ns"]["NS"][2]}, ":b": {"$B": member_b}}})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], [sets])

    r = fn.invoke({"op": "scan", "table": "customers", "filter": "ss = :ss",
                   "values": {":ss": {"$SS": list(reversed(sets["ss"]["SS"]))}}})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], [sets])

    scalars = seeded(customers, "types#scalars")
    r = fn.invoke({"op": "scan", "table": "customers", "filter": "flag_true = :t AND flag_false = :f AND #n = :null",
                   "names": {"#n": "nothing"}, "values": {":t": True, ":f": False, ":null": None}})
    assert r["ok"], r
    assert_same_items(r["payload"]["items"], [scalars])


def test_number_key_plain_and_escaped(fn, aws):
    item = next(i for i in aws.data("bulk") if i["sk"]["N"] == "4242")
    for sk in (4242, {"$N": "4242"}):
        r = fn.invoke({"op": "get", "table": "bulk", "key": {"pk": item["pk"]["S"], "sk": sk}})
        assert r["ok"], r
        assert item_mismatch(r["payload"]["items"][0], item) is None


@pytest.mark.parametrize("values, field", [
    ({":b": {"$B": "***not base64***"}}, "values"),
    ({":s": {"$SS": "not-a-list"}}, "values"),
    ({":n": {"$N": "12abc"}}, "values"),
    ({":n": {"$NS": []}}, "values"),
])
def test_bad_escapes_name_the_field(fn, values, field, still_serves):
    r = fn.invoke({"op": "scan", "table": "customers", "filter": "pk = " + next(iter(values)), "values": values})
    assert not r["ok"] and r["error_type"] == "InvalidRequest", r
    assert f"`{field}" in r["error_message"], r["error_message"]
    still_serves(fn)
