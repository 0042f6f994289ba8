"""Which recipients the organisation has: the valid addresses of the directory cache, the addresses it accepts
outside the directory (a setting), and the changes that make a Mail Manager address list equal to them.

Pure: plain data in, plain data out. The SMTP ingress of local mode asks `RecipientPolicy.accepts` at RCPT, and
`ldap_sync` keeps the cloud's address list equal to `address_list_members` (docs/recipient-verification.md).

What counts:
- every address of every directory entry (users, groups, contacts; `mail`, `proxyAddresses` and the other
  address attributes of the connection's profile), disabled accounts too (Exchange's shared and room mailboxes
  are disabled accounts that receive mail);
- a domain is verified only when the directory holds at least one user address in it: a cache that was never
  synchronised, holds no users, or knows nothing of a domain refuses nothing there (a gateway must not bounce
  all mail because LDAP was never reached, nor the mail of a domain that lives outside the directory);
- `postmaster@` of every domain, always (RFC 5321 §4.5.1);
- the setting's patterns: `local@domain`, `*@domain` (every address of the domain), `local@*` (a role
  address at every domain, e.g. `abuse@*`);
- addresses compare case-insensitively as a whole; `user+tag@domain` is accepted when `user@domain` is
  (sub-addressing, RFC 5233: most mail servers deliver it to `user`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mailgate.directory.model import Snapshot

ALWAYS_ACCEPTED = frozenset({"postmaster"})  # RFC 5321 §4.5.1: every domain must accept postmaster@
SUBADDRESS_SEPARATOR = "+"
MAX_PATTERNS = 1_000
MAX_ADDRESS = 320  # Mail Manager's Address: 3 to 320 characters
MIN_ADDRESS = 3

_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
_DOMAIN = r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}"
_PATTERN = re.compile(rf"(?:\*|{_LOCAL})@(?:\*|{_DOMAIN})")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is no accepted-address pattern, or None: `local@domain`, `*@domain` or `local@*`."""
    text = pattern.strip().lower()
    if text == "*@*":
        return "'*@*' would accept every address: switch verification off instead"
    if len(text) > MAX_ADDRESS or not _PATTERN.fullmatch(text):
        return (f"{pattern[:80]!r} is not 'local@domain', '*@domain' or 'local@*' (a local part of letters, "
                "digits and . _ + - etc., a domain name)")
    return None


def normalise(address: str) -> str:
    """Lower case, without angle brackets, the domain without its final dot (`example.org.` is `example.org`, as
    the accepted domains compare), a quoted local part without quotes when it needs none (`"alice"` is `alice`)."""
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    if len(local) > 2 and local[0] == local[-1] == '"' and re.fullmatch(_LOCAL, local[1:-1]):
        local = local[1:-1]
    return f"{local}{at}{domain.rstrip('.')}" if at else domain


@dataclass(frozen=True)
class DirectoryRecipients:
    """What the directory cache says: its addresses, and the domains it verifies (those with a user address)."""

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.domains


def directory_recipients(snapshots: Iterable[Snapshot]) -> DirectoryRecipients:
    """Every address of every entry of the connections' current snapshots."""
    addresses: set[str] = set()
    domains: set[str] = set()
    for snapshot in snapshots:
        for entry in snapshot.entries:
            found = {normalise(a) for a in entry.addresses if "@" in a}
            addresses |= found
            if entry.kind == "user":
                domains.update(a.rpartition("@")[2] for a in found)
    return DirectoryRecipients(frozenset(addresses), frozenset(domains))


@dataclass(frozen=True)
class AcceptedPatterns:
    exact: frozenset[str] = frozenset()  # local@domain
    domains: frozenset[str] = frozenset()  # *@domain
    local_parts: frozenset[str] = frozenset()  # local@*

    @classmethod
    def parse(cls, patterns: Iterable[str]) -> AcceptedPatterns:
        exact: set[str] = set()
        domains: set[str] = set()
        local_parts: set[str] = set(ALWAYS_ACCEPTED)
        for pattern in patterns:
            local, _, domain = normalise(pattern).rpartition("@")
            if local == "*":
                domains.add(domain)
            elif domain == "*":
                local_parts.add(local)
            else:
                exact.add(f"{local}@{domain}")
        return cls(frozenset(exact), frozenset(domains), frozenset(local_parts))

    def match(self, local: str, domain: str) -> bool:
        return local in self.local_parts or domain in self.domains or f"{local}@{domain}" in self.exact


@dataclass(frozen=True)
class RecipientPolicy:
    """Whether the gateway takes a recipient at RCPT: the traffic policy of Mail Manager, played by local mode."""

    enabled: bool = False
    directory: DirectoryRecipients = DirectoryRecipients()
    patterns: AcceptedPatterns = AcceptedPatterns()

    @classmethod
    def build(cls, enabled: bool, directory: DirectoryRecipients, also_accept: Iterable[str]) -> RecipientPolicy:
        return cls(enabled, directory, AcceptedPatterns.parse(also_accept))

    def accepts(self, address: str) -> bool:
        local, at, domain = normalise(address).rpartition("@")
        if not self.enabled or not at or domain not in self.directory.domains:
            return True  # off, no address, or a domain the directory does not verify: nothing is refused
        base = local.split(SUBADDRESS_SEPARATOR, 1)[0] or local
        for candidate in dict.fromkeys((local, base)):
            if f"{candidate}@{domain}" in self.directory.addresses or self.patterns.match(candidate, domain):
                return True
        return False


def address_list_members(directory: DirectoryRecipients, also_accept: Iterable[str],
                         accepted_domains: Iterable[str]) -> frozenset[str]:
    """What the Mail Manager address list holds: the directory's addresses in accepted domains, the setting's
    exact addresses and postmaster@ (and each `local@*`) of every accepted domain. `*@domain` cannot be a member:
    the traffic policy lets such a domain through by itself."""
    domains = {d.lower().rstrip(".") for d in accepted_domains}
    patterns = AcceptedPatterns.parse(also_accept)
    members = {a for a in directory.addresses if a.rpartition("@")[2] in domains}
    members |= {a for a in patterns.exact if a.rpartition("@")[2] in domains}
    members |= {f"{local}@{domain}" for local in patterns.local_parts for domain in domains}
    return frozenset(a for a in members if MIN_ADDRESS <= len(a) <= MAX_ADDRESS)


@dataclass(frozen=True)
class ListChanges:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.add) + len(self.remove)


def list_changes(wanted: frozenset[str], current: frozenset[str], may_remove: bool) -> ListChanges:
    """What makes `current` equal to `wanted`; nothing is removed unless `may_remove` (the sync succeeded) and
    nothing at all when `wanted` is empty (a directory that answered nothing never empties the list)."""
    if not wanted:
        return ListChanges()
    current = frozenset(normalise(a) for a in current)
    remove = tuple(sorted(current - wanted)) if may_remove else ()
    return ListChanges(tuple(sorted(wanted - current)), remove)
