"""The one DNS resolver every mail-authentication lookup goes through.

SPF (pyspf), DKIM and ARC (dkimpy) and DMARC each want DNS in their own shape; routing them all
through one object gives one place for the configured servers, the timeout, the answer cache and
the `no_network` switch. A lookup that cannot be answered *now* (timeout, SERVFAIL, REFUSED,
no network) raises `DnsTempError`, which callers turn into `temperror`: a neutral input, never
evidence against the sender. A name that does not exist, or cannot exist, is simply empty.

An unreachable DNS server must not cost the full timeout on every lookup of every message (4.5 s a
message, 0.2 messages a second): after a timeout or a network error the servers count as down for
`DOWN_SECONDS` and lookups fail at once; a name whose lookup failed fails at once for `FAILED_SECONDS`;
and `message_budget` bounds the time all lookups of one message may take together.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import dns.reversename

if TYPE_CHECKING:
    from mailgate.config import DnsSettings

# pyspf's lookup hook returns ((name, qtype), value) pairs; the value's type depends on qtype.
SpfAnswer = list[tuple[tuple[str, str], Any]]

_CACHE_SIZE = 2048  # answers; a warm Lambda reuses the resolver across messages
_EDNS_PAYLOAD = 1232  # fits 2048-bit DKIM keys without a TCP retry on most paths
DOWN_SECONDS = 30.0  # after a timeout or network error, the servers are not asked again for this long
FAILED_SECONDS = 30.0  # a (name, type) that failed fails at once for this long
MESSAGE_BUDGET_SECONDS = 8.0  # all lookups of one message together
PROBE_SECONDS = 0.5  # a resolver that is up answers the root's NS from its cache
_deadline: ContextVar[float | None] = ContextVar("mailgate_dns_deadline", default=None)


@contextmanager
def message_budget(seconds: float = MESSAGE_BUDGET_SECONDS) -> Iterator[None]:
    """Lookups inside the block share `seconds`; once spent, each fails at once (temperror, never 'clean')."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


class DnsTempError(Exception):
    """A lookup could not be answered now; the result is unknown, not negative."""


class Resolver:
    """Answers A/AAAA/MX/PTR/TXT for the authentication checks, with a small shared cache.

    `servers` empty means the system resolver (/etc/resolv.conf). dnspython's `LRUCache` honours
    record TTLs and negative answers, so the repeated lookups one message triggers (SPF, DMARC,
    DKIM keys of the same domain) cost one query each.
    """

    def __init__(
        self,
        servers: Sequence[str] = (),
        port: int = 53,
        timeout: float = 2.0,
        no_network: bool = False,
    ) -> None:
        for server in servers:
            try:
                ipaddress.ip_address(server)
            except ValueError:  # a host name here is a configuration error: fail loudly at start-up
                raise ValueError(f"DNS server {server!r} must be an IP address") from None
        self.servers = tuple(servers)
        self.port = port
        self.timeout = timeout
        self.no_network = no_network
        self._unavailable: str | None = None
        self._down: tuple[float, str] | None = None  # (until, why): the servers did not answer
        self._failed: dict[tuple[str, str], tuple[float, str]] = {}  # (name, type) → (until, why)
        self._dns: dns.resolver.Resolver | None = None
        if not no_network:
            self._dns = self._build()

    @classmethod
    def from_settings(cls, settings: DnsSettings) -> Resolver:
        return cls(settings.servers, settings.port, settings.timeout_seconds, settings.no_network)

    def _build(self) -> dns.resolver.Resolver | None:
        try:
            resolver = dns.resolver.Resolver(configure=not self.servers)
        except dns.resolver.NoResolverConfiguration as exc:
            # No resolv.conf: every lookup becomes temperror instead of the process failing.
            self._unavailable = f"no DNS resolver configured: {exc}"
            return None
        if self.servers:
            resolver.nameservers = list(self.servers)
        resolver.port = self.port
        resolver.timeout = self.timeout
        resolver.lifetime = self.timeout
        resolver.cache = dns.resolver.LRUCache(_CACHE_SIZE)
        resolver.use_edns(0, 0, _EDNS_PAYLOAD)
        return resolver

    def __repr__(self) -> str:
        where = "no_network" if self.no_network else (",".join(self.servers) or "system")
        return f"Resolver({where}, port={self.port}, timeout={self.timeout})"

    # --- plain data -------------------------------------------------------------------------

    def txt(self, name: str) -> list[str]:
        """Every TXT record at `name`, each with its character-strings joined (RFC 7208 §3.3)."""
        return [b"".join(rd.strings).decode("utf-8", "replace") for rd in self._resolve(name, "TXT")]

    def a(self, name: str) -> list[str]:
        return [rd.address for rd in self._resolve(name, "A")]

    def aaaa(self, name: str) -> list[str]:
        return [rd.address for rd in self._resolve(name, "AAAA")]

    def mx(self, name: str) -> list[tuple[int, str]]:
        """(preference, exchange) pairs, lowest preference first."""
        records = self._resolve(name, "MX")
        return sorted((rd.preference, rd.exchange.to_text(omit_final_dot=True)) for rd in records)

    def srv(self, name: str) -> list[tuple[int, int, int, str]]:
        """(priority, weight, port, target) records, in the order the server gave them."""
        return [(rd.priority, rd.weight, rd.port, rd.target.to_text(omit_final_dot=True))
                for rd in self._resolve(name, "SRV")]

    def ptr(self, ip: str) -> list[str]:
        try:
            reverse = dns.reversename.from_address(ip).to_text()
        except (ValueError, dns.exception.DNSException):
            return []
        return [rd.target.to_text(omit_final_dot=True) for rd in self._resolve(reverse, "PTR")]

    # --- adapters for the libraries ---------------------------------------------------------

    def spf_lookup(
        self, name: str, qtype: str, strict: object = True, timeout: float | None = None
    ) -> SpfAnswer:
        """pyspf's `DNSLookup` contract: ((name, qtype), value) pairs; raises DnsTempError.

        Values match pyspf's own dnspython adapter: addresses as text, MX as (preference, host),
        PTR as a host name, TXT/SPF as the tuple of raw character-strings (pyspf joins them).
        """
        del strict  # pyspf passes its strictness here; it does not change how we query
        key = (name, qtype)
        out: SpfAnswer = []
        for rd in self._resolve(name, qtype, timeout):
            if qtype in ("A", "AAAA"):
                out.append((key, rd.address))
            elif qtype == "MX":
                out.append((key, (rd.preference, rd.exchange.to_text(omit_final_dot=True))))
            elif qtype == "PTR":
                out.append((key, rd.target.to_text(omit_final_dot=True)))
            elif qtype in ("TXT", "SPF"):
                out.append((key, tuple(rd.strings)))
        return out

    def dkim_dnsfunc(self, name: bytes, timeout: float = 5) -> bytes | None:
        """dkimpy's `dnsfunc` contract: b'sel._domainkey.example.test.' → first TXT record or None.

        DnsTempError deliberately propagates through dkimpy (it only catches its own errors), so
        the DKIM/ARC checks can tell "key not reachable now" from "no key".
        """
        try:
            text = name.decode("ascii")
        except UnicodeDecodeError:
            return None
        for rd in self._resolve(text, "TXT", timeout):
            return b"".join(rd.strings)
        return None

    # --- the one place that queries ---------------------------------------------------------

    def _resolve(self, name: str, qtype: str, timeout: float | None = None) -> tuple[Any, ...]:
        if self.no_network:
            raise DnsTempError("DNS lookups are disabled (no_network)")
        if self._dns is None:
            raise DnsTempError(self._unavailable or "no DNS resolver")
        try:
            qname = dns.name.from_text(name.rstrip(".") + ".")
            rdtype = dns.rdatatype.from_text(qtype)
        except (ValueError, dns.exception.DNSException):
            return ()  # not a valid DNS name (too long, empty label, bad IDN): it cannot exist
        lifetime = self._lifetime(name, qtype, timeout)
        try:
            answer = self._dns.resolve(qname, rdtype, lifetime=lifetime, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.YXDOMAIN):
            return ()
        except (dns.exception.Timeout, OSError) as exc:
            # The servers are down, or only the domain's own servers are slow (which a sender controls: that
            # must not switch DNS off for everyone's mail). A question any resolver answers at once tells.
            if isinstance(exc, OSError) or not self._servers_answer():
                self._down = (time.monotonic() + DOWN_SECONDS, f"{type(exc).__name__}: {exc}"[:200])
            else:
                self._remember_failure(name, qtype, str(exc))
            raise DnsTempError(f"{qtype} {name}: {exc}") from exc
        except dns.exception.DNSException as exc:  # SERVFAIL/REFUSED from every server: this name, for a while
            self._remember_failure(name, qtype, str(exc))
            raise DnsTempError(f"{qtype} {name}: {exc}") from exc
        return tuple(answer)

    def _remember_failure(self, name: str, qtype: str, why: str) -> None:
        self._failed[(name, qtype)] = (time.monotonic() + FAILED_SECONDS, why[:200])
        if len(self._failed) > _CACHE_SIZE:
            self._failed.pop(next(iter(self._failed)))

    def _servers_answer(self) -> bool:
        """Whether the servers answer at all: any reply to the root's NS (even REFUSED) counts."""
        assert self._dns is not None
        try:
            self._dns.resolve(dns.name.root, "NS", lifetime=PROBE_SECONDS, raise_on_no_answer=False)
        except (dns.exception.Timeout, OSError):
            return False
        except dns.resolver.NoNameservers as exc:  # every server replied with an error, or none replied
            return not any(isinstance(e[3], dns.exception.Timeout | OSError) for e in exc.kwargs.get("errors", ()))
        except dns.exception.DNSException:
            return True
        return True

    def _lifetime(self, name: str, qtype: str, timeout: float | None) -> float:
        """How long this lookup may take, or DnsTempError at once (servers down, name failed, budget spent)."""
        now = time.monotonic()
        if self._down is not None:
            if now < self._down[0]:
                raise DnsTempError(f"{qtype} {name}: the DNS servers did not answer moments ago ({self._down[1]})")
            self._down = None
        failed = self._failed.get((name, qtype))
        if failed is not None:
            if now < failed[0]:
                raise DnsTempError(f"{qtype} {name}: failed moments ago ({failed[1]})")
            del self._failed[(name, qtype)]
        lifetime = self.timeout if timeout is None else max(0.05, min(self.timeout, timeout))
        deadline = _deadline.get()
        if deadline is not None:
            if deadline - now <= 0.01:
                raise DnsTempError(f"{qtype} {name}: this message's DNS time budget is spent")
            lifetime = min(lifetime, deadline - now)
        return lifetime
