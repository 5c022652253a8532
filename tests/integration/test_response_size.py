"""The 6 MB cut: a response never exceeds Lambda's synchronous payload limit (the local Runtime API
enforces it like Lambda: a larger response becomes Function.ResponseSizeTooLarge). When the items
would not fit, the function stops early with a next_token, and following the tokens still yields
every item exactly once.
"""
import pytest

from local.runtime_api import MAX_RESPONSE_BYTES as LAMBDA_LIMIT
from oracle import assert_same_items, follow, items_of

SMALL_CAP = 65536   # the smallest MAX_RESPONSE_BYTES the function accepts


def follow_raw(f, request):
    sizes = []
    pages = follow(f, request, sizes=sizes)
    return pages, sizes


@pytest.mark.slow
@pytest.mark.parametrize("shape", [{}, {"segments": 4}, {"page_size": 1000}], ids=["sequential", "segments", "page_size"])
def test_lowered_cap_stops_early_and_tokens_cover_everything(start_function, aws, shape):
    f = start_function(MAX_RESPONSE_BYTES=SMALL_CAP)
    bulk = aws.data("bulk")
    pages, sizes = follow_raw(f, {"op": "scan", "table": "bulk", **shape})
    assert max(sizes) <= SMALL_CAP, sizes
    # The table does not fit in one capped response, so the cut really happened, more than once.
    assert sum(sizes) > 3 * SMALL_CAP and len(pages) > 3
    assert_same_items(items_of(pages), bulk)


@pytest.fixture
def big_items(aws):
    """~7.5 MB of items in `customers` (the demo role may read it), removed afterwards."""
    ddb = aws.client("dynamodb")
    keys = [{"pk": {"S": f"big#{i:02d}"}} for i in range(20)]
    for i, key in enumerate(keys):
        ddb.put_item(TableName="customers", Item={**key, "blob": {"S": chr(ord("a") + i) * 380_000}})
    yield keys
    for key in keys:
        ddb.delete_item(TableName="customers", Key=key)


@pytest.mark.slow
def test_default_cap_keeps_a_response_under_lambdas_limit(fn, aws, big_items):
    table = aws.data("customers")
    assert len(table) > len(big_items)
    pages, sizes = follow_raw(fn, {"op": "scan", "table": "customers"})
    # Without the cut the first response would be ~7.5 MB and the Runtime API would refuse it.
    assert len(pages) >= 2 and max(sizes) <= LAMBDA_LIMIT, sizes
    assert sizes[0] > LAMBDA_LIMIT // 2, "the first page should be filled close to the limit"
    assert_same_items(items_of(pages), table)
