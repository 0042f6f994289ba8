"""Attachment names as Windows runs them and as people read them, with the usual tricks undone.

A name is matched in up to three forms, and a condition matches when any form does:
- as sent (lower-cased), so a pattern can look for the trick itself (a right-to-left override);
- cleaned: NFKC (full-width letters and the one-dot leader U+2024 become ASCII), bidirectional
  controls and invisible characters removed ("invoice<U+202E>gpj.exe", shown as "invoiceexe.jpg", is
  the program "invoicegpj.exe"), control characters removed, and trailing dots and spaces dropped as
  Windows drops them ("run.exe. . ");
- look-alike: the cleaned form with letters that imitate ASCII replaced (a Cyrillic U+0435 for the "e"
  of ".exe"), from the Unicode confusables table; only for names that are not ASCII.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_TRAILING = ". \t\u00a0"
_KEPT_PUNCTUATION = frozenset(".-_")


@cache
def _lookalikes() -> dict[str, str]:
    """Non-ASCII character → the ASCII letter, digit or name punctuation it imitates."""
    text = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    table: dict[str, str] = {}
    for char, entries in json.loads(text).items():
        if char.isascii():
            continue
        glyph = next((e.get("c", "") for e in entries if len(e.get("c", "")) == 1 and e["c"].isascii()), "")
        if glyph and (glyph.isalnum() or glyph in _KEPT_PUNCTUATION):
            table[char] = glyph.lower()
    return table


def clean_name(name: str) -> str:
    """The name Windows would act on, lower-cased (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name)
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    return text.strip().rstrip(_TRAILING).lower()


def lookalike_name(cleaned: str) -> str:
    if cleaned.isascii():
        return cleaned
    table = _lookalikes()
    return "".join(table.get(char, char) for char in cleaned)


@lru_cache(maxsize=4096)
def name_forms(name: str) -> tuple[str, ...]:
    """The distinct forms a name is matched in: as sent, cleaned, look-alike (in that order)."""
    sent = name.lower()
    cleaned = clean_name(name)
    forms = [sent]
    for form in (cleaned, lookalike_name(cleaned)):
        if form not in forms:
            forms.append(form)
    return tuple(forms)


def extension(name: str) -> str:
    """The last extension of the look-alike form, without the dot ("" when there is none)."""
    base = name_forms(name)[-1].rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot + 1:] if dot >= 0 else ""


def base_name(path: str) -> str:
    """The last component of an archive member's path ("docs.zip/a/b.exe" → "b.exe")."""
    return path.rstrip("/").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
