"""The daily digest: one text + HTML message per user with what was held for them since the last one, links
per message; hostile subjects and senders stay text; nothing new, an opt-out or a duplicated account: nothing."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any

import pytest

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.digest_marks import DynamoDigestMarks
from mailgate.backup.digest import DigestPorts, run_digest
from mailgate.backup.links import LinkSigner
from mailgate.backup.model import BackupRecord, backup_id_for
from mailgate.config import GatewayConfig, parse_config

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
HOSTILE_SUBJECT = '<script>alert(1)</script><img src="https://tracker.test/x"> "Win" & more'
HOSTILE_SENDER = '"><a href="https://evil.test">click</a>@bulk.test'


def entry(n: int, hours_ago: float, recipients: tuple[str, ...] = ("bob@example.test",), **fields: Any) -> BackupRecord:
    message_id = f"m{n:03d}"
    backup_id = backup_id_for(message_id, recipients)
    return BackupRecord(backup_id=backup_id, message_id=message_id, recipients=recipients,
                        sender=fields.pop("sender", "news@bulk.test"), subject=fields.pop("subject", f"offer {n}"),
                        reason="probable spam", object_key=f"backup/{backup_id}.eml", held_by=fields.pop(
                            "held_by", "antispam"),
                        created_at=(NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **fields)


def config(**digest: Any) -> GatewayConfig:
    return parse_config(json.dumps({
        "domains": {"example.test": {"hosts": [{"host": "127.0.0.1"}]}},
        "notifications": {"sender_address": "gateway@example.test"},
        "digest": {"public_base_url": "https://mail.example.test/v1", **digest}}))


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, email.message.EmailMessage]] = []

    def __call__(self, mail_from: str, to: str, data: bytes) -> None:
        self.sent.append((mail_from, to, email.message_from_bytes(data, policy=policy.default)))


@pytest.fixture
def index(aws):
    resources.create_tables("events", "backup", "idem")
    return DynamoBackupIndex("backup")


def ports(index: DynamoBackupIndex, outbox: Outbox, **kw: Any) -> DigestPorts:
    return DigestPorts(index=index, marks=DynamoDigestMarks("backup"), signer=LinkSigner(["k" * 40]), send=outbox,
                       **kw)


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    return text, markup


def test_a_user_with_held_mail_gets_one_digest_with_links(index):
    index.put(entry(1, 2))
    index.put(entry(2, 3, sender="promo@shop.test", subject="50% off"))
    outbox = Outbox()
    run = run_digest(config(), ports(index, outbox), NOW)
    assert run.sent == ["bob@example.test"]
    [(mail_from, to, message)] = outbox.sent
    assert (mail_from, to) == ("gateway@example.test", "bob@example.test")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == "Backup: 2 messages held for you"
    text, markup = parts(message)
    assert "50% off" in text and "promo@shop.test" in text and "offer 1" in markup
    assert text.count("https://mail.example.test/v1/links/") == 5  # release, release+allow per message, Backup


def test_hostile_subjects_and_senders_never_become_markup(index):
    index.put(entry(1, 1, sender=HOSTILE_SENDER, subject=HOSTILE_SUBJECT))
    outbox = Outbox()
    run_digest(config(), ports(index, outbox), NOW)
    _, markup = parts(outbox.sent[0][2])
    assert "<script>" not in markup and "<img" not in markup and 'href="https://evil.test"' not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;a href=&quot;https://evil.test&quot;&gt;" in markup


def test_nothing_new_sends_nothing(index):
    outbox = Outbox()
    assert run_digest(config(), ports(index, outbox), NOW - timedelta(hours=3)).sent == []
    index.put(entry(1, 2))
    run_digest(config(), ports(index, outbox), NOW)
    assert len(outbox.sent) == 1
    run_digest(config(), ports(index, outbox), NOW + timedelta(hours=4))  # nothing held since that digest
    assert len(outbox.sent) == 1
    index.put(entry(2, -5))  # held after it
    run_digest(config(), ports(index, outbox), NOW + timedelta(days=1))
    assert len(outbox.sent) == 2 and outbox.sent[1][2]["Subject"] == "Backup: 1 message held for you"


def test_opted_out_duplicated_and_foreign_recipients_get_none(index):
    index.put(entry(1, 1, recipients=("bob@example.test", "dup@example.test", "ann@example.test",
                                      "someone@elsewhere.test")))
    outbox = Outbox()
    run = run_digest(config(opted_out=["Ann@example.test"]),
                     ports(index, outbox, personal_allowed=lambda a: a != "dup@example.test"), NOW)
    assert [to for _, to, _ in outbox.sent] == ["bob@example.test"]
    assert set(run.skipped) == {"ann@example.test", "dup@example.test"}


def test_the_organisation_turns_the_digest_off(index):
    index.put(entry(1, 1))
    outbox = Outbox()
    off = parse_config('{"domains": {"example.test": {}}, "digest": {"enabled": false}}')
    assert run_digest(off, ports(index, outbox), NOW).sent == [] and outbox.sent == []


def test_a_virus_is_listed_without_release_links(index):
    index.put(entry(1, 1, held_by="antivirus", verdicts={"antivirus": "infected"}))
    outbox = Outbox()
    run_digest(config(), ports(index, outbox), NOW)
    text, _ = parts(outbox.sent[0][2])
    assert "Only an administrator can release this message" in text
    assert text.count("/links/") == 1  # the personal Backup only


def test_a_failed_delivery_keeps_the_entries_for_the_next_digest(index):
    index.put(entry(1, 1))

    def down(mail_from: str, to: str, data: bytes) -> None:
        raise ConnectionRefusedError("mail server down")

    run = run_digest(config(), ports(index, down), NOW)  # type: ignore[arg-type]
    assert "bob@example.test" in run.failed
    outbox = Outbox()
    run_digest(config(), ports(index, outbox), NOW + timedelta(hours=1))
    assert len(outbox.sent) == 1


def test_local_mode_sends_it_at_the_configured_hour_in_the_configured_time_zone():
    from mailgate.local.digest_cli import seconds_until_next

    berlin_morning = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)  # 07:30 in Berlin (UTC+1 in winter)
    assert seconds_until_next(8, "Europe/Berlin", berlin_morning) == 30 * 60
    assert seconds_until_next(7, "Europe/Berlin", berlin_morning) == (23 * 60 + 30) * 60  # tomorrow 07:00
    assert seconds_until_next(8, "UTC", berlin_morning) == 90 * 60
