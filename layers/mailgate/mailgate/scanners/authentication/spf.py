"""SPF (RFC 7208) through pyspf, with every lookup answered by our Resolver.

pyspf has no per-query DNS parameter: `spf.query.dns` calls the module global `spf.DNSLookup`.
So we install one dispatcher, once, at import; it reads the resolver of the *current* check from a
ContextVar. Concurrent checks in other threads or asyncio tasks each see their own resolver and
nothing is patched per call; pyspf used outside `check_spf` keeps its original lookup.

pyspf enforces RFC 7208 §4.6.4 itself in strict mode (the default): more than 10 DNS-querying
terms (include, a, mx, ptr, exists, redirect) and more than 2 void lookups are `permerror`.
"""

from __future__ import annotations

import ipaddress
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import spf

from mailgate.dns import DnsTempError, Resolver

log = logging.getLogger(__name__)

RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"})
QUERY_TIME_LIMIT = 20.0  # seconds for a whole check, RFC 7208 §4.6.4

_current_resolver: ContextVar[Resolver | None] = ContextVar("mailgate_spf_resolver", default=None)


@dataclass(frozen=True)
class SpfResult:
    """The SPF verdict for one SMTP transaction and the identity it was about."""

    result: str
    domain: str  # the domain whose policy decided: MAIL FROM's, or HELO's for a null sender
    identity: str  # "mailfrom" or "helo" (RFC 8601 smtp.mailfrom / smtp.helo)
    client_ip: str | None
    helo: str | None
    mail_from: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "domain": self.domain, "identity": self.identity,
                "client_ip": self.client_ip, "helo": self.helo, "mail_from": self.mail_from,
                "explanation": self.explanation}


def _dispatching_lookup(name: str, qtype: str, strict: object = True, timeout: float = 30) -> Any:
    resolver = _current_resolver.get()
    if resolver is None:
        return _ORIGINAL_LOOKUP(name, qtype, strict, timeout)
    try:
        return resolver.spf_lookup(name, qtype, strict, timeout)
    except DnsTempError as exc:
        raise spf.TempError(f"DNS {exc}") from exc


_dispatching_lookup.mailgate_dispatcher = True  # type: ignore[attr-defined]
_ORIGINAL_LOOKUP = getattr(spf.DNSLookup, "mailgate_original", spf.DNSLookup)
_dispatching_lookup.mailgate_original = _ORIGINAL_LOOKUP  # type: ignore[attr-defined]
spf.DNSLookup = _dispatching_lookup


def _identity(mail_from: str, helo: str | None) -> tuple[str, str]:
    """The identity SPF checks (RFC 7208 §2.4): MAIL FROM's domain, or HELO for a null sender. Taken from
    pyspf's own split, so the domain we report (and DMARC aligns on) is the one pyspf evaluated: a MAIL FROM
    without a local part (`<@attacker.test>`, `<attacker.test>`) is postmaster@ that domain (§4.3), never
    the HELO name, which a forger would choose to match the From domain."""
    if mail_from:
        return "mailfrom", spf.split_email(mail_from, helo or "")[1].lower().rstrip(".")
    return "helo", (helo or "").lower().rstrip(".")


def check_spf(client_ip: str | None, mail_from: str, helo: str | None, resolver: Resolver) -> SpfResult:
    """Evaluate SPF for (client IP, MAIL FROM, HELO). Never raises for anything the sender sent."""
    mail_from = (mail_from or "").strip().strip("<>")
    identity, domain = _identity(mail_from, helo)

    def result(value: str, explanation: str) -> SpfResult:
        return SpfResult(value, domain, identity, client_ip, helo, mail_from, explanation)

    if not client_ip:
        return result("none", "no client IP address: SPF not evaluated")
    try:
        ipaddress.ip_address(client_ip)
    except ValueError:
        return result("none", f"client IP {client_ip!r} is not an IP address: SPF not evaluated")
    if not domain:
        return result("none", "neither MAIL FROM nor HELO names a domain")
    if resolver.no_network:
        return result("temperror", "DNS lookups are disabled (no_network)")
    token = _current_resolver.set(resolver)
    try:
        query = spf.query(i=client_ip, s=mail_from, h=helo or "", timeout=resolver.timeout,
                          querytime=QUERY_TIME_LIMIT)
        value, _code, explanation = query.check()
    except Exception as exc:  # pyspf bug on hostile data: unknown, so neutral (temperror), never "bad"
        log.warning("pyspf failed for %s from %s: %r", domain, client_ip, exc)
        return result("temperror", f"SPF evaluation failed: {type(exc).__name__}")
    finally:
        _current_resolver.reset(token)
    value = str(value).lower()
    return result(value if value in RESULTS else "permerror", str(explanation))
