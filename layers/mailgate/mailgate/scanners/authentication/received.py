"""Reconstruct an SMTP envelope from a stored message's headers, for scanning files from disk.

Heuristic (the caller decides when to trust it): Received fields are read top to bottom, i.e. from
the hop nearest to us towards the origin; the first one whose `from` clause carries a *public* IP
address gives the client IP and the HELO name. Internal hops (RFC 1918, loopback, link-local,
CGNAT, ULA) are skipped because they are our own relays, not the sender. The documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as public so that example and
test mail behaves like internet mail. Below the first public hop every field is written by the
sender and could be forged, so we never look further. MAIL FROM comes from the topmost
Return-Path (`<>` is the null sender); without one it is empty, so SPF then checks the HELO name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from mailgate.scan.envelope import Envelope
from mailgate.scanners.authentication.inputs import AuthMessage

_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in
                       ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
_FROM_CLAUSE = re.compile(r"^\s*from\s+(.*?)(?:\s+by\s|;|$)", re.IGNORECASE | re.DOTALL)
_BRACKETED = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]+)\]", re.IGNORECASE)
_PARENTHESISED = re.compile(r"\(\s*([0-9a-f:.]+)\s*\)", re.IGNORECASE)
_BARE_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_HELO = re.compile(r"\bhelo[=\s]+([^\s()\[\]]+)", re.IGNORECASE)


def is_public(ip: str) -> bool:
    """Could this address be an internet sender's? (Documentation ranges included; see above.)"""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in _DOCUMENTATION) or address.is_global


def parse_received(value: str) -> tuple[str | None, str | None]:
    """(client IP, HELO name) from one Received field's `from` clause, when it states them."""
    match = _FROM_CLAUSE.match(" ".join(value.split()))
    if not match:
        return None, None
    clause = match.group(1)
    candidates = [*_BRACKETED.findall(clause), *_PARENTHESISED.findall(clause), *_BARE_IPV4.findall(clause)]
    ip = next((c for c in candidates if _is_ip(c)), None)
    helo_match = _HELO.search(clause)
    first = clause.split()[0] if clause.split() else ""
    helo = helo_match.group(1) if helo_match else first.strip("[]()") or None
    return ip, helo


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _return_path(message: AuthMessage) -> str:
    value = message.header("Return-Path") or ""
    match = re.search(r"<([^<>]*)>", value)
    address = match.group(1) if match else value
    return address.strip()


def infer_envelope_from_headers(message: AuthMessage, recipients: Iterable[str] = ()) -> Envelope:
    """An Envelope from the topmost Received with a public client IP, and Return-Path."""
    client_ip: str | None = None
    helo: str | None = None
    for value in message.header_all("Received"):
        ip, name = parse_received(value)
        if ip and is_public(ip):
            client_ip, helo = str(ipaddress.ip_address(ip)), name
            break
    return Envelope(mail_from=_return_path(message), recipients=tuple(recipients),
                    client_ip=client_ip, helo=helo)
