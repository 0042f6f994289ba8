"""What an address, a domain, a host and a DKIM selector may look like in the settings.

Settings end up in SMTP commands, header fields and DNS names: a CR or LF in a bounce sender breaks every
reject, and one in a selector writes a header line into signatures. So each is checked as what it is.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?", re.IGNORECASE)
_LABELS = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*", re.IGNORECASE)  # "mx1", "s1.2026" too
# RFC 5321's dot-atom local part, UTF-8 allowed (RFC 6531); quoted local parts are not accepted here.
_LOCAL_PART = re.compile(r"[^\s@<>()\[\],;:\"\\\x00-\x1f\x7f.]+(?:\.[^\s@<>()\[\],;:\"\\\x00-\x1f\x7f.]+)*")


def is_domain(text: str) -> bool:
    """A fully qualified domain name (at least two labels, letters in the last)."""
    return bool(_DOMAIN.fullmatch(text.rstrip(".")))


def is_address(text: str) -> bool:
    """local@domain, as it can stand in MAIL FROM, RCPT TO and a From field without quoting."""
    local, at, domain = text.rpartition("@")
    return bool(at) and len(local) <= 64 and bool(_LOCAL_PART.fullmatch(local)) and is_domain(domain)


def is_host(text: str) -> bool:
    """A host name or an IP address, as a route's SMTP host."""
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return bool(_LABELS.fullmatch(text.rstrip(".")))
    return True


def is_selector(text: str) -> bool:
    """A DKIM selector: one or more DNS labels (RFC 6376 §3.1; looked up as <selector>._domainkey.<domain>)."""
    return bool(_LABELS.fullmatch(text))
