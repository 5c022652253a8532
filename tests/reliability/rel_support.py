"""Helpers shared by the reliability tests (a module of its own: every suite has a conftest.py)."""


# ---- data helpers ------------------------------------------------------------------------------

def key_of(item: dict, names=("pk", "sk")) -> tuple:
    """Primary key of a response item (plain JSON) as a tuple of strings."""
    return tuple(str(item[n]) for n in names if n in item)


def table_keys(aws, table: str, names=("pk", "sk")) -> list[tuple]:
    """Primary keys of every item of `table`, read from the emulator's backend (DynamoDB JSON)."""
    return [tuple(next(iter(i[n].values())) for n in names if n in i) for i in aws.data(table)]


def follow(fn, request: dict, timeout_s: float = 30.0, max_calls: int = 500) -> list[dict]:
    """Invoke `request`, then again with each next_token, until there is none; returns the payloads.
    Every invocation must succeed."""
    pages, req = [], dict(request)
    for _ in range(max_calls):
        r = fn.invoke(req, timeout_s=timeout_s)
        assert r["ok"], r
        pages.append(r["payload"])
        token = r["payload"]["next_token"]
        if token is None:
            return pages
        req = dict(request, next_token=token)
    raise AssertionError(f"next_token still set after {max_calls} calls")


def assert_exactly_once(got: list[tuple], expected: list[tuple]):
    dupes = len(got) - len(set(got))
    assert dupes == 0, f"{dupes} items returned twice"
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    assert not missing and not extra, f"missing {sorted(missing)[:5]}..., unexpected {sorted(extra)[:5]}..."


def assert_serves(fn, aws):
    """After a fault: the same process is alive and answers a full, correct scan of `orders`."""
    assert fn.alive(), f"function exited with {fn.returncode}"
    assert_no_panic(fn)
    r = fn.invoke({"op": "scan", "table": "orders"})
    assert r["ok"], r
    assert r["payload"]["next_token"] is None
    assert_exactly_once([key_of(i) for i in r["payload"]["items"]], table_keys(aws, "orders"))


def assert_no_panic(fn):
    """A panic is caught by the runtime (the invocation fails, the process lives), so check the
    output for the panic message itself."""
    panics = [line.text for line in fn.logs if "panicked at" in line.text]
    assert not panics, panics[:3]
