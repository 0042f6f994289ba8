"""Summary reports: the period in a time zone, the numbers from the hourly counters and Backup (never a recount),
and what is drawn: an HTML mail with the charts inline by Content-ID, a PDF, every sender-written name escaped."""

from __future__ import annotations

import email
import shutil
import subprocess
from datetime import UTC, date, datetime
from email import policy

import pytest

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.backup.model import BackupRecord
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.reports import render
from mailgate.reports.gather import DirectoryHealth, gather, previous, top_lists, window

HOSTILE = '<script>alert(1)</script>"@evil.test'


def test_a_day_in_berlin_is_its_local_midnights_in_utc():
    span = window("day", date(2026, 7, 1), "Europe/Berlin")
    assert (span.start, span.end) == (datetime(2026, 6, 30, 22, tzinfo=UTC), datetime(2026, 7, 1, 22, tzinfo=UTC))


def test_a_week_runs_monday_to_sunday_and_a_month_is_its_calendar_month():
    week = window("week", date(2026, 12, 3), "UTC")
    assert (week.first_day, week.last_day) == (date(2026, 11, 30), date(2026, 12, 6))
    month = window("month", date(2026, 2, 10), "UTC")
    assert (month.first_day, month.last_day) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_schedule_reports_on_the_last_complete_period():
    now = datetime(2026, 12, 5, 7, tzinfo=UTC)  # a Saturday
    assert previous("day", now, "UTC").first_day == date(2026, 12, 4)
    assert (previous("week", now, "UTC").first_day, previous("week", now, "UTC").last_day) == \
        (date(2026, 11, 23), date(2026, 11, 29))
    assert previous("month", now, "UTC").first_day == date(2026, 11, 1)


def _record(n: int, sender: str, recipients: tuple[str, ...], created: str) -> BackupRecord:
    return BackupRecord(backup_id=f"b-{n}", message_id=f"m-{n}", recipients=recipients, sender=sender,
                        subject="s", reason="spam", object_key=f"backup/m-{n}", created_at=created, size=100)


def test_the_top_lists_count_senders_domains_and_recipients_most_first():
    records = [_record(1, "A@spam.test", ("bob@example.org",), ""),
               _record(2, "a@spam.test", ("bob@example.org", "eve@example.org"), ""),
               _record(3, "c@other.test", ("eve@example.org",), "")]
    senders, domains, recipients = top_lists(records)
    assert senders == [("a@spam.test", 2), ("c@other.test", 1)]
    assert domains == [("spam.test", 2), ("other.test", 1)]
    assert recipients == [("bob@example.org", 2), ("eve@example.org", 2)]


@pytest.fixture
def data(aws):
    resources.create_tables("events", "backup", "idem")
    at = "2026-07-01T10:15:00.000000Z"
    DynamoEventLog("events").append([Event("m-1", ev.RECEIVED, "", "bob@example.org", {}, at=at),
                                     Event("m-2", ev.RECEIVED, "", "bob@example.org", {}, at=at)])
    index = DynamoBackupIndex("backup")
    index.put(_record(1, HOSTILE, ("bob@example.org",), at))
    span = window("day", date(2026, 7, 1), "Europe/Berlin")
    return gather(span, DynamoStatsCounters("events").hourly, index,
                  [DirectoryHealth("corp <AD>", "failed", None, "2026-06-30T01:00:00Z")])


def test_the_numbers_come_from_the_counters_and_backup(data):
    assert data.totals.traffic["received"] == 2 and len(data.buckets) == 24
    assert data.top_senders == [(HOSTILE.lower(), 1)] and data.top_recipients == [("bob@example.org", 1)]
    assert data.sample_read == 1 and data.sample_complete


def test_the_mail_shows_its_charts_inline_and_escapes_what_a_sender_wrote(data):
    shown = render.charts(data)
    document = render.pdf(data, shown)
    message = render.compose(data, "gateway@example.org", ("admin@example.org",), "mx.example.org", shown,
                             document, datetime(2026, 7, 2, 6, tzinfo=UTC))
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    html = parsed.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "corp &lt;AD&gt;" in html
    images = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert {p["Content-ID"] for p in images} == {"<traffic@mailgate.report>", "<detections@mailgate.report>"}
    assert all(f'src="cid:{p["Content-ID"].strip("<>")}"' in html for p in images)
    assert all(p.get_content().startswith(b"\x89PNG") for p in images)
    pdfs = [p for p in parsed.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_reads_as_the_report(data, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(render.pdf(data, render.charts(data)))
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Mail gateway summary report" in words and "2026-07-01" in words and "Europe/Berlin" in words
    assert "received" in words and HOSTILE.lower() in words


def test_the_daily_run_makes_the_periods_due():
    from mailgate.config import GatewayConfig, ReportSettings
    from mailgate.reports.service import due

    every = GatewayConfig(reports=ReportSettings(daily=True, weekly=True, monthly=True, time_zone="Europe/Berlin"))
    assert due(every, datetime(2026, 6, 1, 5, tzinfo=UTC)) == ["day", "week", "month"]  # a Monday, the 1st
    assert due(every, datetime(2026, 6, 2, 5, tzinfo=UTC)) == ["day"]
    assert due(GatewayConfig(), datetime(2026, 6, 1, 5, tzinfo=UTC)) == []
    # 23:30 UTC on May 31 is already June 1 in Berlin
    assert due(every, datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == ["day", "week", "month"]
