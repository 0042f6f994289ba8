"""Well-known senders of transactional and bulk mail (retailers, carriers, banks, airlines, platforms...).

Being on this list is strong evidence of ham only together with an aligned DMARC pass for the From
domain: the scanner checks that, this module only says whether a domain belongs to such a sender. A From
domain anyone can put in a header proves nothing by itself, and a look-alike domain never matches here.

The shipped list is data (`data/known_senders.tsv`, its sources documented in the file and in
docs/known-senders.md); an organisation adds and removes domains in its anti-spam settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mailgate.scanners.authentication.dmarc import organizational_domain

KNOWN_SENDERS_PATH = Path(__file__).with_name("data") / "known_senders.tsv"

SOURCES: dict[str, str] = {
    "spamassassin-60_welcomelist_auth": "apache/spamassassin rules/60_welcomelist_auth.cf (def_welcomelist_auth)",
    "rspamd-dmarc_whitelist": "rspamd/rspamd conf/maps.d/dmarc_whitelist.inc",
    "rspamd-spf_dkim_whitelist": "rspamd/rspamd conf/maps.d/spf_dkim_whitelist.inc",
    "public-knowledge": "added by mailgate: the organisation's publicly known own domain",
}
ORGANISATION = "organisation"  # the source of a domain the organisation added in its settings
CATEGORIES: tuple[str, ...] = (
    "retail", "logistics", "finance", "travel", "mobility", "software", "platform", "social", "media",
    "government", "utility", "esp", "other",
)
_HEADER = ("domain", "category", "source")
_MAX_INPUT = 1024  # a From domain is at most 253 characters; longer input is refused before any work
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")


class KnownSenderError(ValueError):
    """The shipped list or the organisation's additions name something that is not a domain."""


@dataclass(frozen=True)
class KnownSender:
    domain: str
    category: str
    source: str  # a SOURCES key, or ORGANISATION


def normalise_domain(domain: str) -> str | None:
    """The form DMARC compares (lower case, no trailing dot, IDNA A-labels), or None for a non-domain."""
    if len(domain) > _MAX_INPUT:
        return None
    name = domain.strip().lower().rstrip(".")
    if not name.isascii():
        try:  # the same codec as the DMARC evaluation, so a Unicode From domain compares as DMARC saw it
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name if _DOMAIN.match(name) else None


def parse_known_senders(lines: Iterable[str], origin: str = KNOWN_SENDERS_PATH.name) -> tuple[KnownSender, ...]:
    """Rows of `domain<TAB>category<TAB>source` after `#` comments and the header line."""
    entries: list[KnownSender] = []
    seen: set[str] = set()
    header = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = tuple(line.split("\t"))
        if not header:
            if fields != _HEADER:
                raise KnownSenderError(f"{origin} line {number}: expected the header {'<TAB>'.join(_HEADER)}")
            header = True
            continue
        entries.append(_row(fields, seen, f"{origin} line {number}"))
    return tuple(entries)


def _row(fields: tuple[str, ...], seen: set[str], where: str) -> KnownSender:
    if len(fields) != len(_HEADER):
        raise KnownSenderError(f"{where}: expected 3 tab-separated fields, found {len(fields)}")
    domain, category, source = fields
    if normalise_domain(domain) != domain:
        raise KnownSenderError(f"{where}: {domain!r} is not a lower-case ASCII domain")
    if category not in CATEGORIES:
        raise KnownSenderError(f"{where}: unknown category {category!r}")
    if source not in SOURCES:
        raise KnownSenderError(f"{where}: unknown source {source!r}")
    if domain in seen:
        raise KnownSenderError(f"{where}: {domain} is listed twice")
    seen.add(domain)
    return KnownSender(domain, category, source)


@cache
def shipped_known_senders() -> tuple[KnownSender, ...]:
    with KNOWN_SENDERS_PATH.open(encoding="utf-8") as data:
        return parse_known_senders(data)


def _required(domain: str) -> str:
    name = normalise_domain(domain)
    if name is None:
        raise KnownSenderError(f"known_senders: {domain!r} is not a domain")
    return name


class KnownSenderList:
    def __init__(self, entries: Iterable[KnownSender]) -> None:
        self._entries: dict[str, KnownSender] = {}
        for entry in entries:
            self._entries.setdefault(_required(entry.domain), entry)

    @classmethod
    def build(cls, *, shipped: bool = True, add: Iterable[str] = (), remove: Iterable[str] = ()) -> KnownSenderList:
        """shipped list (unless shipped=False), minus `remove` (exact domains), plus `add` (source "organisation",
        category "other"). A domain added that is already shipped keeps its shipped entry; an added domain
        wins over the same domain removed. A value that is not a domain raises: a typo in the settings should
        stop the configuration loading, not silently trust nothing (or something else)."""
        removed = {_required(domain) for domain in remove}
        added = [KnownSender(_required(domain), "other", ORGANISATION) for domain in add]
        kept = [entry for entry in (shipped_known_senders() if shipped else ()) if entry.domain not in removed]
        return cls([*kept, *added])

    def match(self, from_domain: str) -> KnownSender | None:
        """The entry for from_domain or its nearest parent domain on the list (mail.amazon.com -> amazon.com);
        case-insensitive, trailing dot ignored, Unicode domains compared in IDNA form; a look-alike
        (amazon-security.com, amaz0n.com, amazon.com.evil.test) never matches; None for empty/garbage input,
        never raises. The walk stops at the organisational domain, so no entry ever stands for a public suffix."""
        name = normalise_domain(from_domain)
        if name is None:
            return None
        floor = organizational_domain(name)
        while True:
            entry = self._entries.get(name)
            if entry is not None or name == floor or "." not in name:
                return entry
            name = name.partition(".")[2]

    def __len__(self) -> int:
        return len(self._entries)
