"""Backup's retention: entries older than the age limit go, then the oldest until Backup is under its size
limit (KSMG's defaults: 30 days, 7 GB); a warning when it passes 90 % of the size; and copies and records
that disagree are mended (a copy without a record, a record without a copy). Every removal leaves an event.

DynamoDB's TTL and the bucket's lifecycle rule expire entries a week after the age limit: they only catch what
a sweep that did not run left behind, so the counters and the size stay true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from mailgate.backup.model import BackupRecord
from mailgate.backup.removal import BackupRemover
from mailgate.events import model as ev
from mailgate.events.log import EventLog

WARN_AT = 0.9  # of the size limit
ORPHAN_GRACE = timedelta(hours=1)  # a copy is written before its record: a young copy may be mid-keep
SWEEP_EVENT_ID = "backup-retention"  # the event log's message id for the sweep's own events


class RetainedEntries(Protocol):
    def totals(self) -> tuple[int, int]: ...

    def oldest(self, first_day: date, last_day: date) -> Iterator[BackupRecord]: ...


class ListedCopies(Protocol):
    def listing(self) -> Iterable[tuple[str, datetime]]: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class RetentionLimits:
    max_age_days: int
    max_bytes: int
    grace_days: int = 7  # how far before the age limit the sweep looks (TTL's own grace)


@dataclass
class SweepReport:
    expired: list[str] = field(default_factory=list)  # removed for their age
    over_size: list[str] = field(default_factory=list)  # removed, oldest first, for the size limit
    orphan_copies: list[str] = field(default_factory=list)  # copies without a record, deleted
    missing_copies: list[str] = field(default_factory=list)  # records without a copy, removed
    entries: int = 0
    bytes: int = 0  # what Backup holds after the sweep
    warned: bool = False


@dataclass(frozen=True)
class RetentionSweep:
    entries: RetainedEntries
    copies: ListedCopies
    remover: BackupRemover
    events: EventLog
    limits: RetentionLimits

    def run(self, now: datetime | None = None) -> SweepReport:
        now = now or datetime.now(UTC)
        report = SweepReport()
        first_day = (now - timedelta(days=self.limits.max_age_days + self.limits.grace_days + 1)).date()
        self._mend(report, first_day, now)
        self._expire(report, first_day, now)
        self._shrink(report, first_day, now)
        report.entries, report.bytes = self.entries.totals()
        if report.bytes >= WARN_AT * self.limits.max_bytes:
            report.warned = True
            self.events.append([ev.Event(
                SWEEP_EVENT_ID, ev.WARNING,
                f"Backup holds {report.bytes / 2**20:.0f} MB of its {self.limits.max_bytes / 2**20:.0f} MB "
                f"({100 * report.bytes / self.limits.max_bytes:.0f} %): the oldest entries are removed beyond the "
                "limit; raise backup_max_megabytes or release and delete what is not needed",
                detail={"bytes": report.bytes, "max_bytes": self.limits.max_bytes, "entries": report.entries})])
        return report

    def _expire(self, report: SweepReport, first_day: date, now: datetime) -> None:
        cutoff = now - timedelta(days=self.limits.max_age_days)
        cutoff_text = cutoff.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        why = f"older than {self.limits.max_age_days} days (Backup's retention)"
        for record in self.entries.oldest(first_day, cutoff.date()):
            if record.created_at < cutoff_text and self.remover.remove(record.backup_id, "retention", why):
                report.expired.append(record.backup_id)

    def _shrink(self, report: SweepReport, first_day: date, now: datetime) -> None:
        _, size = self.entries.totals()
        if size <= self.limits.max_bytes:
            return
        why = f"Backup passed its size limit of {self.limits.max_bytes / 2**20:.0f} MB: the oldest entries go first"
        for record in self.entries.oldest(first_day, now.date()):
            if size <= self.limits.max_bytes:
                break
            if self.remover.remove(record.backup_id, "retention", why):
                report.over_size.append(record.backup_id)
                size -= record.size

    def _mend(self, report: SweepReport, first_day: date, now: datetime) -> None:
        copies = dict(self.copies.listing())
        records = {r.object_key: r for r in self.entries.oldest(first_day, now.date())}
        for key, modified in copies.items():
            if key not in records and now - modified > ORPHAN_GRACE:
                self.copies.delete(key)
                report.orphan_copies.append(key)
        for key, record in records.items():
            if key not in copies and self.remover.remove(record.backup_id, "retention",
                                                         "its copy of the original was missing from the bucket"):
                report.missing_copies.append(record.backup_id)
