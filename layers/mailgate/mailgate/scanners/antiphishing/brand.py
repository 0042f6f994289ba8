"""Brand impersonation: a brand named where the reader looks first (display name, subject,
HTML title, opening text), or hidden inside a domain name, while the message is not the brand's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from mailgate.message.urls import normalise_host
from mailgate.reference import freemail
from mailgate.scanners.antiphishing.data import Brand, brands
from mailgate.scanners.antiphishing.skeleton import skeleton
from mailgate.scanners.antiphishing.view import MessageView, clean
from mailgate.scanners.links.domains import registered_domain

Hit = tuple[str, str]
OPENING = 400  # characters of visible text where a letterhead would name the brand


def brand_hits(view: MessageView) -> Iterator[Hit]:
    table = brands()
    name = clean(view.from_name) or (view.from_address if "@" not in view.from_address else "")
    reported: set[str] = set()
    for brand in _named_in_display_name(name):
        if _impersonated(view, brand):
            reported.add(brand.id)
            yield "BRAND_IN_DISPLAY_NAME", f"{brand.names[0]} in {name!r}, sent from {view.from_org or '?'}"
    if not view.is_list_mail and (view.has_bait or view.from_org in freemail()):
        for where, text in (("subject", view.subject), ("title", view.title), ("text", view.body[:OPENING])):
            for brand in table.find(_folded(text)):
                if brand.id not in reported and _impersonated(view, brand):
                    reported.add(brand.id)
                    test = "BRAND_IN_SUBJECT" if where == "subject" else "BRAND_IN_CONTENT"
                    yield test, f"{brand.names[0]} in the {where}, sent from {view.from_org or '?'}"
    yield from _brand_in_domain(view)


def _named_in_display_name(name: str) -> list[Brand]:
    """Brands named in a display name, also when glued to other words ("CoinbaseWallet",
    "Banco.Bradesco"): distinctive brand names count as parts of a word here."""
    table = brands()
    folded = _folded(name)
    found = table.find(re.sub(r"[._~*|+]+", " ", folded))
    squeezed = skeleton(re.sub(r"[^\w]", "", folded))
    for token, brand_id in table.tokens:
        brand = table.brands[brand_id]
        if len(token) >= 6 and brand not in found and skeleton(token) in squeezed:
            found.append(brand)
    return found


def _folded(text: str) -> str:
    return text if text.isascii() else skeleton(text)


def _impersonated(view: MessageView, brand: Brand) -> bool:
    """The brand is named but neither the sender nor every link is the brand's own."""
    if owns(brand, view.from_org):
        return False
    return not (view.link_orgs and all(owns(brand, org) for org in view.link_orgs))


def owns(brand: Brand, org: str) -> bool:
    """The brand's listed domains, and its own name under any suffix (yahoo.com.au, tesco.ie)."""
    return org in brand.domains or org.partition(".")[0] == brand.id


def _brand_in_domain(view: MessageView) -> Iterator[Hit]:
    """'paypal-secure.example' or 'arnazon.example': a brand's name or a near miss as a domain."""
    hosts = {view.from_host, *(link.host or "" for link in view.clickable)} - {""}
    for host in sorted(hosts):
        if found := host_imitates(host):
            test, brand_name = found
            yield test, f"{host} is not {brand_name}'s"
            return


@lru_cache(maxsize=8192)
def host_imitates(host: str) -> tuple[str, str] | None:
    """(test, brand) when `host` carries a distinctive brand name, or one letter off it, without
    being the brand's; cached, since the same hosts recur from message to message."""
    table = brands()
    org = registered_domain(host)
    shown = normalise_host(host)[0] or host if "xn--" in host else host  # judge what the reader sees
    core = skeleton(registered_and_below(shown))
    parts = [p for p in re.split(r"[.\-\d]", core) if p]
    candidates = [t for part in parts for t in _tokens_inside(part)]
    label = skeleton(org.partition(".")[0])
    candidates += [t for t in _one_edit_from(label) if len(t) >= MIN_LOOKALIKE and t != label]
    for folded in dict.fromkeys(candidates):
        brand = table.brands[table.by_token[folded]]
        if not _own(host, brand) and not owns(brand, org):
            test = "BRAND_IN_DOMAIN" if (brand.token or "") in host else "BRAND_LOOKALIKE_DOMAIN"
            return test, brand.names[0]
    return None


MIN_LOOKALIKE = 6  # a token shorter than this is too easily one letter from an ordinary word


def _tokens_inside(part: str) -> list[str]:
    """Tokens that are the whole part, or (long ones) its beginning or end: 'paypalsecure'."""
    by_token = brands().by_token
    found = [part] if part in by_token else []
    for size in range(MIN_LOOKALIKE, len(part)):
        found.extend(t for t in (part[:size], part[-size:]) if t in by_token)
    return found


def _one_edit_from(label: str) -> list[str]:
    """Tokens within one insertion, deletion or substitution of `label` (symmetric deletes)."""
    neighbours = brands().neighbours
    keys = {label, *(label[:i] + label[i + 1:] for i in range(len(label)))}
    return [token for key in keys for token in neighbours.get(key, ())]


def registered_and_below(host: str) -> str:
    """The host without its public suffix: 'login.paypal-verify.co.uk' → 'login.paypal-verify'."""
    org = registered_domain(host)
    suffix = org.partition(".")[2]
    return host[: -len(suffix) - 1] if suffix and host.endswith("." + suffix) else host


def _own(host: str, brand: Brand) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in brand.domains for i in range(len(labels) - 1))
