"""One read of a directory: full, or against Active Directory only what changed since the last one.

An incremental read asks for entries whose `uSNChanged` is above the watermark the last read took
from the domain controller's rootDSE *before* it searched (so nothing changed during a read is
lost), plus the key of every entry still there (deletions and moves out of the search base leave
no changed entry behind). It falls back to a full read whenever the delta could be wrong: no
previous read, another domain controller (USNs are per controller), a USN that went back (a
restored controller), a changed search scope, a renamed or moved entry (group members are DNs),
entries the delta cannot explain, or a day since the last full read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from mailgate.directory.connection import Connection
from mailgate.directory.discovery import Endpoint
from mailgate.directory.errors import SyncFailed
from mailgate.directory.model import Entry, Kind, Snapshot, Watermark
from mailgate.directory.reader import RootInfo, open_session

FULL_READ_EVERY = timedelta(hours=24)


class Session(Protocol):
    endpoint: Endpoint

    def root(self) -> RootInfo: ...

    def netbios_name(self, root: RootInfo) -> str: ...

    def entries(self, kind: Kind, since_usn: int | None = None) -> Iterable[Entry]: ...

    def keys(self, kinds: tuple[Kind, ...]) -> set[str]: ...

    def classes_below(self) -> Counter[str]: ...

    def close(self) -> None: ...


SessionOpener = Callable[[Connection, Endpoint, str], Session]


@dataclass(frozen=True)
class ReadOutcome:
    snapshot: Snapshot
    mode: Literal["full", "incremental"]
    changed: int  # entries read (all of them for a full read)
    full_reason: str  # why the read was full; empty for an incremental read
    failovers: tuple[str, ...]  # servers that failed before one answered, with why
    warnings: tuple[str, ...] = ()  # what the administrator should look at although the read worked


def scope_of(conn: Connection) -> str:
    """What an incremental read must share with the read it builds on."""
    return f"{conn.base_dn.lower()}|contacts={conn.read_contacts}|schema={conn.schema().describe()}"


def kinds_of(conn: Connection) -> tuple[Kind, ...]:
    return ("user", "group", "contact") if conn.read_contacts else ("user", "group")


def read_directory(conn: Connection, password: str, endpoints: list[Endpoint], previous: Snapshot | None,
                   now: datetime, opener: SessionOpener = open_session) -> ReadOutcome:
    """Try each endpoint in turn; a wrong password stops at once (retrying elsewhere only locks the account)."""
    failures: list[str] = []
    last: SyncFailed | None = None
    for endpoint in endpoints:
        try:
            session = opener(conn, endpoint, password)
        except SyncFailed as failed:
            if failed.kind == "credentials":
                raise
            failures.append(f"{endpoint.label} ({endpoint.source}): {failed.message}")
            last = failed
            continue
        try:
            return _read(session, conn, previous, now, tuple(failures))
        except SyncFailed as failed:
            if failed.kind != "unreachable":
                raise
            failures.append(f"{endpoint.label} ({endpoint.source}) stopped answering: {failed.message}")
            last = failed
        finally:
            session.close()
    assert last is not None, "endpoints() never returns an empty list"
    raise SyncFailed(last.kind, "no directory server could be read: " + "; ".join(failures))


def _full_reason(conn: Connection, previous: Snapshot | None, root: RootInfo, now: datetime) -> str:  # noqa: PLR0911
    if conn.kind != "active_directory":
        return "not Active Directory: every read is full"
    if previous is None or previous.watermark is None:
        return "no previous read to build on"
    if previous.scope != scope_of(conn):
        return "the search base or the contacts setting changed"
    if root.highest_usn is None:
        return "the server does not report highestCommittedUSN"
    if previous.watermark.server != root.service_name:
        return "another domain controller answered (USNs are per controller)"
    if root.highest_usn < previous.watermark.usn:
        return "the domain controller's USN went back (restored from backup?)"
    if not previous.full_read_at or now - datetime.fromisoformat(previous.full_read_at) >= FULL_READ_EVERY:
        return "the daily full read"
    return ""


def merge(previous: tuple[Entry, ...], changed: list[Entry], present: set[str]) -> tuple[Entry, ...] | str:
    """The previous entries with the changed ones applied and the vanished ones dropped; or why not."""
    by_key = {e.key: e for e in previous if e.key in present}
    for entry in changed:
        old = by_key.get(entry.key)
        if old is not None and old.dn_key != entry.dn_key:
            return f"{old.dn} was renamed or moved"
        by_key[entry.key] = entry
    if len(by_key) != len(present):
        return f"{len(present) - len(by_key)} entries appeared that the delta did not include"
    return tuple(sorted(by_key.values(), key=lambda e: e.key))


def _read(session: Session, conn: Connection, previous: Snapshot | None, now: datetime,
          failovers: tuple[str, ...]) -> ReadOutcome:
    root = session.root()  # the watermark first: changes made while we read are read again next time
    kinds = kinds_of(conn)
    netbios = conn.netbios_domain or (session.netbios_name(root) if conn.kind == "active_directory" else "")
    netbios = (netbios or conn.domain.split(".")[0]).upper()
    watermark = Watermark(usn=root.highest_usn, server=root.service_name) if root.highest_usn is not None else None
    stamp = now.isoformat()

    def snapshot(entries: tuple[Entry, ...], full_read_at: str) -> Snapshot:
        return Snapshot(connection_id=conn.connection_id, domain=conn.domain.lower(), netbios=netbios,
                        entries=entries, watermark=watermark, read_at=stamp, full_read_at=full_read_at,
                        server=session.endpoint.label, scope=scope_of(conn))

    reason = _full_reason(conn, previous, root, now)
    if not reason and previous is not None and previous.watermark is not None:
        changed = [e for kind in kinds for e in session.entries(kind, previous.watermark.usn)]
        merged = merge(previous.entries, changed, session.keys(kinds))
        if not isinstance(merged, str):
            return ReadOutcome(snapshot(merged, previous.full_read_at), "incremental", len(changed), "", failovers)
        reason = merged
    entries = tuple(sorted((e for kind in kinds for e in session.entries(kind)), key=lambda e: e.key))
    warnings = () if any(e.kind == "user" for e in entries) else no_users_warning(conn, session.classes_below())
    return ReadOutcome(snapshot(entries, stamp), "full", len(entries), reason, failovers, warnings)


def no_users_warning(conn: Connection, classes: Counter[str]) -> tuple[str, ...]:
    """A read that found no users where the search base holds entries is a mistake to point out (the wrong
    profile, filter or base DN), not a success: an empty directory is the only silent case."""
    if not classes:
        return ()
    schema = conn.schema()
    seen = ", ".join(f"{name} ({count})" for name, count in classes.most_common(8))
    return (f"no users found although {conn.base_dn} holds entries (object classes seen: {seen}); the "
            f"{schema.name} profile searches users with {schema.filters['user']}: check the connection's "
            "profile, user filter and base DN",)
