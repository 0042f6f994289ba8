"""The anti-phishing tables (brands, lures, free-mail providers, organisation words), parsed once
per process into the structures the tests search: one compiled pattern per table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mailgate.reference.tables import rows, words
from mailgate.scanners.antiphishing.skeleton import skeleton

PACKAGE = "mailgate.scanners.antiphishing"


@dataclass(frozen=True)
class Brand:
    id: str
    names: tuple[str, ...]
    domains: frozenset[str]  # registered domains the brand really uses
    token: str | None  # distinctive: seeing it inside a foreign domain name is evidence


@dataclass(frozen=True)
class BrandTable:
    brands: dict[str, Brand]
    by_name: dict[str, str]  # lower-cased name → brand id
    pattern: re.Pattern[str]  # any brand name as a whole word
    tokens: tuple[tuple[str, str], ...]  # (token, brand id), longest first
    by_token: dict[str, str]  # a token's confusable skeleton → brand id
    neighbours: dict[str, tuple[str, ...]]  # skeleton and its one-deletion forms → skeletons

    def find(self, text: str) -> list[Brand]:
        seen: dict[str, Brand] = {}
        for match in self.pattern.finditer(text):
            brand_id = self.by_name.get(match.group(0).lower())
            if brand_id:
                seen.setdefault(brand_id, self.brands[brand_id])
        return list(seen.values())


@cache
def brands() -> BrandTable:
    table: dict[str, Brand] = {}
    by_name: dict[str, str] = {}
    for row in rows(PACKAGE, "brands.tsv"):
        brand_id, names_text, domains_text = row[0], row[1], row[2]
        names = tuple(n.strip() for n in names_text.split(",") if n.strip())
        token = brand_id if len(row) > 3 and row[3].strip() == "token" else None
        domains = frozenset(d.strip().lower() for d in domains_text.split(",") if d.strip())
        table[brand_id] = Brand(brand_id, names, domains, token)
        for name in names:
            by_name.setdefault(name.lower(), brand_id)
    alternatives = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.@-])(?:{alternatives})(?![\w@-]|\.\w)", re.IGNORECASE)
    tokens = tuple(sorted(((b.token, b.id) for b in table.values() if b.token), key=lambda t: -len(t[0])))
    by_token = {skeleton(token): brand_id for token, brand_id in tokens}
    neighbours: dict[str, list[str]] = {}
    for folded in by_token:
        for key in {folded, *(folded[:i] + folded[i + 1:] for i in range(len(folded)))}:
            neighbours.setdefault(key, []).append(folded)
    return BrandTable(table, by_name, pattern, tokens, by_token,
                      {key: tuple(values) for key, values in neighbours.items()})


@dataclass(frozen=True)
class LureTable:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (category, any phrase of it)


@cache
def lures() -> LureTable:
    by_category: dict[str, list[str]] = {}
    for category, phrase, *_ in rows(PACKAGE, "lures.tsv"):
        by_category.setdefault(category.strip(), []).append(phrase.strip().lower())
    patterns = tuple(
        (category, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)"))
        for category, phrases in by_category.items())
    return LureTable(patterns)


@cache
def suspicious_tlds() -> frozenset[str]:
    return words(PACKAGE, "suspicious_tlds.txt")


@cache
def organisation_words() -> re.Pattern[str]:
    entries = sorted(words(PACKAGE, "organisation_words.txt"), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(e) for e in entries) + r")(?!\w)", re.IGNORECASE)

