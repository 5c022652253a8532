"""A next_token must survive the caller re-serializing its request: JSON objects are unordered, and
schedulers, SDKs and languages reorder keys freely. The function fingerprints the request to tie a
token to it; that fingerprint must not depend on key order, at the top level or inside `values`.

(The fuzz target request_parse checks the same property on arbitrary requests, but it runs the
library, not the shipped binary; serde_json's key order depends on crate features, which Cargo
unifies per build, so this checks the binary that ships.)
"""
import json

from rel_support import assert_exactly_once, key_of, table_keys


def text(pairs):
    """A JSON object with the keys in exactly the given order."""
    return "{" + ",".join(f"{json.dumps(k)}:{v if isinstance(v, str) and v[:1] in '{[' else json.dumps(v)}"
                          for k, v in pairs) + "}"


def test_a_token_works_with_the_request_keys_in_another_order(start_function, aws):
    fn = start_function()
    values = [(":c", "customer#001"), (":s", "order#0003")]
    first = text([("op", "query"), ("table", "orders"), ("key_condition", "pk = :c AND sk >= :s"),
                  ("values", text(values)), ("limit", 2)])
    r = fn.invoke(first)
    assert r["ok"], r
    got = [key_of(i) for i in r["payload"]["items"]]
    token = r["payload"]["next_token"]
    assert token and len(got) == 2
    # the same request, every object's keys reversed, limit changed (it may change between pages)
    while token:
        again = text([("next_token", token), ("limit", 3), ("values", text(values[::-1])),
                      ("key_condition", "pk = :c AND sk >= :s"), ("table", "orders"), ("op", "query")])
        r = fn.invoke(again)
        assert r["ok"], r
        got += [key_of(i) for i in r["payload"]["items"]]
        token = r["payload"]["next_token"]
    expected = [k for k in table_keys(aws, "orders") if k[0] == "customer#001" and k[1] >= "order#0003"]
    assert_exactly_once(got, expected)
    assert got == sorted(got), "a query keeps key order across pages"
