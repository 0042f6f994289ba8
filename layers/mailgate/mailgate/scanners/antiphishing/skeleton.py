"""Confusable skeletons (Unicode TR39 idea): two strings that look alike map to the same skeleton.

Non-ASCII characters map through the Unicode confusables table shipped by the
`confusable_homoglyphs` package (its data file, read on first need: most mail is ASCII), then
NFKD; a few ASCII look-alikes that the table keeps apart ("rn"/"m", "0"/"o", "1"/"l") follow.
Without the package, a built-in map of the Cyrillic and Greek letters most used in homograph
domains still applies, and NFKD folds accents and full-width forms.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache, lru_cache
from importlib import resources

_ASCII_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l"),
                ("5", "s"), ("3", "e"), ("4", "a"), ("8", "b"))


# Cyrillic a e o p c x y i j s d h n, Greek alpha omicron rho tau kappa iota nu: the usual suspects.
_BUILT_IN = dict(zip("\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0458\u0455\u0501\u04bb\u0578"
                     "\u03b1\u03bf\u03c1\u03c4\u03ba\u03b9\u03bd", "aeopcxyijsdhnaoptkiv", strict=True))


@cache
def _table() -> dict[str, str]:
    """Non-ASCII character → the ASCII letter it imitates, where the table has one."""
    table: dict[str, str] = dict(_BUILT_IN)
    try:
        text = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return table
    for char, entries in json.loads(text).items():
        if char.isascii():
            continue
        for entry in entries:
            glyph = entry.get("c", "")
            if len(glyph) == 1 and glyph.isascii() and glyph.isalnum():
                table[char] = glyph.lower()
                break
    return table


@lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """A lower-case ASCII-ish form of `text` in which look-alike spellings coincide."""
    text = text.lower()
    if not text.isascii():
        table = _table()
        text = "".join(table.get(c, c) for c in text)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for pair, single in _ASCII_PAIRS:
        text = text.replace(pair, single)
    return text


_MIXES_WITH_LATIN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "FULLWIDTH", "HALFWIDTH"})


def mixed_scripts(text: str) -> bool:
    """Latin letters mixed with another alphabet (Cyrillic, Greek, syllabics…) in one word: a
    homograph trick. East Asian scripts legitimately mix with Latin and do not count."""
    for word in text.split():
        if word.isascii():
            continue
        scripts = {_script(c) for c in word if c.isalpha()}
        if "LATIN" in scripts and len(scripts - _MIXES_WITH_LATIN) > 1:
            return True
    return False


def _script(char: str) -> str:
    if char.isascii():
        return "LATIN"
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance counting a swap of neighbours as one edit; gives up (returning `limit`)
    once it cannot stay below it."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:  # "exampel": one swap
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) >= limit:
            return limit
        before, previous = previous, current
    return min(previous[-1], limit)
