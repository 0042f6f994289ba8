"""Pages of lists: `limit` and an opaque `cursor` in, the items and `next_cursor` out.

A page may hold fewer items than `limit` (filters read a bounded number of stored items per
request); the list is complete only when `next_cursor` is null.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from mailgate.api.errors import BadRequest

T = TypeVar("T")

FILTER_BUDGET = 10  # underlying pages read per request when a filter runs in Python


def page(items: list[Any], next_cursor: str | None, key: str = "items") -> dict[str, Any]:
    return {key: items, "next_cursor": next_cursor}


def filtered_page(fetch: Callable[[int, str | None], tuple[list[T], str | None]], keep: Callable[[T], bool],
                  limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """Read underlying pages until `limit` kept items or the budget; the cursor resumes after the last read.

    Each underlying page asks only for what is missing, so a page is never cut and no item is skipped.
    """
    kept: list[T] = []
    for _ in range(FILTER_BUDGET):
        items, cursor = fetch(limit - len(kept), cursor)
        kept += [i for i in items if keep(i)]
        if cursor is None or len(kept) >= limit:
            break
    return kept, cursor


def check_cursor(cursor: str | None, keys: frozenset[str]) -> str | None:
    """Refuse (400) a cursor that is not a key of the expected shape before any store sees it."""
    if cursor is None:
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or set(state) != keys or not all(isinstance(v, str) for v in state.values()):
        raise BadRequest("invalid page token", field="cursor")
    return cursor


def cursor_state(cursor: str | None, keys: frozenset[str]) -> dict[str, str] | None:
    """What a cursor this API wrote says (None: the first page); 400 for any other."""
    if check_cursor(cursor, keys) is None:
        return None
    return dict(json.loads(base64.urlsafe_b64decode(str(cursor).encode())))


def encode_cursor(state: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
