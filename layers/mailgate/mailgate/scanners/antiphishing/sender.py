"""Tests on who the message claims to be from: display names, Reply-To, free mail, cousins of
the organisation's own domains, and internal users' names used from outside."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping

from mailgate.directory.names import fold_name
from mailgate.message.limits import HEURISTIC_TEXT_LIMIT
from mailgate.reference import free_hosting, freemail
from mailgate.scanners.antiphishing.brand import owns
from mailgate.scanners.antiphishing.data import brands, organisation_words
from mailgate.scanners.antiphishing.skeleton import edit_distance, mixed_scripts, skeleton
from mailgate.scanners.antiphishing.view import MessageView, clean
from mailgate.scanners.links.domains import in_hosts, registered_domain

Hit = tuple[str, str]
_ADDRESS_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
# Mathematical bold/italic letters, circled and squared letters, small capitals and IPA letters.
_STYLED = re.compile(r"[\U0001d400-\U0001d7ff\u24b6-\u24e9\U0001f130-\U0001f189\u1d00-\u1d7f\u0250-\u02af]")
_SPACED = re.compile(r"(?<!\w)(?:\w[ .]){4,}\w(?!\w)")  # "E n t r e g a": words split to dodge filters
_DOTTED = re.compile(r"(?<![\w.])[^\W\d_]\.[^\W\d_]{3,}(?![\w.])")  # "S.eu e.spaço"
_LEET = re.compile(r"\b[A-Z]*[A-Z][0l][A-Z]+\b|\b[A-Z]+[a-z]?[A-Z]*\d[A-Z]+\b(?<!\d[A-Z])")
_TICKET = re.compile(r"\d{6,}|#\s?\d{4,}")  # "Invoice - 4028389522": a case number as a sender
_EMOJI = re.compile(r"[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55]")
_HIDDEN = re.compile(r"[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def sender_hits(view: MessageView, protected: Mapping[str, str]) -> Iterator[Hit]:
    yield from _reply_to(view)
    yield from _from_shape(view)
    yield from _freemail_org(view)
    yield from _cousins(view)
    yield from _internal_name(view, protected)


def _reply_to(view: MessageView) -> Iterator[Hit]:
    if view.is_list_mail or not view.from_org:
        return
    others = sorted(org for org in view.reply_orgs if org != view.from_org and org not in view.link_orgs)
    if not others:
        return
    if any(org in freemail() for org in others) and view.from_org not in freemail():
        yield "REPLY_TO_FREEMAIL", f"From {view.from_org}, Reply-To {', '.join(others)}"
    else:
        yield "REPLY_TO_DIFFERS", f"From {view.from_org}, Reply-To {', '.join(others)}"


def _from_shape(view: MessageView) -> Iterator[Hit]:
    name, address = view.from_name, view.from_address
    if _HIDDEN.search(name) or _HIDDEN.search(view.message.subject[:2 * HEURISTIC_TEXT_LIMIT]) \
            or mixed_scripts(name + " " + view.subject):
        yield "HIDDEN_CHARACTERS", f"From name {name!r}, Subject {view.message.subject[:80]!r}"
    first = view.message.from_addresses[0][1].lower() if view.message.from_addresses else ""
    if not view.from_valid and first not in view.recipients:
        yield "FROM_NOT_AN_ADDRESS", f"From {first!r}" if first else "no From address"
    if any(_obfuscated(text) for text in (name, view.subject)):
        yield "OBFUSCATED_TEXT", f"From name {name!r}, Subject {view.message.subject[:80]!r}"
    if _TICKET.search(name):
        yield "DISPLAY_NAME_TICKET_NUMBER", f"From name {name!r}"
    if _EMOJI.search(name):
        yield "EMOJI_IN_DISPLAY_NAME", f"From name {name!r}"
    local = address.partition("@")[0]
    if local.isalpha() and len(local) >= 8 and _case_switches(local) >= 5:
        yield "FROM_RANDOM_LOCAL_PART", address
    if view.from_host and in_hosts(view.from_host, free_hosting()):
        yield "SENDER_FREE_HOSTING", view.from_address
    match = _ADDRESS_IN_NAME.search(name)
    if match and view.from_org and registered_domain(match.group(1).lower()) != view.from_org:
        yield "DISPLAY_NAME_OTHER_ADDRESS", f"name shows {match.group(0)!r}, sent from {address}"


def _obfuscated(text: str) -> bool:
    """Filter-dodging spellings: styled letters, s p a c e d or d.otted words, l33t in capitals."""
    return bool(_STYLED.search(text) or _SPACED.search(text) or len(_DOTTED.findall(text)) >= 2
                or _LEET.search(text))


def _case_switches(word: str) -> int:
    return sum(1 for a, b in itertools.pairwise(word) if a.isupper() != b.isupper())


def _freemail_org(view: MessageView) -> Iterator[Hit]:
    if view.from_org not in freemail():
        return
    name = clean(view.from_name)
    named = brands().find(name)
    if any(owns(brand, view.from_org) for brand in named):
        return
    if named or organisation_words().search(name):
        yield "FREEMAIL_POSING_AS_ORGANISATION", f"{name!r} <{view.from_address}>"


def _cousins(view: MessageView) -> Iterator[Hit]:
    """Sender or link domains one typo or one look-alike character from an accepted domain."""
    if not view.accepted:
        return
    own = {registered_domain(d) for d in view.accepted}
    candidates = {view.from_org, *view.reply_orgs, *view.link_orgs} - own - {""}
    for domain in sorted(candidates):
        for accepted in own:
            if is_cousin(domain, accepted):
                yield "COUSIN_DOMAIN", f"{domain} imitates {accepted}"
                return


def is_cousin(domain: str, accepted: str) -> bool:
    label, _, _ = domain.partition(".")
    own_label, _, _ = accepted.partition(".")
    if len(own_label) < 4 or domain == accepted:
        return False
    if label == own_label:  # the same name under another suffix is often the same owner
        return False
    if skeleton(label) == skeleton(own_label):
        return True
    allowed = 1 if len(own_label) < 9 else 2
    return edit_distance(label, own_label, allowed + 1) <= allowed or (
        own_label in label and label != own_label and ("-" in label or len(label) - len(own_label) <= 6))


def _internal_name(view: MessageView, protected: Mapping[str, str]) -> Iterator[Hit]:
    """`protected`: folded display name → the account it belongs to (see mailgate.directory.names)."""
    if not protected or not view.from_name:
        return
    own = {registered_domain(d) for d in view.accepted}
    if view.from_org in own:
        return
    account = protected.get(fold_name(view.from_name))
    if account:
        yield "INTERNAL_NAME_FROM_OUTSIDE", f"{view.from_name!r} <{view.from_address}> uses the name of {account}"
