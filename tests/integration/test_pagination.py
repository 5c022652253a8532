"""Following next_token over the 5,000-item `bulk` table yields every item exactly
once: sequential pages, parallel segments inside one invocation, and segment/total_segments fan-out
across invocations (each slice followed on its own). Query pagination keeps the key order.
"""
import pytest

from oracle import admin_query, assert_same_items, follow, items_of

TABLE = "bulk"


@pytest.fixture(scope="module")
def bulk(aws):
    items = aws.data(TABLE)
    assert len(items) >= 5000
    return items


def check_pages(pages, limit):
    for p in pages:
        assert len(p["items"]) == p["count"] <= limit
    # Every page but the last was cut by `limit`, not by an early end.
    assert all(p["count"] == limit for p in pages[:-1])


@pytest.mark.slow
def test_sequential_pages(fn, bulk):
    # limit 250 with page_size 100: every page ends in the middle of a DynamoDB page.
    pages = follow(fn, {"op": "scan", "table": TABLE, "page_size": 100, "limit": 250})
    check_pages(pages, 250)
    assert len(pages) == -(-len(bulk) // 250)
    assert_same_items(items_of(pages), bulk)


@pytest.mark.slow
def test_parallel_segments(fn, bulk):
    pages = follow(fn, {"op": "scan", "table": TABLE, "page_size": 100, "segments": 4, "limit": 1200})
    check_pages(pages, 1200)
    assert len(pages) >= 5
    assert_same_items(items_of(pages), bulk)


@pytest.mark.slow
def test_segment_fan_out(fn, bulk):
    total = 4
    slices = [items_of(follow(fn, {"op": "scan", "table": TABLE, "page_size": 100, "limit": 700,
                                   "segment": i, "total_segments": total}))
              for i in range(total)]
    # The slices partition the table: together every item once, and no slice is empty.
    assert all(slices), [len(s) for s in slices]
    assert_same_items([item for s in slices for item in s], bulk)


def test_page_size_alone_reads_everything_in_one_invocation(fn, aws):
    # Without `limit` the invocation keeps requesting pages of page_size until the table ends.
    pages = follow(fn, {"op": "scan", "table": "orders", "page_size": 7})
    assert len(pages) == 1
    assert_same_items(pages[0]["items"], aws.data("orders"))


def test_query_pages_keep_key_order(fn, aws):
    request = {"op": "query", "table": "orders", "key_condition": "pk = :pk",
               "values": {":pk": "customer#003"}, "scan_forward": False}
    pages = follow(fn, dict(request, page_size=3, limit=4))
    expected = admin_query(aws, request)
    assert len(expected) > 4 and len(pages) == -(-len(expected) // 4)
    assert_same_items(items_of(pages), expected, ordered=True)


def test_count_with_filter_over_many_pages(fn, aws):
    # page_size 4 makes DynamoDB answer in 8 pages; the count adds them up.
    pages = follow(fn, {"op": "scan", "table": "orders", "select": "count", "filter": "attribute_exists(draft)",
                        "page_size": 4})
    drafts = [i for i in aws.data("orders") if "draft" in i]
    assert drafts
    assert all(p["items"] == [] for p in pages)
    assert sum(p["count"] for p in pages) == len(drafts)
    assert sum(p["scanned_count"] for p in pages) == len(aws.data("orders"))
