"""GET /reports and POST /reports/run through the real resolver: a report made now is kept in the mail bucket
under summary-reports/, mailed to each configured recipient through the own-mail port, and listed with a
download URL of its PDF; Auditors read, only Administrators and SecurityOfficers make one."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.report_store import S3ReportStore
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.config import GatewayConfig, ReportSettings
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.reports.service import ReportPorts
from tests.unit.api.resolver import call

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def sent(aws):
    resources.create_tables("events", "backup", "idem")
    resources.create_bucket("mail")
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    DynamoEventLog("events").append([Event("m-1", ev.RECEIVED, "", "bob@example.org", {}, at=at)])
    return []


@pytest.fixture
def app(sent):
    config = GatewayConfig(authserv_id="mx.example.org", domains={"example.org": {}},
                           reports=ReportSettings(recipients=("Admin@example.org", "boss@example.org")))

    def send(mail_from: str, to: str, data: bytes) -> None:
        if to == "boss@example.org":
            raise RuntimeError("mx refused boss@example.org: 550 no such user")
        sent.append((mail_from, to, data))

    made = ReportPorts(store=S3ReportStore(S3MailStore("mail")), index=DynamoBackupIndex("backup"),
                       hourly=DynamoStatsCounters("events").hourly, directories=lambda: None, send=send)
    return create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                            settings=lambda: None, config=lambda: config,  # type: ignore[arg-type,return-value]
                            summary_reports=lambda: made))


def test_a_report_made_now_is_kept_mailed_and_listed(app, sent):
    status, body = call(app, "POST", "/reports/run", "SecurityOfficer", {"period": "day", "end": TODAY})
    assert status == 200, body
    assert body["first_day"] == body["last_day"] == TODAY and body["pdf_key"].startswith("summary-reports/")
    assert body["report_id"].startswith(f"day-{TODAY}-{TODAY}-") and body["report_id"] in body["pdf_key"]
    assert body["mailed_to"] == ["admin@example.org"] and "550" in body["not_mailed"]["boss@example.org"]
    pdf = client("s3").get_object(Bucket="mail", Key=body["pdf_key"])["Body"].read()
    assert pdf.startswith(b"%PDF") and len(pdf) == body["size"]
    [(mail_from, to, data)] = sent
    message = email.message_from_bytes(data, policy=policy.default)
    assert to == "admin@example.org" and f"<{mail_from}>" in message["From"]
    assert [p.get_content_type() for p in message.iter_attachments()] == ["application/pdf"]
    status, listed = call(app, "GET", "/reports", "Auditor")
    assert status == 200, listed
    [report] = listed["reports"]
    assert report["report_id"] == body["report_id"] and report["size"] == body["size"]
    assert body["pdf_key"] in report["download_url"]
    assert body["pdf_key"].removesuffix(".pdf") + ".eml" in report["mail_url"]
    assert listed["next_cursor"] is None


def test_the_list_pages_newest_first_with_its_cursor(app):
    days = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"]
    for day in days:
        status, body = call(app, "POST", "/reports/run", "Administrator", {"period": "day", "end": day, "mail": False})
        assert status == 200, body
    seen: list[str] = []
    cursor = None
    while True:
        status, listed = call(app, "GET", "/reports?limit=2" + (f"&cursor={cursor}" if cursor else ""), "Auditor")
        assert status == 200, listed
        assert len(listed["reports"]) <= 2
        seen += [r["first_day"] for r in listed["reports"]]
        cursor = listed["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(days))  # the last made first


def test_a_cursor_the_api_did_not_write_is_refused(app):
    for cursor in ("not-a-cursor", "eyJhZnRlciI6ICJiYWNrdXAveCJ9"):  # the second: {"after": "backup/x"}
        status, body = call(app, "GET", f"/reports?cursor={cursor}", "Auditor")
        assert status == 400 and body["field"] == "cursor", body


def test_an_auditor_cannot_make_one_and_a_period_must_be_named(app):
    assert call(app, "POST", "/reports/run", "Auditor", {"period": "day"})[0] == 403
    assert call(app, "POST", "/reports/run", "Administrator", {"period": "year"})[0] == 422


def test_without_the_mail_bucket_the_answer_says_so(aws):
    app = create_app(Ports(events=lambda: None, backup=lambda: None,  # type: ignore[arg-type,return-value]
                           settings=lambda: None, config=GatewayConfig))  # type: ignore[arg-type,return-value]
    status, body = call(app, "GET", "/reports", "Auditor")
    assert status == 503 and body["error"] == "reports_unavailable"
