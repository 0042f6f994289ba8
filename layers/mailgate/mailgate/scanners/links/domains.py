"""Host names reduced to what owns them: the registered (organisational) domain, and suffix
matches against host lists. Cached: one message repeats the same few hosts many times."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from functools import lru_cache
from typing import NamedTuple

from mailgate.scanners.authentication.dmarc import organizational_domain


@lru_cache(maxsize=8192)
def registered_domain(host: str) -> str:
    """The public suffix plus one label ("mail.paypal.co.uk" → "paypal.co.uk"); IPs unchanged."""
    host = host.lower().rstrip(".")
    if not host or is_ip_literal(host):
        return host
    return organizational_domain(host)


@lru_cache(maxsize=8192)
def is_ip_literal(host: str) -> bool:
    """Dotted or bracketed IPv4/IPv6, and the integer/hex forms browsers also accept."""
    text = host.strip("[]")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return True
    if text.isdigit() and 7 <= len(text) <= 10:  # http://3232235777/ is 192.168.1.1
        return True
    parts = text.split(".")
    return len(parts) == 4 and all(_ip_part(p) for p in parts)


def _ip_part(part: str) -> bool:
    if part.startswith("0x"):
        return len(part) > 2 and all(c in "0123456789abcdef" for c in part[2:])
    return part.isdigit() and len(part) <= 4


def in_hosts(host: str, hosts: Collection[str]) -> str | None:
    """The entry of `hosts` that `host` is, or is a subdomain of; None when there is none."""
    labels = host.lower().rstrip(".").split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in hosts:
            return candidate
    return None


class UrlParts(NamedTuple):
    authority: str
    path: str
    query: str


def split_url(url: str) -> UrlParts:
    """authority, path and query of a normalised URL; unlike urlsplit, never raises."""
    rest = url.partition("://")[2] or url
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    authority, tail = rest[:end], rest[end:]
    tail = tail.partition("#")[0]
    path, _, query = tail.partition("?")
    return UrlParts(authority, path, query)
