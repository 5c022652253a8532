"""The comparison helpers must reject what the contract forbids, or every test built on them is void."""
from decimal import Decimal

from oracle import assert_same_items, item_mismatch, mismatch

import pytest

BIG = "12345678901234567890123456789012345678"


@pytest.mark.parametrize("actual, av", [
    (float(BIG), {"N": BIG}),                        # through f64: digits lost
    (BIG, {"N": BIG}),                               # number returned as a string
    (1, {"BOOL": True}),                             # True == 1 in Python, not in JSON
    (True, {"N": "1"}),
    ("AAE=", {"B": "AAI="}),                         # other bytes
    ("not base64!", {"B": "AAI="}),
    (["a"], {"SS": ["a", "b"]}),                     # set member missing
    (["a", "a"], {"SS": ["a", "b"]}),                # duplicate instead of member
    ([1, 2], {"L": [{"N": "2"}, {"N": "1"}]}),       # list order matters
    ({"a": 1}, {"M": {"a": {"N": "1"}, "b": {"N": "2"}}}),
    ("", {"NULL": True}),
])
def test_mismatch_rejects(actual, av):
    assert mismatch(actual, av) is not None


@pytest.mark.parametrize("actual, av", [
    (int(BIG), {"N": BIG}),
    (Decimal("1.5E+100"), {"N": "1.5E+100"}),
    (Decimal("15E+99"), {"N": "1.5E+100"}),          # same value, other spelling
    ("AAI=", {"B": "AAI="}),
    ("AAI=", {"B": b"\x00\x02"}),
    (["b", "a"], {"SS": ["a", "b"]}),                # sets are unordered
    ([2, Decimal("-0.5")], {"NS": ["-0.5", "2"]}),
    ({"x": [None, False]}, {"M": {"x": {"L": [{"NULL": True}, {"BOOL": False}]}}}),
])
def test_mismatch_accepts(actual, av):
    assert mismatch(actual, av) is None


def test_same_items_catches_duplicates_and_gaps():
    expected = [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]
    with pytest.raises(AssertionError):
        assert_same_items([{"pk": "a"}, {"pk": "a"}, {"pk": "b"}], expected)
    with pytest.raises(AssertionError):
        assert_same_items([{"pk": "a"}], expected)
    with pytest.raises(AssertionError):
        assert_same_items([{"pk": "b"}, {"pk": "a"}], expected, ordered=True)
    assert_same_items([{"pk": "b"}, {"pk": "a"}], expected)
    assert item_mismatch({"pk": "a", "extra": 1}, expected[0]) is not None
