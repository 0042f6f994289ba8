"""The link scanner: every URL the message model found, unwrapped from safe-link wrappers and
redirectors, checked against local lists and URI blocklists, and judged by its shape."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailgate.config import AntiphishingSettings
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.links.catalog import CLEAN, MALICIOUS, PHISHING, STRUCTURE_THRESHOLD, hit, verdict_of
from mailgate.scanners.links.domains import is_ip_literal, registered_domain
from mailgate.scanners.links.reputation import ListHit, UriBlocklists
from mailgate.scanners.links.sources import Reader, RefreshingList, read_file
from mailgate.scanners.links.structure import data_uri_signals, url_signals
from mailgate.scanners.links.unwrap import unwrap

if TYPE_CHECKING:
    from mailgate.dns import Resolver
    from mailgate.message.model import Message
    from mailgate.scanners.base import ScanContext

CLICKABLE = frozenset({"text", "html-text", "html-href", "html-form", "html-refresh"})
MAX_EVIDENCE = 3  # URLs named per test


@dataclass(frozen=True, slots=True)
class Link:
    """A URL as judged: the destination after unwrapping, and whether a reader can click it."""

    url: str
    host: str | None
    clickable: bool
    wrappers: tuple[str, ...]
    source: str = "html-href"


def links_of(message: Message) -> list[Link]:
    out: list[Link] = []
    for found in message.urls:
        dest = unwrap(found.url, found.host_ascii)
        out.append(Link(dest.url, dest.host, found.source in CLICKABLE, dest.wrappers, found.source))
    return out


class LinkScanner:
    """Scanner protocol: verdict `malicious_link`, `phishing_link` or `clean`, naming the URL."""

    name = "links"

    def __init__(self, settings: AntiphishingSettings | None = None, resolver: Resolver | None = None,
                 read: Reader = read_file) -> None:
        settings = settings or AntiphishingSettings()
        self.disabled = frozenset(settings.disabled_tests)
        self.lists = tuple(RefreshingList(item.path, item.verdict, read, item.refresh_seconds)
                           for item in settings.link_lists)
        self.blocklists = UriBlocklists(((b.zone, b.verdict) for b in settings.uri_blocklists), resolver)

    def scan(self, message: Message, context: ScanContext) -> ScannerResult:
        del context  # link reputation does not depend on who receives the message
        started = time.perf_counter()
        links = links_of(message)
        found: dict[str, list[str]] = {}
        errors = self._reputation(links, found)
        self._structure(message, links, found)
        lists = [source.status() for source in self.lists]
        reasons = tuple(hit(test, " ; ".join(evidence[:MAX_EVIDENCE]))
                        for test, evidence in found.items() if test not in self.disabled)
        return ScannerResult(
            scanner=self.name,
            verdict=_verdict(reasons),
            score=round(sum(c.score for c in reasons), 3),
            reasons=reasons,
            details={"urls": len(links), "dns_errors": list(errors[:5]),
                     "lists": [status for status in lists if status["error"] or not status["loaded"]]},
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _reputation(self, links: Iterable[Link], found: dict[str, list[str]]) -> tuple[str, ...]:
        domains: list[str] = []
        current = [lst for source in self.lists if (lst := source.current()) is not None]
        for link in links:
            for lst in current:
                if (listed := lst.match(link.url, link.host)) is not None:
                    found.setdefault(_list_test(listed, "LIST"), []).append(f"{link.url} ({listed.entry})")
            if link.host and not is_ip_literal(link.host):
                domains.append(registered_domain(link.host))
        answer = self.blocklists.check(domains)
        for listed in answer.hits:
            found.setdefault(_list_test(listed, "URIBL"), []).append(f"{listed.entry} in {listed.source}")
        return answer.errors

    def _structure(self, message: Message, links: Iterable[Link], found: dict[str, list[str]]) -> None:
        for link in links:
            if not link.clickable:
                continue
            for signal in url_signals(link.url, link.host):
                found.setdefault(signal.test, []).append(signal.evidence)
        for signal in data_uri_signals(message.html_body):
            found.setdefault(signal.test, []).append(signal.evidence)


def _list_test(listed: ListHit, kind: str) -> str:
    return f"LINK_{kind}_{'MALICIOUS' if listed.verdict == MALICIOUS else 'PHISHING'}"


def _verdict(reasons: tuple[Contribution, ...]) -> str:
    implied = {verdict_of(c.test) for c in reasons}
    if MALICIOUS in implied:
        return MALICIOUS
    if PHISHING in implied:
        return PHISHING
    if sum(c.score for c in reasons) >= STRUCTURE_THRESHOLD:
        return MALICIOUS if any(c.test == "LINK_DANGEROUS_DOWNLOAD" for c in reasons) else PHISHING
    return CLEAN
