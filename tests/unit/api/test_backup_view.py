"""The safe view and the download of a Backup entry, as an administrator, a security officer, an auditor and a
personal user call them through the real resolver over moto: what each sees, what each may download, what the
event log and the entry's history then say, and that every answer is the shape OpenAPI declares."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from mailgate.api.app import create_app, openapi_document
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.backup.model import BackupRecord, HeldBy, backup_id_for
from mailgate.config import GatewayConfig
from mailgate.events import model as ev
from mailgate.rules.decision import Decision
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult, ScanReport
from mailgate.settings.service import SettingsService
from tests.unit.api.resolver import MAIL_BUCKET, call
from tests.unit.api.test_openapi_truth import _answer, _check

ORIGINAL = (b"From: Eve <eve@evil.test>\r\nTo: ann@example.org, carol@example.org\r\nSubject: Cheap watches\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            b"<html><head><script>alert(1)</script></head><body><p>Buy now</p>"
            b"<img src=\"http://evil.test/pixel.gif\" onerror=\"alert(2)\"><a href=\"javascript:go()\">here</a>"
            b"</body></html>\r\n")
SPAM = ScannerResult("antispam", "spam", 12.5, (Contribution("BAYES_99", 5.0, "learned as spam", "0.99"),
                                                Contribution("HTML_IMAGE_ONLY", 2.0, "mostly a remote image")))


class Gateway:
    def __init__(self) -> None:
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        resources.create_bucket(MAIL_BUCKET)
        config = GatewayConfig(authserv_id="mx.example.org", domains={"example.org": {}})
        self.reports: dict[str, ScanReport] = {}
        self.events = DynamoEventLog("events")
        self.index = DynamoBackupIndex("backup")
        self.app = create_app(Ports(
            events=lambda: self.events, backup=lambda: self.index,
            settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: config),
            config=lambda: config, mail=lambda: S3MailStore(MAIL_BUCKET), report=self.reports.get))
        self.document = openapi_document(self.app)

    def keep(self, message_id: str, recipients: tuple[str, ...], raw: bytes = ORIGINAL,
             verdicts: dict[str, str] | None = None, verdict_class: str = "spam",
             held_by: HeldBy = HeldBy.ANTISPAM) -> BackupRecord:
        backup_id = backup_id_for(message_id, recipients)
        record = BackupRecord(backup_id=backup_id, message_id=message_id, recipients=recipients,
                              sender="eve@evil.test", subject="Cheap watches", reason="spam",
                              object_key=f"backup/{backup_id}.eml", verdicts=verdicts or {"antispam": "spam"},
                              held_by=held_by, verdict_class=verdict_class, size=len(raw))
        client("s3").put_object(Bucket=MAIL_BUCKET, Key=record.object_key, Body=raw)
        self.index.put(record)
        return record

    def answers(self, method: str, path: str, status: int, role: str, body: object = None,
                email: str = "ann@example.org") -> dict:
        """The reply, after checking its status and that its declared schema accepts it."""
        if email == "ann@example.org":
            got, content_type, reply = _answer(self.app, method, path, body, role)
            route = path.replace(path.split("/")[2], "{backup_id}", 1)
            _check(self.document, method.lower(), route, got, content_type, reply)
        else:
            got, reply = call(self.app, method, path, role, body, email=email)
        assert got == status, reply
        return reply


@pytest.fixture
def gateway(aws):
    return Gateway()


def path(record: BackupRecord, action: str) -> str:
    return f"/backup/{quote(record.backup_id)}/{action}"


def test_an_administrator_reads_a_spam_entry_as_text_with_its_tests_and_recorded_decision(gateway):
    record = gateway.keep("m-1", ("ann@example.org", "carol@example.org"))
    gateway.reports["m-1"] = ScanReport("m-1", {}, Envelope("eve@evil.test", record.recipients), {}, (SPAM,))
    kept = Decision("deliver", True, "Sales", "spam (score 12.5)", "antispam", "spam",
                    path=("rule Sales matched", "Anti-Spam: spam, score 12.5", "action: deliver, keep a copy"))
    gateway.events.append([ev.Event("m-1", ev.DECISION, "rule Sales: deliver", "ann@example.org, carol@example.org",
                                    {"decision": kept.to_dict()})])
    view = gateway.answers("GET", path(record, "view"), 200, "SecurityOfficer")
    assert view["body"] == {"text": "Buy now\nhere", "source": "text/html", "truncated": False}
    assert "<" not in view["body"]["text"] and "evil.test/pixel" not in str(view)
    assert {"name": "Subject", "value": "Cheap watches", "truncated": False} in view["headers"]
    assert view["scanners"] == [{"scanner": "antispam", "verdict": "spam", "score": 12.5, "tests": [
        {"test": "BAYES_99", "score": 5.0, "description": "learned as spam", "evidence": "0.99"},
        {"test": "HTML_IMAGE_ONLY", "score": 2.0, "description": "mostly a remote image", "evidence": ""}]}]
    decision = view["decision"]
    assert decision["recorded"] and decision["rule"] == "Sales"
    assert decision["steps"][1] == "Anti-Spam: spam, score 12.5"
    assert view["recipients"] == ["ann@example.org", "carol@example.org"] and view["dangerous"] is False


def test_without_a_recorded_decision_the_view_decides_again_from_the_scan_report(gateway):
    record = gateway.keep("m-2", ("ann@example.org",))
    gateway.reports["m-2"] = ScanReport("m-2", {}, Envelope("eve@evil.test", record.recipients), {}, (SPAM,))
    decision = gateway.answers("GET", path(record, "view"), 200, "Auditor")["decision"]
    assert decision["recorded"] is False and decision["recipients"] == ["ann@example.org"]
    assert decision["steps"]  # the current rule table's path, as GET /messages/{id}/explanation gives it


def test_without_a_scan_report_or_decision_the_view_still_shows_the_message(gateway):
    record = gateway.keep("m-3", ("ann@example.org",))
    view = gateway.answers("GET", path(record, "view"), 200, "Administrator")
    assert (view["scanners"], view["decision"], view["body"]["text"]) == ([], None, "Buy now\nhere")


def test_a_personal_user_views_their_own_entry_without_the_other_recipients(gateway):
    shared = gateway.keep("m-4", ("ann@example.org", "carol@example.org"))
    gateway.events.append([ev.Event("m-4", ev.DECISION, "rule Default: deliver", "ann@example.org, carol@example.org",
                                    {"decision": Decision("deliver", True, "Default", "spam").to_dict()})])
    view = gateway.answers("GET", path(shared, "view"), 200, "PersonalUser")
    assert view["recipients"] == ["ann@example.org"] and view["decision"]["recipients"] == ["ann@example.org"]
    assert "carol@example.org" not in view["recipients"] + view["decision"]["recipients"]
    carols = gateway.keep("m-5", ("carol@example.org",))
    reply = gateway.answers("GET", path(carols, "view"), 404, "PersonalUser")
    assert reply["error"] == "not_found"


def test_an_entry_whose_original_is_gone_is_not_found_and_an_unknown_entry_too(gateway):
    record = gateway.keep("m-6", ("ann@example.org",))
    client("s3").delete_object(Bucket=MAIL_BUCKET, Key=record.object_key)
    assert "no longer stored" in gateway.answers("GET", path(record, "view"), 404, "Administrator")["message"]
    gateway.answers("GET", "/backup/nothing/view", 404, "Administrator")


def test_a_security_officer_downloads_the_original_and_the_log_and_history_say_who(gateway):
    record = gateway.keep("m-7", ("ann@example.org",))
    link = gateway.answers("POST", path(record, "download"), 200, "SecurityOfficer", {})
    assert link["expires_in"] == 300 and "X-Amz-Expires=300" in link["url"]  # SigV4: what KMS-encrypted objects need
    assert requests.get(link["url"], timeout=10).content == ORIGINAL
    [event] = [e for e in gateway.events.for_message("m-7") if e.kind == ev.BACKUP_DOWNLOADED]
    assert event.detail["by"] == "ann <ann@example.org>" and event.detail["backup_id"] == record.backup_id
    history = gateway.index.get(record.backup_id).history
    assert [(h.action, h.actor) for h in history] == [("downloaded", "ann <ann@example.org>")]


def test_an_auditor_may_not_download_and_a_personal_user_only_their_own(gateway):
    mine = gateway.keep("m-8", ("ann@example.org",))
    carols = gateway.keep("m-9", ("carol@example.org",))
    assert gateway.answers("POST", path(mine, "download"), 403, "Auditor", {})["error"] == "forbidden"
    assert gateway.answers("POST", path(mine, "download"), 200, "PersonalUser", {})["expires_in"] == 300
    gateway.answers("POST", path(carols, "download"), 404, "PersonalUser", {})
    # an auditor who also has a mailbox downloads their own mail, not everyone's
    assert gateway.answers("POST", path(carols, "download"), 404, "Auditor PersonalUser", {})["error"] == "not_found"
    gateway.answers("POST", path(mine, "download"), 200, "Auditor PersonalUser", {})
    assert not [e for e in gateway.events.for_message("m-9") if e.kind == ev.BACKUP_DOWNLOADED]


@pytest.mark.parametrize("verdicts", [{"antivirus": "infected"}, {"antiphishing": "phishing"}])
def test_infected_or_phishing_mail_is_downloaded_only_by_an_administrator_who_says_so(gateway, verdicts):
    record = gateway.keep("m-10", ("ann@example.org",), verdicts=verdicts, verdict_class=next(iter(verdicts.values())),
                          held_by=HeldBy.ANTIVIRUS)
    officer = gateway.answers("POST", path(record, "download"), 403, "SecurityOfficer", {"include_infected": True})
    assert "only an Administrator" in officer["message"]
    gateway.answers("POST", path(record, "download"), 403, "PersonalUser", {"include_infected": True})
    admin = gateway.answers("POST", path(record, "download"), 403, "Administrator", {})
    assert "include_infected" in admin["message"]
    assert gateway.answers("GET", path(record, "view"), 200, "Administrator")["dangerous"] is True
    assert not [e for e in gateway.events.for_message("m-10") if e.kind == ev.BACKUP_DOWNLOADED]
    link = gateway.answers("POST", path(record, "download"), 200, "Administrator", {"include_infected": True})
    assert requests.get(link["url"], timeout=10).content == ORIGINAL
    [event] = [e for e in gateway.events.for_message("m-10") if e.kind == ev.BACKUP_DOWNLOADED]
    assert event.detail["include_infected"] is True and "infected or phishing" in event.summary


def test_the_view_and_download_routes_are_documented_with_their_shapes(gateway):
    operations = gateway.document["paths"]
    view = operations["/backup/{backup_id}/view"]["get"]["responses"]["200"]["content"]["application/json"]
    assert view["schema"] == {"$ref": "#/components/schemas/SafeViewAnswer"}
    schemas = gateway.document["components"]["schemas"]
    assert {"headers", "body", "attachments", "scanners", "decision"} <= set(schemas["SafeViewAnswer"]["properties"])
    download = operations["/backup/{backup_id}/download"]["post"]
    assert set(download["responses"]) >= {"200", "401", "403", "404"}
    assert download["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DownloadLink"}
