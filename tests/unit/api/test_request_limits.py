"""Nesting is measured outside strings, and stops early; brackets inside strings do not count."""

from __future__ import annotations

from mailgate.api.request_limits import MAX_DEPTH, nesting_depth


def test_depth_outside_strings_only() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[[[[[[[[[["}]}') == 3
    assert nesting_depth('{"a": "\\"[[[[", "b": [[]]}') == 3
    assert nesting_depth("[" * 100_000) == MAX_DEPTH + 1
