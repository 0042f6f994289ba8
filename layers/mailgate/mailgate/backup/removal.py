"""Removing Backup entries: one, many by a search, or the oldest when retention says so. Each removal deletes
the copy in the bucket and the record, and leaves an event; a bulk removal counts before it deletes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from mailgate.backup.model import BackupIndex, BackupRecord
from mailgate.backup.search import BackupQuery
from mailgate.events import model as ev
from mailgate.events.log import EventLog

BULK_CAP = 1000  # entries one bulk request removes; a larger selection takes several requests


class BackupObjects(Protocol):
    def delete(self, key: str) -> None: ...


def matching(index: BackupIndex, query: BackupQuery, cap: int = BULK_CAP) -> Iterator[BackupRecord]:
    """Up to `cap` entries the search finds, reading every page (a filtered page may be short)."""
    token: str | None = None
    found = 0
    while found < cap:
        records, token = index.search(query, min(500, cap - found), token)
        yield from records
        found += len(records)
        if token is None:
            return


@dataclass(frozen=True)
class BackupRemover:
    index: BackupIndex
    objects: BackupObjects
    events: EventLog

    def remove(self, backup_id: str, who: str, why: str) -> BackupRecord | None:
        """The removed entry, or None when there was none. The record goes first: a copy left behind by a
        failure between the two is an orphan the retention sweep removes."""
        record = self.index.delete(backup_id)
        if record is None:
            return None
        self.objects.delete(record.object_key)
        self.events.append([ev.Event(record.message_id, ev.BACKUP_REMOVED, f"removed from Backup by {who}: {why}",
                                     ", ".join(record.recipients[:100]),
                                     {"backup_id": record.backup_id, "by": who, "why": why},
                                     sender=record.sender, subject=record.subject)])
        return record

    def matching(self, query: BackupQuery, cap: int = BULK_CAP) -> Iterator[BackupRecord]:
        return matching(self.index, query, cap)

    def count(self, query: BackupQuery, cap: int = BULK_CAP) -> tuple[int, bool]:
        """(entries matched up to the cap, whether more match than the cap)."""
        matched = sum(1 for _ in self.matching(query, cap + 1))
        return min(matched, cap), matched > cap

    def remove_matching(self, query: BackupQuery, who: str, why: str, cap: int = BULK_CAP) -> list[str]:
        """The ids removed (at most `cap`): the same search again removes the rest."""
        chosen = [r.backup_id for r in self.matching(query, cap)]
        return [i for i in chosen if self.remove(i, who, why) is not None]
