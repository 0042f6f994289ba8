"""Who may release which Backup entry to whom, through the real resolver over moto, with the execute-once table
of the rules step and a recording deliverer in place of the SMTP relay: infected mail only by an Administrator
who confirms, a user only their own spam to themselves, a failed delivery shown in the answer and the history."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.idempotency import DynamoExecuteOnce
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.backup.model import BackupRecord, HeldBy, backup_id_for
from mailgate.backup.releasing import ReleasePorts
from mailgate.config import GatewayConfig, Route
from mailgate.delivery.base import DeliveryResult
from mailgate.delivery.errors import TemporaryDeliveryError
from mailgate.events import model as ev
from mailgate.settings.service import SettingsService
from tests.unit.api.resolver import MAIL_BUCKET, call

ADMIN, OFFICER, AUDITOR, USER = "Administrator", "SecurityOfficer", "Auditor", "PersonalUser"
ORIGINAL = b"From: eve@evil.test\r\nTo: ann@example.org\r\nSubject: Offer\r\n\r\nBuy now.\r\n"


class RecordingDeliverer:
    def __init__(self, sent: list[tuple[str, tuple[str, ...], bytes]], down: set[str]) -> None:
        self.sent, self.down = sent, down

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        if set(recipients) & self.down:
            raise TemporaryDeliveryError("connection refused by mail.example.org:25")
        self.sent.append((mail_from, tuple(recipients), message))
        return DeliveryResult("mail.example.org", 25, True, tuple(recipients), reply="250 2.0.0 Ok: queued")


class Gateway:
    def __init__(self) -> None:
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        resources.create_bucket(MAIL_BUCKET)
        config = GatewayConfig(authserv_id="mx.example.org", domains={"example.org": Route(), "partner.org": Route()})
        self.sent: list[tuple[str, tuple[str, ...], bytes]] = []
        self.down: set[str] = set()
        self.events = DynamoEventLog("events")
        self.index = DynamoBackupIndex("backup")
        releasing = ReleasePorts(read_original=S3MailStore(MAIL_BUCKET).get_bytes,
                                 deliverer_for=lambda route: RecordingDeliverer(self.sent, self.down),
                                 execute_once=DynamoExecuteOnce("idem"), index=self.index, events=self.events)
        self.app = create_app(Ports(
            events=lambda: self.events, backup=lambda: self.index,
            settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: config),
            config=lambda: config, mail=lambda: S3MailStore(MAIL_BUCKET), backup_release=lambda: releasing))

    def keep(self, message_id: str, recipients: tuple[str, ...], verdicts: dict[str, str] | None = None,
             verdict_class: str = "spam", held_by: HeldBy = HeldBy.ANTISPAM) -> BackupRecord:
        backup_id = backup_id_for(message_id, recipients)
        record = BackupRecord(backup_id=backup_id, message_id=message_id, recipients=recipients,
                              sender="eve@evil.test", subject="Offer", reason="held",
                              object_key=f"backup/{backup_id}.eml",
                              verdicts=verdicts or {"antispam": "spam"}, held_by=held_by, verdict_class=verdict_class)
        client("s3").put_object(Bucket=MAIL_BUCKET, Key=record.object_key, Body=ORIGINAL)
        self.index.put(record)
        return record

    def release(self, record: BackupRecord, role: str, body: dict, email: str = "ann@example.org") -> tuple[int, dict]:
        return call(self.app, "POST", f"/backup/{record.backup_id}/release", role, body, email=email)


@pytest.fixture
def gateway(aws):
    return Gateway()


def test_infected_mail_is_released_only_by_an_administrator_who_confirms(gateway):
    virus = gateway.keep("m-v", ("ann@example.org",), {"antivirus": "infected"}, "infected", HeldBy.ANTIVIRUS)
    status, reply = gateway.release(virus, OFFICER, {"confirm": True})
    assert status == 403 and "only an Administrator" in reply["message"]
    status, reply = gateway.release(virus, ADMIN, {})
    assert status == 403 and "confirm true" in reply["message"]
    status, reply = gateway.release(virus, USER, {"confirm": True})
    assert status == 403 and "release-request" in reply["message"]
    assert gateway.sent == []
    status, reply = gateway.release(virus, ADMIN, {"confirm": True})
    assert status == 200 and [o["status"] for o in reply["outcomes"]] == ["delivered"]
    assert [r for _f, r, _m in gateway.sent] == [("ann@example.org",)]


def test_phishing_counts_as_dangerous_by_its_verdict_too(gateway):
    phish = gateway.keep("m-p", ("ann@example.org",), {"antiphishing": "phishing"}, "spam", HeldBy.RULE)
    assert gateway.release(phish, OFFICER, {})[0] == 403


def test_a_user_releases_their_own_spam_to_themselves_but_not_what_the_settings_keep_from_them(gateway):
    shared = gateway.keep("m-s", ("ann@example.org", "carol@example.org"))
    status, reply = gateway.release(shared, USER, {"to": ["carol@example.org"]})
    assert status == 403 and "carol@example.org" in reply["message"]
    status, reply = gateway.release(shared, USER, {})
    assert status == 200 and [o["to"] for o in reply["outcomes"]] == ["ann@example.org"]
    assert reply["released_to"] == ["ann@example.org"]
    links = gateway.keep("m-l", ("ann@example.org",), {"links": "malicious"}, "suspicious_link", HeldBy.LINKS)
    status, reply = gateway.release(links, USER, {})
    assert status == 403 and "release-request" in reply["message"]
    theirs = gateway.keep("m-c", ("carol@example.org",))
    assert gateway.release(theirs, USER, {})[0] == 404
    assert gateway.release(shared, AUDITOR, {})[0] == 403


def test_an_officer_releases_to_another_address_of_an_accepted_domain_only(gateway):
    record = gateway.keep("m-o", ("ann@example.org",))
    status, reply = gateway.release(record, OFFICER, {"to": ["someone@outside.test"]})
    assert status == 400 and "someone@outside.test" in reply["message"]
    status, reply = gateway.release(record, OFFICER, {"to": ["dan@partner.org"], "as_attachment": True})
    assert status == 200 and [o["status"] for o in reply["outcomes"]] == ["delivered"]
    [(mail_from, to, data)] = gateway.sent
    assert (mail_from, to) == ("mailgate@mx.example.org", ("dan@partner.org",))
    assert b"message/rfc822" in data and ORIGINAL in data


def test_a_failed_delivery_is_answered_and_kept_in_the_history_and_releasing_again_delivers(gateway):
    record = gateway.keep("m-f", ("ann@example.org", "bob@example.org"))
    gateway.down.add("bob@example.org")
    body = {"request_id": "r-1"}
    status, reply = gateway.release(record, ADMIN, body)
    assert status == 200
    assert [(o["to"], o["status"]) for o in reply["outcomes"]] == [("ann@example.org", "delivered"),
                                                                   ("bob@example.org", "failed")]
    assert "connection refused" in reply["outcomes"][1]["detail"]
    [entry] = reply["history"]
    assert entry["outcome"].startswith("delivered to ann@example.org; failed: bob@example.org: connection refused")
    gateway.down.clear()
    status, reply = gateway.release(record, ADMIN, body)
    assert [(o["to"], o["status"]) for o in reply["outcomes"]] == [("ann@example.org", "already_delivered"),
                                                                   ("bob@example.org", "delivered")]
    assert [r for _f, r, _m in gateway.sent] == [("ann@example.org",), ("bob@example.org",)]
    assert sorted(reply["released_to"]) == ["ann@example.org", "bob@example.org"]
    status, history = call(gateway.app, "GET", f"/backup/{record.backup_id}/history", AUDITOR)
    assert status == 200 and [h["outcome"] for h in history["history"]][-1] == \
        "delivered to bob@example.org; already delivered to ann@example.org"
    kinds = [e.kind for e in gateway.events.for_message("m-f")]
    assert kinds.count(ev.RELEASED) == 2


def test_a_double_click_without_a_request_id_delivers_once(gateway):
    record = gateway.keep("m-d", ("ann@example.org",))
    first = gateway.release(record, ADMIN, {})
    second = gateway.release(record, ADMIN, {})
    assert [o["status"] for o in first[1]["outcomes"] + second[1]["outcomes"]] == ["delivered", "already_delivered"]
    assert len(gateway.sent) == 1
    assert len(second[1]["history"]) == 1  # a double click is one release in the history


def test_an_administrators_release_answers_a_users_request_for_it(gateway):
    virus = gateway.keep("m-r", ("ann@example.org",), {"antivirus": "infected"}, "infected", HeldBy.ANTIVIRUS)
    status, _ = call(gateway.app, "POST", f"/backup/{virus.backup_id}/release-request", USER, {"note": "my invoice"})
    assert status == 202
    assert [e["backup_id"] for e in call(gateway.app, "GET", "/backup/release-requests", ADMIN)[1]["items"]] == [
        virus.backup_id]
    status, reply = gateway.release(virus, ADMIN, {"confirm": True})
    assert status == 200 and [h["action"] for h in reply["history"]] == ["release_requested", "released"]
    assert call(gateway.app, "GET", "/backup/release-requests", ADMIN)[1]["items"] == []
    status, history = call(gateway.app, "GET", f"/backup/{virus.backup_id}/history", USER)
    assert [(h["action"], h["to"], h["outcome"]) for h in history["history"]][-1] == (
        "released", ["ann@example.org"], "delivered")
