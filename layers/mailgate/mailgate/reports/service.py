"""A summary report made, kept in the mail bucket under `summary-reports/` (the scan reports have `reports/`)
and mailed to the configured recipients through the gateway's own mail path (as the Backup digest is)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from mailgate.backup.model import BackupIndex
from mailgate.config import GatewayConfig
from mailgate.reports import render
from mailgate.reports.gather import DirectoryHealth, Period, ReportWindow, gather

PREFIX = "summary-reports/"
# summary-reports/<newest first>-<report id>.{pdf,eml,json}: the key orders the listing newest first and says
# what the report is, so a page of the list is one S3 listing call, not a read per report
_KEY = re.compile(r"^summary-reports/\d{14}-(?P<rid>(?P<period>day|week|month)-(?P<first>\d{4}-\d{2}-\d{2})-"
                  r"(?P<last>\d{4}-\d{2}-\d{2})-\d{8}T\d{6}-[0-9a-f]{6})\.pdf$")
NEWEST_FIRST = 10**14  # minus the milliseconds since 1970


class ReportStore(Protocol):
    """Where reports are kept (aws/report_store.py)."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def listing(self, prefix: str, limit: int, start_after: str = "") -> list[tuple[str, int, str]]:
        """(key, size, modified) of at most `limit` objects after `start_after`, in key order."""
        ...

    def get(self, key: str) -> bytes: ...

    def download_url(self, key: str, seconds: int) -> str: ...


@dataclass(frozen=True)
class ReportPorts:
    store: ReportStore
    index: BackupIndex
    hourly: Callable[[Sequence[str]], dict[str, dict[str, int]]] | None
    directories: Callable[[], Sequence[DirectoryHealth] | None]
    send: Callable[[str, str, bytes], None]  # (mail_from, to, data): the own-mail path; raises when refused


@dataclass(frozen=True)
class MadeReport:
    report_id: str
    period: Period
    first_day: str
    last_day: str
    pdf_key: str
    mail_key: str
    size: int
    mailed_to: list[str]
    not_mailed: dict[str, str]  # address → why
    warnings: list[str]


def report_id(span: ReportWindow, now: datetime) -> str:
    return (f"{span.period}-{span.first_day.isoformat()}-{span.last_day.isoformat()}-"
            f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}")


def report_base(rid: str, now: datetime) -> str:
    """The report's keys without their suffix: newest first in the bucket's key order."""
    return f"{PREFIX}{NEWEST_FIRST - int(now.timestamp() * 1000):014d}-{rid}"


def make_report(config: GatewayConfig, ports: ReportPorts, span: ReportWindow, mail: bool = True,
                now: datetime | None = None) -> MadeReport:
    now = now or datetime.now(UTC)
    data = gather(span, ports.hourly, ports.index, ports.directories())
    shown = render.charts(data)
    document = render.pdf(data, shown)
    sender = config.notifications.sender(config.authserv_id)
    recipients = config.reports.recipients if mail else ()
    message = render.compose(data, sender, recipients or (sender,), config.authserv_id, shown, document, now)
    raw = message.as_bytes()
    rid = report_id(span, now)
    base = report_base(rid, now)
    ports.store.put(f"{base}.pdf", document, "application/pdf")
    ports.store.put(f"{base}.eml", raw, "message/rfc822")
    mailed: list[str] = []
    refused: dict[str, str] = {}
    for address in recipients:
        try:
            ports.send(sender, address, raw)
            mailed.append(address)
        except Exception as error:  # one recipient refused does not stop the others; the answer says why
            refused[address] = str(error)[:300]
    made = MadeReport(rid, span.period, span.first_day.isoformat(), span.last_day.isoformat(), f"{base}.pdf",
                      f"{base}.eml", len(document), mailed, refused, data.warnings)
    ports.store.put(f"{base}.json", json.dumps(made.__dict__).encode(), "application/json")
    return made


def listing(store: ReportStore, limit: int = 50, after: str = "") -> tuple[list[dict[str, Any]], str | None]:
    """A page of the kept reports, newest first, and the key the next page starts after (None: the last page).
    Only what the keys say is read; an object not named like a report is skipped."""
    found: list[dict[str, Any]] = []
    cursor = after
    while True:
        want = 3 * (limit - len(found)) + 2  # a report is three objects: .eml, .json, .pdf
        objects = store.listing(PREFIX, want, cursor)
        for key, size, modified in objects:
            cursor = key
            named = _KEY.match(key)
            if named is None:
                continue
            found.append({"report_id": named["rid"], "period": named["period"], "first_day": named["first"],
                          "last_day": named["last"], "created": modified, "size": size, "pdf_key": key})
            if len(found) >= limit:
                return found, cursor
        if len(objects) < want:
            return found, None


def due(config: GatewayConfig, now: datetime) -> list[Period]:
    """The periods the daily run reports on at `now` (its hour in reports.time_zone): the day before when daily
    is on; the week before on Mondays when weekly is; the month before on the 1st when monthly is."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    settings = config.reports
    today = now.astimezone(ZoneInfo(settings.time_zone)).date()
    wanted: list[Period] = []
    if settings.daily:
        wanted.append("day")
    if settings.weekly and today.weekday() == 0:
        wanted.append("week")
    if settings.monthly and today.day == 1:
        wanted.append("month")
    return wanted


def run_scheduled(config: GatewayConfig, ports: ReportPorts, now: datetime | None = None) -> list[MadeReport]:
    """The scheduled job (once a day at reports.hour): each period due, made, kept and mailed."""
    from mailgate.reports.gather import previous  # noqa: PLC0415

    now = now or datetime.now(UTC)
    return [make_report(config, ports, previous(period, now, config.reports.time_zone), now=now)
            for period in due(config, now)]
