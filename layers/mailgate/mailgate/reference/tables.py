"""The data tables shipped beside the code, read once per process.

Tables are plain text so an administrator can read and diff them: `#` starts a comment, blank
lines are skipped, columns are tab-separated.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def rows(package: str, name: str) -> tuple[tuple[str, ...], ...]:
    """Every non-comment line of `package`'s data/`name`, split on tabs."""
    return _rows(package, name)


@cache
def _rows(package: str, name: str) -> tuple[tuple[str, ...], ...]:
    text = resources.files(package).joinpath("data", name).read_text("utf-8")
    return tuple(tuple(line.split("\t")) for line in _lines(text))


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def words(package: str, name: str) -> frozenset[str]:
    """A one-column table as a set of lower-cased entries."""
    return frozenset(row[0].strip().lower() for row in _rows(package, name))
