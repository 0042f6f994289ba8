"""Allow and deny lists of senders: the organisation's (global) and each recipient's own (personal).

An entry is an address (`alice@example.com`), a mask (`*@news.example.com`, `billing?@example.com`), a
domain (`example.com` or `@example.com`, subdomains included) or, in global lists only, an IP network
(`192.0.2.0/24`, `2001:db8::1`). Entries match the envelope sender (not the From header: what an allow
entry trusts must be what SPF/DMARC vouch for); networks match the connecting client. In the organisation's
lists an entry may be `{"entry", "comment", "subdomains"}`: the comment is shown in the decision path, and
`"subdomains": false` limits a domain entry to the domain itself.

What they do, per recipient: a deny entry (global or personal) gives Anti-Spam the Blacklisted verdict,
whatever the message scores; an allow entry skips Anti-Spam (a global list may also skip Anti-Phishing and
Mail Sender Authentication, each by an explicit switch); Anti-Virus, link scanning and Content Filtering
always run. A deny entry wins over an allow entry, and the organisation's deny over a user's allow.
An allow entry never lets a forged sender through: when the sender's domain publishes DMARC, the entry
applies only if DMARC passes, and never when SPF fails for the envelope sender (see `forged_reason`).
Lists apply only under rules in scan mode (the engine ignores them otherwise).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from mailgate.config import ListEntry
from mailgate.rules.matching import Address, CompiledConditions, Lookup, compile_conditions, parse_ip
from mailgate.rules.table import Conditions
from mailgate.scanners.authentication.details import AuthenticationDetails

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


def _parts(item: object) -> tuple[str, str, bool | None]:
    """(entry, comment, subdomains) of a plain string, a ListEntry or its JSON object; subdomains None: unsaid."""
    if isinstance(item, ListEntry):
        return item.entry, item.comment, item.subdomains
    if isinstance(item, Mapping):
        subdomains = item.get("subdomains")
        return str(item.get("entry") or ""), str(item.get("comment") or ""), \
            subdomains if isinstance(subdomains, bool) else None
    return str(item), "", None


def entry_problems(entries: Iterable[object], where: str, networks: bool = True) -> list[tuple[str, str]]:
    """Each bad entry by its JSON path; entries are plain strings or `{"entry", "comment", "subdomains"}`."""
    problems = []
    for index, item in enumerate(entries):
        text, _comment, subdomains = _parts(item)
        at = f"{where}[{index}].entry" if isinstance(item, Mapping | ListEntry) else f"{where}[{index}]"
        try:
            kind, _value = classify(text, networks)
        except ValueError as exc:
            problems.append((at, str(exc)))
            continue
        if subdomains is False and kind != "domain":
            problems.append((f"{where}[{index}].subdomains", f"{text!r} is a {kind}: only a domain entry can "
                                                                "leave out its subdomains"))
    return problems


def merged_entries(existing: Iterable[object], added: Iterable[str], replace: bool = False) -> list[object]:
    """A list after an import: new entries appended once each; an entry already there keeps its comment."""
    kept = [] if replace else list(existing)
    seen = {_key(_parts(item)[0]) for item in kept}
    for entry in added:
        if _key(entry) not in seen:
            seen.add(_key(entry))
            kept.append(entry)
    return kept


def _key(entry: str) -> str:
    try:
        return classify(entry)[1]
    except ValueError:
        return entry.strip().lower()


def _sorted_entries(entries: Iterable[str | ListEntry], networks: bool) -> tuple[Conditions, Conditions,
                                                                                   dict[str, str]]:
    """Entries as rule conditions (so lists match with the rule table's compiled matchers): one set for
    everything but the domains limited to themselves, one for those; and each entry's comment."""
    kinds: dict[str, list[str]] = {"address": [], "mask": [], "domain": [], "network": [], "exact_domain": []}
    comments: dict[str, str] = {}
    for item in entries:
        text, comment, subdomains = _parts(item)
        try:
            kind, value = classify(text, networks)
        except ValueError:
            continue  # validated when saved; a stored bad entry matches nothing
        kinds["exact_domain" if kind == "domain" and subdomains is False else kind].append(value)
        if comment:
            comments.setdefault(value, comment)
    spread = Conditions(addresses=tuple(kinds["address"]), masks=tuple(kinds["mask"]),
                        domains=tuple(kinds["domain"]), networks=tuple(kinds["network"]), include_subdomains=True)
    return spread, Conditions(domains=tuple(kinds["exact_domain"]), include_subdomains=False), comments


@dataclass(frozen=True)
class CompiledList:
    matchers: tuple[CompiledConditions, ...]  # none when the list is empty
    comments: Mapping[str, str]  # entry (normalised) → the administrator's comment

    @classmethod
    def of(cls, entries: Iterable[str | ListEntry], networks: bool = True) -> CompiledList:
        spread, exact, comments = _sorted_entries(entries, networks)
        return cls(tuple(compile_conditions(c) for c in (spread, exact) if not c.is_empty()), comments)

    def match(self, sender: Address, client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> str | None:
        """Why the sender is on the list ("domain example.com; comment: supplier"), or None."""
        for matcher in self.matchers:
            why = matcher.match(sender, client_ip, _NO_LOOKUP)
            if why is not None:
                comment = self.comments.get(_matched_entry(why))
                return f"{why}; comment: {comment}" if comment else why
        return None


def _matched_entry(why: str) -> str:
    """The entry a matcher names: "client 192.0.2.7 in 192.0.2.0/24" → the network; "domain example.com
    (subdomain a.example.com)", "mask *@x.test", "address a@x.test" → the second word."""
    words = why.split()
    return words[-1] if words[0] == "client" else words[1] if len(words) > 1 else why


@dataclass(frozen=True)
class CompiledLists:
    """One scope's lists compiled (the organisation's once per settings change; a user's per lookup)."""

    allow: CompiledList
    deny: CompiledList
    skips_antiphishing: bool = False
    skips_authentication: bool = False

    @classmethod
    def of(cls, allow: Iterable[str | ListEntry], deny: Iterable[str | ListEntry], networks: bool = True,
           skips_antiphishing: bool = False, skips_authentication: bool = False) -> CompiledLists:
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


def forged_reason(authentication: Mapping[str, Any] | None, sender: str = "") -> str | None:
    """Why an allow entry must not apply (the sender is not shown to be who it says), or None.

    The entry applies when SPF passes for the envelope sender, or when DMARC passes for a From domain of the
    envelope sender's organisation; with no DMARC published it applies unless SPF fails or the From header
    names another organisation than an unauthenticated envelope sender (a forger's own From domain)."""
    details = AuthenticationDetails.of(authentication)
    dmarc, spf = details.dmarc, details.spf
    if dmarc.policy and dmarc.result != "pass":
        return f"the sender's domain publishes DMARC and the message did not pass it ({dmarc.result})"
    if spf.result == "fail":
        return "SPF fails for the envelope sender"
    domain = sender.strip().strip("<>").rpartition("@")[2].lower()
    from_domain = (dmarc.from_domain or "").lower()
    if spf.result == "pass" or not domain or not from_domain:
        return None
    organisation = (dmarc.org_domain or from_domain).lower()
    if domain in (from_domain, organisation) or domain.endswith("." + organisation):
        return None
    return (f"the envelope sender's domain {domain} is not authenticated (SPF {spf.result or 'no result'}) "
            f"and the message is From another organisation ({from_domain})")


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
        forged = forged if forged is not None else forged_reason(authentication, sender) or ""
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
