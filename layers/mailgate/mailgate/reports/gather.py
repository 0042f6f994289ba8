"""What a summary report says, gathered from what the dashboard already keeps: the hourly counters behind
`GET /stats` (never a recount), the Backup index (its newest entries of the period, a bounded read; its counts
and totals), and the directory connections' status. The pure parts take and return plain data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailgate.backup.model import BackupIndex, BackupRecord
from mailgate.backup.search import BackupQuery
from mailgate.stats.series import Bucket, Step, bucket_starts, hours_of, series

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
BACKUP_SAMPLE = 2000  # Backup entries read for the top lists at most, the newest first
BACKUP_PAGE = 500
TOP = 10
MAX_NAME = 256  # characters of a sender, domain or recipient kept


@dataclass(frozen=True)
class ReportWindow:
    period: Period
    start: datetime  # local midnight of the first day, as UTC
    end: datetime  # exclusive
    time_zone: str
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def window(period: Period, last_day: date, time_zone: str) -> ReportWindow:
    """The period that ends with `last_day` (inclusive) in the time zone: that day; the Monday-to-Sunday week
    holding it; its calendar month."""
    if period == "day":
        first, last = last_day, last_day
    elif period == "week":
        first = last_day - timedelta(days=last_day.weekday())
        last = first + timedelta(days=6)
    else:
        first = last_day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    zone = ZoneInfo(time_zone)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return ReportWindow(period, start, end, time_zone, first, last)


def previous(period: Period, now: datetime, time_zone: str) -> ReportWindow:
    """The last complete period before `now` in the time zone (what a schedule reports on)."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    if period == "day":
        return window("day", today - timedelta(days=1), time_zone)
    if period == "week":
        return window("week", today - timedelta(days=today.weekday() + 1), time_zone)
    return window("month", today.replace(day=1) - timedelta(days=1), time_zone)


@dataclass(frozen=True)
class DirectoryHealth:
    name: str
    state: str  # never, ok, warning, failed
    last_success: str | None
    stale_since: str | None


@dataclass(frozen=True)
class ReportData:
    window: ReportWindow
    step: Step
    buckets: list[Bucket]
    totals: Bucket
    top_senders: list[tuple[str, int]]
    top_domains: list[tuple[str, int]]
    top_recipients: list[tuple[str, int]]
    sample_read: int
    sample_complete: bool
    released: int  # entries of the sample released
    backup_counts: dict[str, int]  # held_by → entries of the period
    backup_entries: int  # all of Backup now
    backup_bytes: int
    directories: list[DirectoryHealth]
    warnings: list[str] = field(default_factory=list)


def _ranked(names: Sequence[str], top: int = TOP) -> list[tuple[str, int]]:
    return sorted(Counter(n for n in names if n).items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def top_lists(records: Sequence[BackupRecord], top: int = TOP) -> tuple[list[tuple[str, int]], ...]:
    """(senders, sender domains, recipients) of the most entries, most first, ties by name; each name cut to
    MAX_NAME characters (a sender wrote them: the renderers escape them)."""
    senders = [r.sender.strip().lower()[:MAX_NAME] or "<>" for r in records]
    domains = [s.rpartition("@")[2] for s in senders if "@" in s]
    recipients = [a.strip().lower()[:MAX_NAME] for r in records for a in r.recipients]
    return _ranked(senders, top), _ranked(domains, top), _ranked(recipients, top)


def step_for(period: Period) -> Step:
    return "hour" if period == "day" else "day"


def backup_sample(index: BackupIndex, first: datetime, last: datetime,
                  limit: int = BACKUP_SAMPLE) -> tuple[list[BackupRecord], bool]:
    """The period's newest Backup entries, at most `limit`; and whether that is all of them."""
    query = BackupQuery(start=_iso(first), end=_iso(last))
    records: list[BackupRecord] = []
    token: str | None = None
    while len(records) < limit:
        found, token = index.search(query, min(BACKUP_PAGE, limit - len(records)), token)
        records.extend(found)
        if token is None:
            return records, True
    return records, False


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gather(span: ReportWindow, hourly: Callable[[Sequence[str]], dict[str, dict[str, int]]] | None,
           index: BackupIndex, directories: Sequence[DirectoryHealth] | None) -> ReportData:
    """`hourly`: the counters' reader (None: not in this deployment); `directories`: None when none is set up."""
    warnings: list[str] = []
    step = step_for(span.period)
    if hourly is None:
        warnings.append("the traffic counters are not available in this deployment")
    # the counters are per UTC hour: a local day in a zone off by half an hour starts inside one, which counts
    counts = hourly(hours_of(bucket_starts(span.start, span.end, "hour"), "hour")) if hourly else {}
    found = series(counts, span.start, span.end, "hour")
    buckets = _per_local_day(found.buckets, span) if step == "day" else found.buckets
    records, complete = backup_sample(index, span.start, span.end)
    if not complete:
        warnings.append(f"the top lists are from the period's newest {len(records)} Backup entries, not all of them")
    senders, domains, recipients = top_lists(records)
    query = BackupQuery(start=_iso(span.start), end=_iso(span.end))
    entries, size = index.totals()
    return ReportData(span, step, buckets, found.totals, senders, domains, recipients, len(records), complete,
                      sum(1 for r in records if r.released), index.counts(query), entries, size,
                      list(directories or ()), warnings)


def _per_local_day(hours: list[Bucket], span: ReportWindow) -> list[Bucket]:
    """Hourly buckets summed into the time zone's days (the dashboard's days are UTC days)."""
    zone = ZoneInfo(span.time_zone)
    days: dict[date, list[Bucket]] = {}
    for bucket in hours:
        days.setdefault(bucket.start.astimezone(zone).date(), []).append(bucket)
    summed: list[Bucket] = []
    for day, members in sorted(days.items()):
        traffic = {k: sum(b.traffic[k] for b in members) for k in members[0].traffic}
        verdicts = {m: {v: sum(b.verdicts[m][v] for b in members) for v in vs}
                    for m, vs in members[0].verdicts.items()}
        summed.append(Bucket(datetime.combine(day, time(), zone), traffic, verdicts))
    return summed


def directory_health(statuses: Sequence[tuple[str, str, str | None, str | None]]) -> list[DirectoryHealth]:
    """(name, state, last_success, stale_since) per connection → the report's rows."""
    return [DirectoryHealth(name[:MAX_NAME], state, last, stale) for name, state, last, stale in statuses]
