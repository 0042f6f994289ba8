"""Duplicate checks across the whole directory, with the consequence each one has.

- the same display name on two users, groups or contacts: that name is not protected against
  Active Directory spoofing (an outsider using it cannot be told from the right one);
- the same Kerberos (userPrincipalName) or NTLM (DOMAIN\\sAMAccountName) name, or the same e-mail
  address, on two accounts: personal Backup and personal allow/deny lists stop for the accounts
  concerned, because mail to them cannot be attributed to one person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from mailgate.directory.model import Entry
from mailgate.directory.names import fold_name

DuplicateKind = Literal["display_name", "kerberos_name", "ntlm_name", "address"]

CONSEQUENCES: dict[DuplicateKind, str] = {
    "display_name": "not protected against Active Directory spoofing",
    "kerberos_name": "personal Backup and personal allow/deny lists are off for these accounts",
    "ntlm_name": "personal Backup and personal allow/deny lists are off for these accounts",
    "address": "personal Backup and personal allow/deny lists are off for these accounts; "
               "mail to this address is not put in personal Backup",
}
PERSONAL_KINDS: frozenset[DuplicateKind] = frozenset({"kerberos_name", "ntlm_name", "address"})


@dataclass(frozen=True)
class Duplicate:
    kind: DuplicateKind
    value: str  # the shared value as the directory spells it (the first account's spelling)
    accounts: tuple[str, ...]  # entry keys
    labels: tuple[str, ...]  # how an administrator recognises each account

    @property
    def consequence(self) -> str:
        return CONSEQUENCES[self.kind]

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "value": self.value, "consequence": self.consequence,
                "accounts": [{"key": k, "label": label} for k, label in zip(self.accounts, self.labels, strict=True)]}


def ntlm_name(netbios: str, entry: Entry) -> str:
    return f"{netbios}\\{entry.sam}" if netbios and entry.sam else ""


def find_duplicates(entries: Iterable[tuple[str, Entry]]) -> list[Duplicate]:
    """`entries` are (NetBIOS domain, entry) pairs, each account once."""
    seen: dict[DuplicateKind, dict[str, list[tuple[str, Entry]]]] = defaultdict(lambda: defaultdict(list))
    for netbios, entry in entries:
        values: list[tuple[DuplicateKind, str, str]] = [
            ("display_name", fold_name(entry.display_name), entry.display_name),
            ("kerberos_name", entry.upn.lower(), entry.upn),
            ("ntlm_name", ntlm_name(netbios, entry).lower(), ntlm_name(netbios, entry)),
        ]
        values += [("address", address, address) for address in entry.addresses]
        for kind, folded, spelled in values:
            if folded:
                seen[kind][folded].append((spelled, entry))
    found: list[Duplicate] = []
    for kind, by_value in seen.items():
        for holders in by_value.values():
            if len(holders) > 1:
                ordered = sorted(holders, key=lambda h: h[1].label)
                found.append(Duplicate(kind, ordered[0][0], tuple(h[1].key for h in ordered),
                                       tuple(h[1].label for h in ordered)))
    return sorted(found, key=lambda d: (d.kind, d.value.lower()))
