"""Reference lists more than one scanner consults (free-mail providers, URL shorteners, free hosting), kept
once in `reference/data/` so that a list is corrected in one place and a fact is not known twice."""

from __future__ import annotations

from functools import cache

from mailgate.reference.tables import words

PACKAGE = "mailgate.reference"


@cache
def freemail() -> frozenset[str]:
    return words(PACKAGE, "freemail.txt")


@cache
def shorteners() -> frozenset[str]:
    return words(PACKAGE, "shorteners.txt")


@cache
def free_hosting() -> frozenset[str]:
    return words(PACKAGE, "free_hosting.txt")
