"""Rule conditions compiled for speed: exact addresses, users and domains are set lookups, masks are
indexed by their literal domain, networks by prefix length; only regular expressions are scanned.

Masks are matched segment by segment (`content_filter.patterns.Wildcard`), so no mask can backtrack;
address regular expressions run with a timeout, and one that times out simply does not match.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mailgate.directory.index import DirectoryIndex, Resolution
from mailgate.directory.model import normalise
from mailgate.rules.table import Conditions, Rule, RuleTable, compile_address_regex, load_table
from mailgate.scanners.content_filter.patterns import Wildcard

REGEX_TIMEOUT_SECONDS = 0.01  # one address against one expression

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Lookup:
    """Directory answers for one decision, asked once per address however many rules ask."""

    def __init__(self, directory: DirectoryIndex | None) -> None:
        self.directory = directory
        self._seen: dict[str, Resolution | None] = {}
        self._groups: dict[str, frozenset[str]] = {}

    def resolve(self, address: str) -> Resolution | None:
        if self.directory is None or not address:
            return None
        if address not in self._seen:
            self._seen[address] = self.directory.resolve(address)
        return self._seen[address]

    def group_names(self, address: str) -> frozenset[str]:
        """Every name of every group the address is in (see `Resolution.group_names`), computed once."""
        if address not in self._groups:
            found = self.resolve(address)
            self._groups[address] = found.group_names if found is not None else frozenset()
        return self._groups[address]


@dataclass(frozen=True)
class Address:
    """An address taken apart once: lower case, local part, domain and the domain's parents."""

    text: str
    local: str
    domain: str
    parents: tuple[str, ...]  # "a.b.example.org" → ("b.example.org", "example.org", "org")

    @classmethod
    def of(cls, address: str) -> Address:
        text = address.strip().strip("<>").lower()
        local, at, domain = text.rpartition("@")
        if not at:
            local, domain = text, ""
        labels = domain.split(".")
        return cls(text, local, domain, tuple(".".join(labels[i:]) for i in range(1, len(labels))))


Check = Callable[[Address, "ipaddress.IPv4Address | ipaddress.IPv6Address | None", Lookup], str | None]


@dataclass
class CompiledConditions:
    """`match` returns why the conditions hold ("group 'Finance'"), or None."""

    checks: list[Check] = field(default_factory=list)

    def match(self, address: Address, client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
              lookup: Lookup) -> str | None:
        if not self.checks:
            return "any"
        for check in self.checks:
            why = check(address, client_ip, lookup)
            if why is not None:
                return why
        return None


def compile_conditions(conditions: Conditions) -> CompiledConditions:
    checks: list[Check] = []
    if conditions.addresses:
        checks.append(_exact({a.strip().lower() for a in conditions.addresses}, "address"))
    if conditions.domains:
        checks.append(_domains({d.strip().lower().lstrip("@") for d in conditions.domains},
                               conditions.include_subdomains))
    if conditions.users:
        checks.append(_users({u.strip().lower() for u in conditions.users}))
    if conditions.groups:
        checks.append(_groups(conditions.groups))
    if conditions.masks:
        checks.append(_masks(conditions.masks))
    if conditions.networks:
        checks.append(_networks(conditions.networks))
    if conditions.regexes:
        checks.append(_regexes(conditions.regexes))
    return CompiledConditions(checks)


def _exact(values: set[str], kind: str) -> Check:
    def check(address: Address, _ip: object, _lookup: Lookup) -> str | None:
        return f"{kind} {address.text}" if address.text in values else None
    return check


def _domains(domains: set[str], subdomains: bool) -> Check:
    def check(address: Address, _ip: object, _lookup: Lookup) -> str | None:
        if address.domain in domains:
            return f"domain {address.domain}"
        if subdomains:
            for parent in address.parents:
                if parent in domains:
                    return f"domain {parent} (subdomain {address.domain})"
        return None
    return check


def _users(users: set[str]) -> Check:
    def check(address: Address, _ip: object, lookup: Lookup) -> str | None:
        if address.text in users:
            return f"user {address.text}"
        found = lookup.resolve(address.text)
        if found is not None and found.account is not None:
            alias = next((a for a in found.account.addresses if a in users), None)
            if alias is not None:
                return f"user {alias} (address {address.text} of the same account)"
        return None
    return check


def _groups(groups: tuple[str, ...]) -> Check:
    wanted: dict[str, str] = {}
    for group in groups:
        wanted[group.strip().lower()] = group
        if "=" in group:
            wanted[normalise(group)] = group

    def check(address: Address, _ip: object, lookup: Lookup) -> str | None:
        names = lookup.group_names(address.text)
        if not names:
            return None
        hit = next((original for key, original in wanted.items() if key in names), None)
        return f"in group {hit!r}" if hit is not None else None
    return check


def mask_key(mask: str) -> tuple[str, str] | None:
    """Where a mask can be filed so that only addresses that might match look at it: ("domain", d) when
    its domain part is literal, ("parent", p) when it ends in a literal ".p" inside the domain, else None."""
    text = mask.strip().lower()
    _local, at, domain = text.rpartition("@")
    if at and "*" not in domain and "?" not in domain:
        return ("domain", domain)
    tail = text.rsplit("*", 1)[-1]
    if "?" in tail or "@" in tail or "." not in tail:
        return None
    parent = tail.split(".", 1)[1]
    return ("parent", parent) if parent else None


def _masks(masks: tuple[str, ...]) -> Check:
    """Masks filed by `mask_key`: an address tries only the masks of its domain and its parents."""
    filed: dict[tuple[str, str], list[tuple[str, Wildcard]]] = {}
    other: list[tuple[str, Wildcard]] = []
    for mask in masks:
        text = mask.strip().lower()
        key = mask_key(mask)
        if key is None:
            other.append((mask, Wildcard(text)))
        elif key[0] == "domain":
            filed.setdefault(key, []).append((mask, Wildcard(text.rpartition("@")[0])))
        else:
            filed.setdefault(key, []).append((mask, Wildcard(text)))

    def check(address: Address, _ip: object, _lookup: Lookup) -> str | None:
        for mask, wildcard in filed.get(("domain", address.domain), ()):
            if wildcard.matches(address.local):
                return f"mask {mask}"
        for parent in address.parents:
            for mask, wildcard in filed.get(("parent", parent), ()):
                if wildcard.matches(address.text):
                    return f"mask {mask}"
        for mask, wildcard in other:
            if wildcard.matches(address.text):
                return f"mask {mask}"
        return None
    return check


def _networks(networks: tuple[str, ...]) -> Check:
    """Networks grouped by (version, prefix length): one set lookup per distinct prefix length."""
    table: dict[tuple[int, int], dict[int, str]] = {}
    for text in networks:
        network: IPNetwork = ipaddress.ip_network(text.strip(), strict=False)
        table.setdefault((network.version, network.prefixlen), {})[int(network.network_address)] = text
    shapes = sorted(table, key=lambda shape: -shape[1])  # the most specific first

    def check(_address: Address, ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
              _lookup: Lookup) -> str | None:
        if ip is None:
            return None
        bits = 32 if ip.version == 4 else 128
        value = int(ip)
        for version, prefix in shapes:
            if version == ip.version:
                key = value >> (bits - prefix) << (bits - prefix) if prefix else 0
                hit = table[(version, prefix)].get(key)
                if hit is not None:
                    return f"client {ip} in {hit}"
        return None
    return check


def _regexes(patterns: tuple[str, ...]) -> Check:
    compiled = [(p, compile_address_regex(p)) for p in patterns]

    def check(address: Address, _ip: object, _lookup: Lookup) -> str | None:
        for pattern, expression in compiled:
            try:
                if expression.search(address.text, timeout=REGEX_TIMEOUT_SECONDS) is not None:
                    return f"regular expression {pattern}"
            except TimeoutError:
                continue
        return None
    return check


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    senders: CompiledConditions
    recipients: CompiledConditions

    def matches(self, sender: Address, recipient: Address,
                client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None, lookup: Lookup) -> str | None:
        """Why this rule handles the pair ("sender domain partner.test"), or None."""
        to = self.recipients.match(recipient, None, lookup)  # recipients first: they differ per call
        if to is None:
            return None
        by = self.senders.match(sender, client_ip, lookup)
        if by is None:
            return None
        parts = [f"sender {by}" if by != "any" else "", f"recipient {to}" if to != "any" else ""]
        return "; ".join(p for p in parts if p) or "any sender, any recipient"


class SideIndex:
    """One side (senders or recipients) of every enabled rule, filed by address, domain and mask key, so
    that a lookup names the rules that *might* match: a superset, which the rules' own checks confirm."""

    def __init__(self, sides: list[tuple[int, Conditions]]) -> None:
        self.always: set[int] = set()  # no conditions, or conditions only a full check can answer
        self.exact: dict[str, set[int]] = {}
        self.domain: dict[str, set[int]] = {}  # a rule's domains and its masks with a literal domain
        self.parent: dict[str, set[int]] = {}  # domains with subdomains and masks filed under a parent
        for position, conditions in sides:
            if conditions.is_empty() or conditions.regexes or conditions.networks or conditions.groups \
                    or conditions.users:
                self.always.add(position)
                continue
            for address in conditions.addresses:
                self.exact.setdefault(address.strip().lower(), set()).add(position)
            for written in conditions.domains:
                domain = written.strip().lower().lstrip("@")
                self.domain.setdefault(domain, set()).add(position)
                if conditions.include_subdomains:
                    self.parent.setdefault(domain, set()).add(position)
            for mask in conditions.masks:
                key = mask_key(mask)
                if key is None:
                    self.always.add(position)
                else:
                    (self.domain if key[0] == "domain" else self.parent).setdefault(key[1], set()).add(position)

    def candidates(self, address: Address) -> set[int]:
        found = set(self.always)
        for table, key in ((self.exact, address.text), (self.domain, address.domain)):
            hit = table.get(key)
            if hit:
                found |= hit
        for parent in address.parents:
            hit = self.parent.get(parent)
            if hit:
                found |= hit
        return found


@dataclass(frozen=True)
class CompiledTable:
    table: RuleTable
    rules: tuple[CompiledRule, ...]
    senders: SideIndex
    recipients: SideIndex
    enabled_before: tuple[int, ...]  # per position: how many enabled rules come before it

    @classmethod
    def build(cls, table: RuleTable) -> CompiledTable:
        rules = tuple(CompiledRule(rule, compile_conditions(rule.senders), compile_conditions(rule.recipients))
                      for rule in table.rules)
        enabled = [(position, r.rule) for position, r in enumerate(rules) if r.rule.enabled]
        before = tuple(sum(1 for r in rules[:position] if r.rule.enabled) for position in range(len(rules)))
        return cls(table, rules, SideIndex([(p, r.senders) for p, r in enabled]),
                   SideIndex([(p, r.recipients) for p, r in enabled]), before)

    def first_match(self, sender: str, recipient: str, client_ip: str | None,
                    directory: DirectoryIndex | None = None, direction: str = "inbound") -> tuple[Rule, str, int]:
        """The first enabled rule for the pair and the mail's direction, why it matched, and its position."""
        lookup = Lookup(directory)
        ip = parse_ip(client_ip)
        sender_address, recipient_address = Address.of(sender), Address.of(recipient)
        candidates = self.recipients.candidates(recipient_address) & self.senders.candidates(sender_address)
        for position in sorted(candidates):
            compiled = self.rules[position]
            if compiled.rule.direction not in ("any", direction):
                continue
            why = compiled.matches(sender_address, recipient_address, ip, lookup)
            if why is not None:
                if compiled.rule.direction != "any":
                    why = f"{direction} mail; {why}"
                return compiled.rule, why, position
        default = self.rules[-1].rule  # validated tables end with the Default rule, which matches anyone
        return default, "any sender, any recipient", len(self.rules) - 1

    def matches(self, sender: str, recipient: str, client_ip: str | None,
                directory: DirectoryIndex | None = None) -> str:
        """The name of the rule that handles the pair."""
        return self.first_match(sender, recipient, client_ip, directory)[0].name


def parse_ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def compile_table(table: RuleTable | Mapping[str, Any]) -> CompiledTable:
    """Validate and compile; raises ValueError naming every problem of the table."""
    return CompiledTable.build(load_table(table))
