"""Whom the gateway may write back to. A bounce or a notification to an outside sender goes to the envelope
sender, which anyone can forge: writing to a forged one is backscatter (spam to an innocent third party,
quoting the attacker's subject and headers). So we write only to an envelope sender that SPF or DKIM
authenticates (its own domain, or one of its organisation), never to a sender on the deny list.

Pure: the authentication scanner's details in, the reason not to write (or None) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailgate.scanners.authentication.details import AuthenticationDetails


def unvouched_sender(authentication: Mapping[str, Any] | None, mail_from: str, denied: bool = False) -> str | None:
    """None when a bounce or notification may go to `mail_from`; otherwise why not, in plain words."""
    if denied:
        return "the sender is on the deny list"
    domain = mail_from.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
    if not domain:
        return "there is no envelope sender to write to"
    details = AuthenticationDetails.of(authentication)
    spf = details.spf
    if spf.result == "pass" and spf.identity == "mailfrom" and str(spf.domain).lower() == domain:
        return None
    from mailgate.scanners.authentication.dmarc import organizational_domain  # noqa: PLC0415 - the PSL, when needed

    organisation = organizational_domain(domain)
    signed = [(s.domain or "").lower() for s in details.dkim if s.result == "pass"]
    if any(d and organizational_domain(d) == organisation for d in signed):
        return None
    return (f"the envelope sender's domain {domain} is not authenticated (SPF {spf.result or 'none'}, no "
            "DKIM signature of its organisation), so it may be forged")
