"""The directory cache as the rest of the gateway asks it: who is this address, which groups (nested)
is it in, which addresses does a group reach, who matches this prefix, which names may not be spoofed.

Built in memory from every connection's current snapshot. An account read through two connections
(overlapping search bases) counts once: accounts are keyed by objectGUID.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mailgate.directory.duplicates import PERSONAL_KINDS, find_duplicates, ntlm_name
from mailgate.directory.model import Entry, Snapshot, normalise
from mailgate.directory.names import fold_name, search_form

AUTOCOMPLETE_MAX = 50


@dataclass(frozen=True)
class Account:
    key: str
    kind: str
    dn: str
    display_name: str
    primary: str
    addresses: tuple[str, ...]
    kerberos_name: str
    ntlm_name: str
    connection_id: str
    disabled: bool

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "kind": self.kind, "dn": self.dn, "display_name": self.display_name,
                "primary": self.primary, "addresses": list(self.addresses), "kerberos_name": self.kerberos_name,
                "ntlm_name": self.ntlm_name, "connection_id": self.connection_id, "disabled": self.disabled}


@dataclass(frozen=True)
class Resolution:
    """An address resolved: its account, every group it is in (nested ones too), and whether personal
    Backup and personal lists apply to it (not for accounts with a duplicated name or address)."""

    address: str
    account: Account | None  # None when two accounts claim the address
    groups: tuple[Account, ...]
    personal_allowed: bool
    duplicates: tuple[str, ...]  # the duplicate kinds that concern this account or address

    @property
    def group_names(self) -> frozenset[str]:
        """Groups by DN, primary address and display name, lower case: what a rule may name."""
        names: set[str] = set()
        for group in self.groups:
            names.update(v.lower() for v in (group.dn, group.primary, group.display_name) if v)
            names.add(normalise(group.dn))
        return frozenset(names)


class DirectoryIndex:
    def __init__(self, snapshots: Iterable[Snapshot]) -> None:
        self._entries: dict[str, Entry] = {}
        self._origin: dict[str, tuple[str, str]] = {}  # key → (connection id, NetBIOS domain)
        for snapshot in snapshots:
            for entry in snapshot.entries:
                if entry.key not in self._entries:
                    self._entries[entry.key] = entry
                    self._origin[entry.key] = (snapshot.connection_id, snapshot.netbios)
        self._by_address: dict[str, list[str]] = {}
        self._by_dn: dict[str, str] = {}
        self._by_login: dict[tuple[str, str], list[str]] = {}  # (connection, login name) → users: memberUid
        for key, entry in self._entries.items():
            self._by_dn[entry.dn_key] = key
            if entry.kind == "user" and entry.sam:
                self._by_login.setdefault((self._origin[key][0], entry.sam.lower()), []).append(key)
            for address in entry.addresses:
                self._by_address.setdefault(address, []).append(key)
        self._parents = self._direct_groups()
        self.duplicates = find_duplicates((self._origin[k][1], e) for k, e in self._entries.items())
        self._concerns: dict[str, set[str]] = {}
        for duplicate in self.duplicates:
            for key in duplicate.accounts:
                self._concerns.setdefault(key, set()).add(duplicate.kind)
        self._terms: list[tuple[str, str]] = []
        self._spoofing: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def _direct_groups(self) -> dict[str, set[str]]:
        """key → keys of the groups it is a direct member of: from groups' `member` and `memberUid` (a login
        name of the same directory) and entries' `memberOf`."""
        parents: dict[str, set[str]] = {}
        for key, entry in self._entries.items():
            for member_dn in entry.members:
                member = self._by_dn.get(member_dn)
                if member:
                    parents.setdefault(member, set()).add(key)
            for uid in entry.member_uids:
                for member in self._by_login.get((self._origin[key][0], uid), ()):
                    parents.setdefault(member, set()).add(key)
            for group_dn in entry.member_of:
                group = self._by_dn.get(group_dn)
                if group and self._entries[group].kind == "group":
                    parents.setdefault(key, set()).add(group)
        return parents

    def account(self, key: str) -> Account:
        entry = self._entries[key]
        connection_id, netbios = self._origin[key]
        return Account(key, entry.kind, entry.dn, entry.display_name, entry.primary, entry.addresses, entry.upn,
                       ntlm_name(netbios, entry), connection_id, entry.disabled)

    def groups_of(self, key: str) -> list[str]:
        """Every group the entry is in, directly or through nested groups; cycles are harmless."""
        found: list[str] = []
        seen = {key}
        stack = sorted(self._parents.get(key, ()))
        while stack:
            group = stack.pop()
            if group in seen:
                continue
            seen.add(group)
            found.append(group)
            stack.extend(self._parents.get(group, ()))
        return found

    def resolve(self, address: str) -> Resolution | None:
        address = address.strip().lower()
        keys = self._by_address.get(address)
        if not keys:
            return None
        if len(keys) > 1:
            return Resolution(address, None, (), False, ("address",))
        key = keys[0]
        concerns = tuple(sorted(self._concerns.get(key, ())))
        groups = tuple(sorted((self.account(g) for g in self.groups_of(key)), key=lambda a: a.dn))
        personal = not (set(concerns) & PERSONAL_KINDS)
        return Resolution(address, self.account(key), groups, personal, concerns)

    def personal_allowed(self, address: str) -> bool:
        """May mail to this address go to personal Backup and personal lists? Unknown addresses: yes."""
        found = self.resolve(address)
        return found is None or found.personal_allowed

    def group_addresses(self, group: str) -> list[str]:
        """Every address of the group's members, nested groups included; `group` is an address or a DN."""
        key = self._by_dn.get(normalise(group)) if "=" in group else None
        if key is None:
            keys = self._by_address.get(group.strip().lower(), [])
            key = keys[0] if len(keys) == 1 else None
        if key is None or self._entries[key].kind != "group":
            return []
        children: dict[str, list[str]] = {}
        for child, parents in self._parents.items():
            for parent in parents:
                children.setdefault(parent, []).append(child)
        found: set[str] = set()
        seen = {key}
        stack = [key]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
                    if self._entries[child].kind != "group":
                        found.update(self._entries[child].addresses)
        return sorted(found)

    # --- autocomplete -----------------------------------------------------------------------

    def _search_terms(self) -> list[tuple[str, str]]:
        if not self._terms:
            terms: set[tuple[str, str]] = set()
            for key, entry in self._entries.items():
                name = search_form(entry.display_name)
                words = [name, *name.split(), *entry.addresses, entry.upn, search_form(entry.sam)]
                terms.update((w, key) for w in words if w)
            self._terms = sorted(terms)
        return self._terms

    def autocomplete(self, prefix: str, limit: int = 20) -> list[Account]:
        """Accounts whose name, a word of it, an address or a logon name starts with `prefix`."""
        prefix = search_form(prefix)
        if not prefix:
            return []
        terms = self._search_terms()
        found: dict[str, None] = {}
        for term, key in _from(terms, prefix):
            if not term.startswith(prefix) or len(found) >= min(limit, AUTOCOMPLETE_MAX):
                break
            found[key] = None
        return [self.account(k) for k in found]

    # --- Active Directory spoofing ----------------------------------------------------------

    def spoofing_names(self) -> dict[str, str]:
        """Folded display name → the account it belongs to, for names that only one account has."""
        if self._spoofing is None:
            duplicated = {fold_name(d.value) for d in self.duplicates if d.kind == "display_name"}
            names: dict[str, str] = {}
            for entry in self._entries.values():
                folded = fold_name(entry.display_name)
                if folded and folded not in duplicated:
                    names[folded] = f"{entry.display_name} <{entry.label}>" if entry.label != entry.display_name \
                        else entry.display_name
            self._spoofing = names
        return self._spoofing


def _from(terms: list[tuple[str, str]], prefix: str) -> Iterator[tuple[str, str]]:
    start = bisect.bisect_left(terms, (prefix, ""))
    yield from (terms[i] for i in range(start, len(terms)))
