"""The indicators of one message, from its ScanReport: pure, bounded, and normalised the same way a search
normalises what an administrator types, so both meet in one index partition.

What a message yields (at most MAX_INDICATORS, in this order, so the senders and hashes are never crowded out
by links): the envelope sender and the From addresses (`sender`), their domains (`sender_domain`), each
attachment's sha256 (`sha256`), then each URL the message model found (`url`, the destination behind a
safe-link wrapper too) with its host and the host's registered domain (`domain`). The report's facts are
themselves capped (message.model: the first 100 URLs, 50 attachments, 50 From addresses), so a message with
thousands of links is indexed by its first 100.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mailgate.scan.report import ScanReport
from mailgate.scanners.links.domains import is_ip_literal, registered_domain
from mailgate.scanners.links.unwrap import unwrap

Kind = Literal["url", "domain", "sha256", "sender", "sender_domain"]
KINDS: tuple[Kind, ...] = get_args(Kind)
MAX_INDICATORS = 200  # per message: a bounded number of index writes whatever the sender put in it
MAX_URL = 2048  # characters of a normalised URL; a longer one is indexed (and searched) by its first 2048
MAX_VALUE = 320  # characters of an address or a domain
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Indicator:
    kind: Kind
    value: str

    @property
    def key(self) -> str:
        """The value's hash: a partition key of fixed length whatever the value (a 2 KB URL included)."""
        return hashlib.sha256(f"{self.kind}\0{self.value}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _printable(text: str) -> str:
    return "".join(c for c in text if c.isprintable() and not c.isspace())


def host_of(text: str) -> str:
    """A host name as the index keys it: lower case, no trailing dot, IDNA A-labels where they can be made."""
    host = _printable(text).lower().rstrip(".").strip("[]")[:MAX_VALUE]
    if not host or host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return host


def normalise_url(text: str) -> str:
    """Scheme and host in lower case (IDNA), no userinfo, no default port, no fragment, an empty path as "/";
    path and query as they are. "" for what has no host."""
    url = _printable(text)
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or not rest:
        return ""
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    authority, tail = rest[:end], rest[end:].partition("#")[0]
    hostport = authority.rpartition("@")[2]
    host, port = hostport, ""
    if not hostport.startswith("[") and hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
    elif hostport.startswith("[") and "]:" in hostport:
        host, _, port = hostport.rpartition(":")
    scheme = scheme.lower()
    if (scheme, port) in (("http", "80"), ("https", "443")):
        port = ""
    name = host_of(host)
    if not name:
        return ""
    if host.startswith("["):
        name = f"[{name}]"
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{name}{':' + port if port else ''}{tail}"[:MAX_URL]


def url_host(url: str) -> str:
    """The host of a URL `normalise_url` wrote."""
    rest = url.partition("://")[2]
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    authority = rest[:end]
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    return authority.partition(":")[0]


def normalise(kind: Kind, value: str) -> str:
    """What the index holds for `value` of this kind ("" when it is none): the same for the scan step's
    writes and an administrator's search."""
    if kind == "url":
        return normalise_url(value)
    if kind in {"domain", "sender_domain"}:
        return host_of(value.rpartition("@")[2] if kind == "sender_domain" else value)
    if kind == "sha256":
        digest = value.strip().lower()
        return digest if len(digest) == 64 and set(digest) <= _HEX else ""
    address = _printable(value).strip("<>").lower()[:MAX_VALUE]
    local, at, domain = address.rpartition("@")
    return f"{local}@{host_of(domain)}" if at and local and domain else ""


def _addresses(report: ScanReport) -> Iterator[str]:
    yield report.envelope.mail_from
    for entry in _list(report.facts.get("from")):
        if isinstance(entry, Mapping) and isinstance(entry.get("address"), str):
            yield entry["address"]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _url_indicators(facts: Mapping[str, Any]) -> Iterator[Indicator]:
    for entry in _list(facts.get("urls")):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
            continue
        raw = entry["url"]
        host = entry.get("host") if isinstance(entry.get("host"), str) else None
        seen = [raw]
        try:
            dest = unwrap(raw, host_of(host) if host else None)
        except Exception:  # a wrapper the unwrapper cannot read: the URL itself is still indexed
            dest = None
        if dest is not None and dest.url != raw:
            seen.append(dest.url)
        for url in seen:
            normal = normalise_url(url)
            if not normal:
                continue
            yield Indicator("url", normal)
            name = url_host(normal)
            if name:
                yield Indicator("domain", name)
                if not is_ip_literal(name):
                    yield Indicator("domain", registered_domain(name))


def _candidates(report: ScanReport) -> Iterator[Indicator]:
    senders = [normalise("sender", a) for a in _addresses(report) if isinstance(a, str)]
    for sender in senders:
        if sender:
            yield Indicator("sender", sender)
    for sender in senders:
        if sender:
            yield Indicator("sender_domain", sender.rpartition("@")[2])
    for attachment in _list(report.facts.get("attachments")):
        digest = attachment.get("sha256") if isinstance(attachment, Mapping) else None
        if isinstance(digest, str) and (digest := normalise("sha256", digest)):
            yield Indicator("sha256", digest)
    yield from _url_indicators(report.facts)


def bounded(found: Iterable[Indicator], limit: int = MAX_INDICATORS) -> tuple[Indicator, ...]:
    """The distinct indicators, in order, at most `limit`."""
    out: dict[Indicator, None] = {}
    for indicator in found:
        if indicator.value:
            out.setdefault(indicator)
            if len(out) >= limit:
                break
    return tuple(out)


def indicators_of(report: ScanReport, limit: int = MAX_INDICATORS) -> tuple[Indicator, ...]:
    """The message's indicators: distinct, normalised, at most `limit` (see the module's docstring)."""
    return bounded(_candidates(report), limit)
