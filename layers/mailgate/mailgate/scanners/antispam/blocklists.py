"""DNS blocklists: the client IP against `ip` zones, link domains against `domain` zones.

Every lookup goes through the one `Resolver`. A lookup that fails (timeout, SERVFAIL, no network)
is neutral: it adds nothing and is recorded as unanswered, never as a hit. With `no_network` no
query is sent at all. Only 127.0.0.0/8 answers count, and the lists' own error codes
(127.255.255.x for "query refused/over quota", 127.0.0.1 for "access denied") are neutral too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from mailgate.config import BlocklistZone
from mailgate.dns import DnsTempError, Resolver


@dataclass(frozen=True)
class BlocklistHit:
    zone: BlocklistZone
    subject: str  # the IP or domain that is listed
    answer: str  # the 127.x.y.z return code (which list inside the zone)


@dataclass(frozen=True)
class BlocklistOutcome:
    hits: tuple[BlocklistHit, ...] = ()
    unanswered: tuple[str, ...] = ()  # queries that failed: neutral, kept for the record
    queried: int = 0


def reversed_ip(ip: str) -> str | None:
    """1.2.3.4 → 4.3.2.1; IPv6 as 32 reversed nibbles; None for anything that is not an address."""
    try:
        address = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return None
    if address.version == 4:
        return ".".join(reversed(str(address).split(".")))
    return ".".join(reversed(address.exploded.replace(":", "")))


def _listed(answer: str) -> bool:
    if not answer.startswith("127.") or answer == "127.0.0.1":
        return False
    return not answer.startswith("127.255.255.")


def check_blocklists(
    resolver: Resolver,
    zones: Iterable[BlocklistZone],
    client_ip: str | None,
    domains: Iterable[str],
    max_domains: int,
) -> BlocklistOutcome:
    if resolver.no_network:
        return BlocklistOutcome()
    queries: list[tuple[BlocklistZone, str, str]] = []
    domain_list = list(dict.fromkeys(d.lower().rstrip(".") for d in domains if d))[:max_domains]
    for zone in zones:
        if zone.kind == "ip":
            reverse = reversed_ip(client_ip) if client_ip else None
            if reverse:
                queries.append((zone, client_ip or "", f"{reverse}.{zone.zone}"))
        else:
            queries.extend((zone, domain, f"{domain}.{zone.zone}") for domain in domain_list)
    hits: list[BlocklistHit] = []
    unanswered: list[str] = []
    for zone, subject, name in queries:
        try:
            answers = resolver.a(name)
        except DnsTempError as exc:
            unanswered.append(f"{name}: {exc}")
            continue
        listed = [a for a in answers if _listed(a)]
        if listed:
            hits.append(BlocklistHit(zone, subject, listed[0]))
    return BlocklistOutcome(tuple(hits), tuple(unanswered), len(queries))
