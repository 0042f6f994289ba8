"""Link reputation: local list files and DNS URI blocklists (DBL/SURBL style).

List file format (UTF-8 text, one entry a line; `#` starts a comment, blank lines are skipped):

    example.net                      the domain and every host under it
    http://host.example/bad/path     any URL starting with this prefix (scheme ignored)

A list file is read once, when the scanner is built; each file names the verdict its entries
mean (`phishing_link` or `malicious_link`). A URI blocklist zone is asked for
`<registered-domain>.<zone>` (A record); an answer in 127.0.0.0/8 lists the domain, except
127.255.255.0/24, which DBL-style zones use for errors. A lookup that fails is neutral.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mailgate.dns import DnsTempError, Resolver
from mailgate.scanners.links.domains import in_hosts

MAX_DNSBL_DOMAINS = 20  # per message: bounded latency when a message links to hundreds of domains


@dataclass(frozen=True)
class ListHit:
    verdict: str  # "phishing_link" or "malicious_link"
    entry: str
    source: str  # the list file or the DNS zone


class LinkList:
    """One list file: domains (suffix match) and URL prefixes, with the verdict they mean."""

    def __init__(self, source: str, verdict: str, entries: Iterable[str]) -> None:
        self.source = source
        self.verdict = verdict
        domains: set[str] = set()
        prefixes: list[str] = []
        for raw in entries:
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            if "://" in entry:
                prefixes.append(_strip_scheme(entry))
            else:
                domains.add(entry.lower().rstrip("."))
        self.domains = frozenset(domains)
        self.prefixes = tuple(sorted(prefixes))

    @classmethod
    def load(cls, path: str, verdict: str) -> LinkList:
        return cls(path, verdict, Path(path).read_text("utf-8", "replace").splitlines())

    def match(self, url: str, host: str | None) -> ListHit | None:
        if host and (domain := in_hosts(host, self.domains)):
            return ListHit(self.verdict, domain, self.source)
        if self.prefixes:
            bare = _strip_scheme(url)
            for prefix in self.prefixes:
                if bare.startswith(prefix):
                    return ListHit(self.verdict, prefix, self.source)
        return None


def _strip_scheme(url: str) -> str:
    rest = url.partition("://")[2] or url
    host, slash, path = rest.partition("/")
    return host.lower() + slash + path


@dataclass(frozen=True)
class BlocklistAnswer:
    hits: tuple[ListHit, ...]
    errors: tuple[str, ...]  # lookups that failed: neutral, recorded


class UriBlocklists:
    """The configured DNS URI blocklist zones, asked once per registered domain per message."""

    def __init__(self, zones: Iterable[tuple[str, str]], resolver: Resolver | None) -> None:
        self.zones = tuple((zone.strip(".").lower(), verdict) for zone, verdict in zones)
        self.resolver = resolver

    @property
    def active(self) -> bool:
        return bool(self.zones) and self.resolver is not None and not self.resolver.no_network

    def check(self, domains: Iterable[str]) -> BlocklistAnswer:
        if not self.active or self.resolver is None:
            return BlocklistAnswer((), ())
        hits: list[ListHit] = []
        errors: list[str] = []
        for domain in list(dict.fromkeys(domains))[:MAX_DNSBL_DOMAINS]:
            for zone, verdict in self.zones:
                try:
                    answers = self.resolver.a(f"{domain}.{zone}")
                except DnsTempError as exc:
                    errors.append(str(exc))
                    continue
                listed = [a for a in answers if a.startswith("127.") and not a.startswith("127.255.255.")]
                if listed:
                    hits.append(ListHit(verdict, f"{domain} ({','.join(listed)})", zone))
        return BlocklistAnswer(tuple(hits), tuple(errors))
