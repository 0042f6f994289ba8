"""Allow and deny lists of senders: the organisation's (global) and each recipient's own (personal).

An entry is an address (`alice@example.com`), a mask (`*@news.example.com`, `billing?@example.com`), a
domain (`example.com` or `@example.com`, subdomains included) or, in global lists only, an IP network
(`192.0.2.0/24`, `2001:db8::1`). Entries match the envelope sender; networks match the connecting client.

What they do, per recipient: a deny entry (global or personal) gives Anti-Spam the Blacklisted verdict,
whatever the message scores; an allow entry skips Anti-Spam (a global list may also skip Anti-Phishing and
Mail Sender Authentication, each by an explicit switch); Anti-Virus, link scanning and Content Filtering
always run. A deny entry wins over an allow entry, and the organisation's deny over a user's allow.
An allow entry never lets a forged sender through: when the sender's domain publishes DMARC, the entry
applies only if DMARC passes, and never when SPF fails for the envelope sender.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from mailgate.rules.matching import Address, CompiledConditions, Lookup, compile_conditions, parse_ip
from mailgate.rules.table import Conditions

MAX_PERSONAL_ENTRIES = 500  # allow and deny together, per recipient
MAX_GLOBAL_ENTRIES = 50_000  # per list
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_LOCAL = re.compile(r"^[^\s@<>()\[\],;:\"\\]{1,64}$")
_MASK = re.compile(r"^[^\s<>()\[\],;:\"\\]{1,254}$")
_NO_LOOKUP = Lookup(None)


def classify(entry: str, networks: bool = True) -> tuple[str, str]:
    """(kind, normalised value) of one entry: kind is address, mask, domain or network; ValueError says why not."""
    text = entry.strip().lower()
    if not text:
        raise ValueError("an entry is empty")
    if networks and ("/" in text or ":" in text or text.replace(".", "").isdigit()):
        try:
            return "network", str(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or network: {exc}") from exc
    if "*" in text or "?" in text:
        if not _MASK.match(text):
            raise ValueError(f"{entry!r} is not a valid mask (use * and ? in an address, e.g. *@example.com)")
        return "mask", text
    local, at, domain = text.rpartition("@")
    if at and local:
        if not (_LOCAL.match(local) and _DOMAIN.match(domain)):
            raise ValueError(f"{entry!r} is not a valid e-mail address")
        return "address", text
    if _DOMAIN.match(domain):
        return "domain", domain
    kinds = "an address, a mask, a domain" + (" or an IP network" if networks else "")
    raise ValueError(f"{entry!r} is not {kinds}")


def entry_problems(entries: Iterable[str], where: str, networks: bool = True) -> list[tuple[str, str]]:
    problems = []
    for index, entry in enumerate(entries):
        try:
            classify(entry, networks)
        except ValueError as exc:
            problems.append((f"{where}[{index}]", str(exc)))
    return problems


def conditions_of(entries: Iterable[str], networks: bool = True) -> Conditions:
    """Entries as rule conditions, so lists match with the rule table's compiled matchers."""
    kinds: dict[str, list[str]] = {"address": [], "mask": [], "domain": [], "network": []}
    for entry in entries:
        try:
            kind, value = classify(entry, networks)
        except ValueError:
            continue  # validated when saved; a stored bad entry matches nothing
        kinds[kind].append(value)
    return Conditions(addresses=tuple(kinds["address"]), masks=tuple(kinds["mask"]), domains=tuple(kinds["domain"]),
                      networks=tuple(kinds["network"]), include_subdomains=True)


@dataclass(frozen=True)
class CompiledList:
    matcher: CompiledConditions
    empty: bool

    @classmethod
    def of(cls, entries: Iterable[str], networks: bool = True) -> CompiledList:
        conditions = conditions_of(entries, networks)
        return cls(compile_conditions(conditions), conditions.is_empty())

    def match(self, sender: Address, client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> str | None:
        return None if self.empty else self.matcher.match(sender, client_ip, _NO_LOOKUP)


@dataclass(frozen=True)
class CompiledLists:
    """One scope's lists compiled (the organisation's once per settings change; a user's per lookup)."""

    allow: CompiledList
    deny: CompiledList
    skips_antiphishing: bool = False
    skips_authentication: bool = False

    @classmethod
    def of(cls, allow: Iterable[str], deny: Iterable[str], networks: bool = True, skips_antiphishing: bool = False,
           skips_authentication: bool = False) -> CompiledLists:
        return cls(CompiledList.of(allow, networks), CompiledList.of(deny, networks), skips_antiphishing,
                   skips_authentication)


@dataclass(frozen=True)
class ListOutcome:
    """What the lists do for one recipient; every reason is a sentence for the decision path."""

    blacklisted: str | None = None
    skip_antispam: str | None = None
    skip_antiphishing: str | None = None
    skip_authentication: str | None = None
    notes: tuple[str, ...] = ()


NO_LISTS = ListOutcome()


def forged_reason(authentication: Mapping[str, Any] | None) -> str | None:
    """Why an allow entry must not apply (the sender is not shown to be who it says), or None."""
    details = authentication or {}
    dmarc = details.get("dmarc") or {}
    if dmarc.get("policy") and dmarc.get("result") != "pass":
        return f"the sender's domain publishes DMARC and the message did not pass it ({dmarc.get('result')})"
    spf = details.get("spf") or {}
    if spf.get("result") == "fail":
        return "SPF fails for the envelope sender"
    return None


def evaluate(global_lists: CompiledLists | None, personal: CompiledLists | None, sender: str,
             client_ip: str | None, authentication: Mapping[str, Any] | None) -> ListOutcome:
    if global_lists is None and personal is None:
        return NO_LISTS
    address, ip = Address.of(sender), parse_ip(client_ip)
    for scope, lists in (("the organisation's", global_lists), ("the recipient's personal", personal)):
        if lists is not None and (why := lists.deny.match(address, ip)):
            reason = f"sender on {scope} deny list ({why})"
            return ListOutcome(blacklisted=reason, notes=(reason,))
    notes: list[str] = []
    forged = None
    for scope, lists in (("the organisation's", global_lists), ("the recipient's personal", personal)):
        why = lists.allow.match(address, ip) if lists is not None else None
        if why is None or lists is None:
            continue
        forged = forged if forged is not None else forged_reason(authentication) or ""
        if forged:
            notes.append(f"sender on {scope} allow list ({why}) but the entry is ignored: {forged}")
            continue
        reason = f"sender on {scope} allow list ({why})"
        notes.append(reason)
        return ListOutcome(skip_antispam=reason,
                           skip_antiphishing=reason if lists.skips_antiphishing else None,
                           skip_authentication=reason if lists.skips_authentication else None,
                           notes=tuple(notes))
    return ListOutcome(notes=tuple(notes))


class PersonalLists(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One recipient's own lists: addresses, masks and domains (no networks), at most 500 entries in all."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()

    def compiled(self) -> CompiledLists:
        return CompiledLists.of(self.allow, self.deny, networks=False)


def personal_problems(lists: PersonalLists) -> list[tuple[str, str]]:
    problems = [*entry_problems(lists.allow, "allow", networks=False),
                *entry_problems(lists.deny, "deny", networks=False)]
    if len(lists.allow) + len(lists.deny) > MAX_PERSONAL_ENTRIES:
        problems.append(("", f"at most {MAX_PERSONAL_ENTRIES} entries in a user's lists "
                             f"(these have {len(lists.allow) + len(lists.deny)})"))
    return problems
