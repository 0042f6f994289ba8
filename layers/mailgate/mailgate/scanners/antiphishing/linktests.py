"""Deceptive links: text that names one site while the link goes to another, hosts that are
bare IPs, punycode or look-alikes, shorteners, redirectors and throw-away hosting."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailgate.reference import free_hosting, shorteners
from mailgate.scanners.antiphishing.brand import host_imitates, owns
from mailgate.scanners.antiphishing.data import brands, suspicious_tlds
from mailgate.scanners.antiphishing.view import MessageView
from mailgate.scanners.links.domains import in_hosts, is_ip_literal, registered_domain
from mailgate.scanners.links.unwrap import unwrap

Hit = tuple[str, str]
_DOMAIN_IN_TEXT = re.compile(r"^(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$", re.IGNORECASE)
SAFE_WRAPPERS = ("safelinks.protection.outlook.com", "urldefense.proofpoint.com", "urldefense.com")


def link_hits(view: MessageView) -> Iterator[Hit]:
    found: dict[str, str] = {}
    if mismatch := _anchor_mismatch(view):
        found["ANCHOR_HREF_MISMATCH"] = mismatch
    for link in view.clickable:
        host = link.host or ""
        checks = (
            ("LINK_IP_LITERAL", is_ip_literal(host)),
            ("LINK_PUNYCODE", "xn--" in host),
            ("LINK_SHORTENER", in_hosts(host, shorteners()) is not None),
            ("LINK_REDIRECTOR", any(not w.endswith(SAFE_WRAPPERS) for w in link.wrappers)),
            ("LINK_FREE_HOSTING", in_hosts(host, free_hosting()) is not None),
            ("LINK_SUSPICIOUS_TLD", _tld(host) in suspicious_tlds()),
        )
        for test, fired in checks:
            if fired and test not in found:
                found[test] = link.url[:200]
    if view.from_org and _tld(view.from_org) in suspicious_tlds() and "LINK_SUSPICIOUS_TLD" not in found:
        found["SENDER_SUSPICIOUS_TLD"] = view.from_address
    yield from found.items()


def _tld(host: str) -> str:
    org = registered_domain(host)
    return org.partition(".")[2]


def _anchor_mismatch(view: MessageView) -> str | None:
    """The first link whose text displays one domain while it really goes to another."""
    for found in view.message.urls:
        if found.source != "html-href" or not found.anchor_text:
            continue
        match = _DOMAIN_IN_TEXT.match(found.anchor_text.strip())
        if not match:
            continue
        shown = registered_domain(match.group(1).lower())
        dest = unwrap(found.url, found.host_ascii)
        real = registered_domain(dest.host or "")
        if "." in shown and real and shown != real and shown not in view.identity_orgs | view.href_orgs:
            if real == view.from_org and not _brand_domain(shown):
                continue  # the sender's own click-tracking host behind an ordinary domain: newsletters do this
            return f"text shows {match.group(1).lower()}, link goes to {dest.host}"
    return None


def _brand_domain(org: str) -> bool:
    """A well-known brand's domain, or one imitating it: shown as link text it is a lure whatever the link."""
    table = brands()
    label = org.partition(".")[0]
    return (any(owns(brand, org) for brand in table.brands.values()) or label in table.by_name
            or host_imitates(org) is not None)
