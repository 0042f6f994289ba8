"""What a URL's shape alone says: tricks that hide where a link goes or what it fetches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from mailgate.reference.tables import words
from mailgate.scanners.links.domains import is_ip_literal, split_url

_PACKAGE = "mailgate.scanners.links"
LONG_URL = 1000  # characters: tracking links run to a few hundred
MANY_LABELS = 6  # host labels: "login.paypal.com.secure.account.example.net"
LONG_LABEL = 45
_DATA_URI = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*data:(?:text/html|image/svg|application/)""",
                       re.IGNORECASE)
_ESCAPES = re.compile(r"%[0-9a-fA-F]{2}")


@dataclass(frozen=True)
class Signal:
    test: str
    evidence: str


@cache
def dangerous_extensions() -> frozenset[str]:
    return words(_PACKAGE, "dangerous_extensions.txt")


def url_signals(url: str, host: str | None) -> Iterator[Signal]:
    """Structural tests for one clickable URL."""
    parts = split_url(url)
    authority = parts.authority
    if host and is_ip_literal(host):
        yield Signal("LINK_IP_LITERAL", url)
    if "@" in authority:
        yield Signal("LINK_USERINFO", url)
    if host and (host.count(".") + 1 >= MANY_LABELS or any(len(label) > LONG_LABEL for label in host.split("."))):
        yield Signal("LINK_OBFUSCATED_HOST", host)
    if len(url) > LONG_URL or len(_ESCAPES.findall(authority)) > 0:
        yield Signal("LINK_OBFUSCATED", url[:200])
    last = parts.path.rsplit("/", 1)[-1]
    if "." in last and last.rsplit(".", 1)[1].lower() in dangerous_extensions():
        yield Signal("LINK_DANGEROUS_DOWNLOAD", url)


def data_uri_signals(html: str) -> Iterator[Signal]:
    """data: URLs in links and forms render a whole page without any host to judge."""
    if "data:" not in html and "DATA:" not in html and "Data:" not in html:
        return
    match = _DATA_URI.search(html)
    if match:
        yield Signal("LINK_DATA_URI", match.group(0)[:120])
