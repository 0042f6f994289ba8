"""Directory entries and snapshots as a sync would produce them."""

from __future__ import annotations

import uuid

from mailgate.directory.model import Entry, Kind, Snapshot, normalise


def entry(kind: Kind, name: str, *addresses: str, upn: str = "", sam: str = "", members: tuple[str, ...] = (),
          ou: str = "OU=Staff,DC=example,DC=test") -> Entry:
    return Entry(key=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{kind}:{name}:{addresses}")), kind=kind,
                 dn=f"CN={name},{ou}", display_name=name, addresses=tuple(addresses),
                 primary=addresses[0] if addresses else "", upn=upn, sam=sam,
                 members=tuple(normalise(m) for m in members))


def dn(name: str, ou: str = "OU=Staff,DC=example,DC=test") -> str:
    return f"CN={name},{ou}"


def snapshot(*entries: Entry, connection_id: str = "corp", netbios: str = "EXAMPLE") -> Snapshot:
    return Snapshot(connection_id=connection_id, domain="example.test", netbios=netbios, entries=entries)
