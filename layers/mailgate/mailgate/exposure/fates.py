"""What became of an exposed message, per recipient, from its own events (the event log's partition of that
message) and its Backup entries: where it is now, in one word, and the event that says so."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mailgate.backup.model import BackupRecord
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.exposure.model import ExposureHit

# event kind → where the message is after it, for the recipients the event names (all of them when it names none)
STATES = {ev.DECISION: "decided", ev.DEFERRED: "deferred", ev.DELIVERED: "delivered", ev.HELD: "held",
          ev.BACKUP: "in_backup", ev.RELEASED: "released", ev.REJECTED: "rejected", ev.BOUNCED: "bounced",
          ev.DELETED: "deleted", ev.BACKUP_REMOVED: "removed_from_backup"}


@dataclass(frozen=True)
class Fate:
    recipient: str
    state: str  # a STATES value, or "received" when nothing was decided yet
    at: str = ""
    summary: str = ""
    action: str = ""  # the decision's action, when a decision said it


@dataclass(frozen=True)
class BackupEntry:
    backup_id: str
    present: bool  # False: removed (by an administrator or by retention)
    held_by: str = ""
    created_at: str = ""
    released_to: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Exposed:
    """One message that carried the indicator, and its fate."""

    hit: ExposureHit
    fates: tuple[Fate, ...]
    backup: tuple[BackupEntry, ...] = ()
    events: int = 0  # how many events the log still holds for it


def _named(event: Event, everyone: Sequence[str]) -> list[str]:
    if not event.recipient:
        return list(everyone)
    return [r.strip() for r in event.recipient.split(",") if r.strip()]


def fates_of(events: Iterable[Event], recipients: Sequence[str]) -> tuple[Fate, ...]:
    """Each recipient's last state, walking the message's events oldest first."""
    found: dict[str, Fate] = {r.lower(): Fate(r, "received") for r in recipients}
    for event in events:
        state = STATES.get(event.kind)
        if state is None:
            continue
        for recipient in _named(event, recipients):
            key = recipient.lower()
            previous = found.get(key)
            action = event.action or (previous.action if previous and state != "decided" else "")
            found[key] = Fate(previous.recipient if previous else recipient, state, event.at, event.summary[:300],
                              action or "")
    return tuple(found.values())


def backup_ids(events: Iterable[Event]) -> list[str]:
    return list(dict.fromkeys(str(e.detail.get("backup_id")) for e in events
                              if e.kind == ev.BACKUP and e.detail.get("backup_id")))


def exposed(hit: ExposureHit, events: Sequence[Event], backup: Callable[[str], BackupRecord | None]) -> Exposed:
    """The hit with each of its recipients' fates and its Backup entries as they are now (at most 20)."""
    entries = []
    for backup_id in backup_ids(events)[:20]:
        record = backup(backup_id)
        entries.append(BackupEntry(backup_id, False) if record is None else
                       BackupEntry(backup_id, True, record.held_by, record.created_at, record.released_to,
                                   record.reason[:300]))
    return Exposed(hit, fates_of(events, hit.recipients), tuple(entries), len(events))
