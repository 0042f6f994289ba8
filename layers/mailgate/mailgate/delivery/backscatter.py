"""Whom the gateway may write back to. A bounce or a notification to an outside sender goes to the envelope
sender, which anyone can forge: writing to a forged one is backscatter (spam to an innocent third party,
quoting the attacker's subject and headers). So we write only to an envelope sender that SPF or DKIM
authenticates (its own domain, or one of its organisation), never to a sender on the deny list.

Pure: the authentication scanner's details in, the reason not to write (or None) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def unvouched_sender(authentication: Mapping[str, Any] | None, mail_from: str, denied: bool = False) -> str | None:
    """None when a bounce or notification may go to `mail_from`; otherwise why not, in plain words."""
    if denied:
        return "the sender is on the deny list"
    domain = mail_from.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
    if not domain:
        return "there is no envelope sender to write to"
    details = authentication or {}
    spf = details.get("spf") or {}
    if spf.get("result") == "pass" and spf.get("identity") == "mailfrom" and str(spf.get("domain")).lower() == domain:
        return None
    from mailgate.scanners.authentication.dmarc import organizational_domain  # noqa: PLC0415 - the PSL, when needed

    organisation = organizational_domain(domain)
    signed = [str(s.get("domain") or "").lower() for s in details.get("dkim") or () if s.get("result") == "pass"]
    if any(d and organizational_domain(d) == organisation for d in signed):
        return None
    return (f"the envelope sender's domain {domain} is not authenticated (SPF {spf.get('result') or 'none'}, no "
            "DKIM signature of its organisation), so it may be forged")
