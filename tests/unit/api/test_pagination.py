"""Filtered pages never skip an item and never exceed the limit."""

from mailgate.api.pagination import filtered_page


def _source(items):
    def fetch(limit, cursor):
        start = int(cursor or 0)
        chunk = items[start:start + limit]
        end = start + len(chunk)
        return chunk, (str(end) if end < len(items) else None)
    return fetch


def test_filtered_pages_cover_every_matching_item_exactly_once():
    items = list(range(100))
    fetch, seen, cursor = _source(items), [], None
    while True:
        page, cursor = filtered_page(fetch, lambda i: i % 7 == 0, 4, cursor)
        assert len(page) <= 4
        seen += page
        if cursor is None:
            break
    assert seen == [i for i in items if i % 7 == 0]


def test_a_sparse_filter_answers_a_short_page_with_a_cursor_instead_of_reading_everything():
    page, cursor = filtered_page(_source(list(range(10_000))), lambda i: i == 9_999, 5, None)
    assert page == []
    assert cursor is not None
