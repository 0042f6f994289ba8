"""What a sync reads from a directory: accounts (users, groups, contacts) and the watermark.

A `Snapshot` is one connection's complete picture, stored as one compressed document (msgpack +
zlib) so a reader loads a whole generation in a few DynamoDB reads and a sync swaps it atomically.
"""

from __future__ import annotations

import re
import zlib
from typing import Literal

import msgspec

Kind = Literal["user", "group", "contact"]
SNAPSHOT_VERSION = 1


class Entry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    key: str  # objectGUID when the directory has one, else the DN in lower case
    kind: Kind
    dn: str
    display_name: str = ""
    addresses: tuple[str, ...] = ()  # lower case; the primary first
    primary: str = ""  # the primary SMTP address (SMTP: in proxyAddresses, else mail)
    upn: str = ""  # Kerberos name, userPrincipalName
    sam: str = ""  # sAMAccountName: NTLM name is NETBIOS\\sam
    members: tuple[str, ...] = ()  # groups: member DNs, normalised
    member_uids: tuple[str, ...] = ()  # posixGroup: members by login name (memberUid), lower case
    member_of: tuple[str, ...] = ()  # direct groups (memberOf), normalised DNs
    usn: int = 0
    disabled: bool = False

    @property
    def dn_key(self) -> str:
        return normalise(self.dn)

    @property
    def label(self) -> str:
        """How an administrator recognises the account: its primary address, else its name."""
        return self.primary or self.upn or self.display_name or self.dn


class Watermark(msgspec.Struct, frozen=True, kw_only=True):
    """Where the next incremental read starts: AD's USNs are per domain controller."""

    usn: int
    server: str  # dsServiceName of the domain controller the USN belongs to


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    version: int = SNAPSHOT_VERSION
    connection_id: str
    domain: str
    netbios: str = ""
    entries: tuple[Entry, ...] = ()
    watermark: Watermark | None = None
    read_at: str = ""
    full_read_at: str = ""  # the last complete read; incremental runs build on it
    server: str = ""  # which server answered
    scope: str = ""  # search base and contacts setting the entries were read with

    def counts(self) -> dict[str, int]:
        counts = {"users": 0, "groups": 0, "contacts": 0, "addresses": 0}
        for entry in self.entries:
            counts[entry.kind + "s"] += 1
            counts["addresses"] += len(entry.addresses)
        return counts

    def encode(self) -> bytes:
        return zlib.compress(msgspec.msgpack.encode(self), 6)

    @classmethod
    def decode(cls, blob: bytes) -> Snapshot:
        return msgspec.msgpack.decode(zlib.decompress(blob), type=cls)


_RDN_SEPARATOR = re.compile(r"(?<!\\),")


def normalise(dn: str) -> str:
    """DNs compare case-insensitively and without spaces around separators ('CN=Doe\\, Jane' stays one RDN)."""
    parts = []
    for rdn in _RDN_SEPARATOR.split(dn):
        attribute, _, value = rdn.partition("=")
        parts.append(f"{attribute.strip().lower()}={value.strip().lower()}")
    return ",".join(parts)
