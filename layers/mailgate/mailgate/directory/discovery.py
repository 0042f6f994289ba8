"""Which directory servers to try, in order: the configured ones, or the domain's SRV records.

SRV records order by priority (lowest first) and, within one priority, by a weighted random draw
(RFC 2782), so domain controllers share the load as the domain's DNS says. The sync tries each
endpoint in turn and moves to the next when one is unreachable.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol

from mailgate.directory.connection import Connection
from mailgate.directory.errors import SyncFailed
from mailgate.dns import DnsTempError

SrvRecord = tuple[int, int, int, str]  # priority, weight, port, target


class SrvResolver(Protocol):
    def srv(self, name: str) -> list[SrvRecord]: ...

    def a(self, name: str) -> list[str]: ...


@dataclass(frozen=True)
class Endpoint:
    host: str  # what we connect to: an address when DNS gave one
    port: int
    tls_name: str  # the name the server's certificate must carry
    source: str  # how it was found, for the sync status

    @property
    def label(self) -> str:
        return f"{self.tls_name}:{self.port}" if self.tls_name != self.host else f"{self.host}:{self.port}"


def rfc2782_order(records: list[SrvRecord], rng: random.Random | None = None) -> list[SrvRecord]:
    """Priority ascending; within a priority, a weighted draw without replacement (RFC 2782)."""
    rng = rng or random.Random()  # noqa: S311 - load spreading, not security
    ordered: list[SrvRecord] = []
    for _priority, group in groupby(sorted(records, key=lambda r: r[0]), key=lambda r: r[0]):
        pool = sorted(group, key=lambda r: r[1])  # weight-0 records first, as the RFC's draw expects
        while pool:
            total = sum(r[1] for r in pool)
            threshold = rng.uniform(0, total) if total else 0
            running = 0
            for index, record in enumerate(pool):
                running += record[1]
                if running >= threshold:
                    ordered.append(pool.pop(index))
                    break
    return ordered


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def endpoints(conn: Connection, resolver: SrvResolver | None, rng: random.Random | None = None) -> list[Endpoint]:
    """The servers to try, first choice first. Raises SyncFailed('discovery') when DNS names none."""
    if conn.servers:
        return [Endpoint(s.host, s.port or conn.default_port(), conn.tls_server_name or s.host, "configured")
                for s in conn.servers]
    if resolver is None:
        raise SyncFailed("discovery", "no servers configured and no DNS resolver to discover them")
    domain = conn.domain.rstrip(".").lower()
    try:
        records = resolver.srv(f"_ldap._tcp.{domain}") or resolver.srv(f"_ldap._tcp.dc._msdcs.{domain}")
    except DnsTempError as exc:
        raise SyncFailed("discovery", f"cannot look up the SRV records of {domain}: {exc}") from exc
    if not records:
        raise SyncFailed("discovery", f"no _ldap._tcp SRV records for {domain}: configure servers explicitly")
    found: list[Endpoint] = []
    for priority, weight, srv_port, target in rfc2782_order(records, rng):
        if target in ("", "."):
            continue  # "service decidedly not available" (RFC 2782)
        # AD publishes the LDAP port; LDAPS listens on 636 of the same controller
        port = 636 if conn.tls == "ldaps" and srv_port == 389 else srv_port
        source = f"SRV priority {priority} weight {weight}"
        name = conn.tls_server_name or target
        try:
            addresses = [target] if _is_address(target) else resolver.a(target)
        except DnsTempError:
            addresses = []
        found += [Endpoint(a, port, name, source) for a in addresses] or [Endpoint(target, port, name, source)]
    if not found:
        raise SyncFailed("discovery", f"the SRV records of {domain} name no server")
    return found
