"""What a sender controls is stored whatever it is: the last resort (Backup with the error) cannot fail on
a sender's bytes, and envelope strings are valid, printable and bounded where mail enters."""

from __future__ import annotations

import json

from mailgate.actions.last_resort import hold_after_failure
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.backup.keeper import BackupKeeper
from mailgate.events.model import Event
from mailgate.safe_text import MAX_ENVELOPE_TEXT, RECORD_BUDGET, bounded_record
from mailgate.scan.envelope import Envelope

WORST = "\udcff\ud800a\x00b\x1b[31m" + "c" * 5000 + "@sender.test"


def test_the_last_resort_stores_the_worst_sender_and_error(aws) -> None:
    resources.create_bucket("mail")
    resources.create_tables("events", "backup", "idem")
    client("s3").put_object(Bucket="mail", Key="incoming/m1", Body=b"Subject: x\r\n\r\nbody")
    keeper, log = BackupKeeper(S3MailStore("mail"), DynamoBackupIndex("backup")), DynamoEventLog("events")
    hold_after_failure(keeper, log, "m1", {"bucket": "mail", "key": "incoming/m1"}, (WORST, "bob@example.test"),
                       WORST, f"UnicodeEncodeError: {WORST}")
    kinds = [e.kind for e in log.for_message("m1")]
    assert kinds == ["error", "backup"]
    [record] = keeper.index.recent(limit=5)[0]
    assert record.sender.startswith("\\udcff\\ud800a") and "@sender.test" in record.sender


def test_an_envelope_is_valid_printable_and_bounded() -> None:
    envelope = Envelope(mail_from=WORST, recipients=(WORST,), helo="h\x00elo")
    assert envelope.mail_from == envelope.recipients[0]
    assert envelope.mail_from.startswith("\\udcff\\ud800a\\x00b\\x1b[31m")
    assert envelope.mail_from.endswith("@sender.test") and len(envelope.mail_from) == MAX_ENVELOPE_TEXT
    assert envelope.helo == "h\\x00elo"
    envelope.mail_from.encode("utf-8")  # storable


def test_what_was_wrong_with_the_envelope_is_recorded() -> None:
    envelope = Envelope(mail_from=WORST, recipients=("bob@example.test", "x\udcff@example.test"))
    assert envelope.problems == (
        "MAIL FROM: invalid UTF-8 (kept as backslash escapes)", "MAIL FROM: control characters (kept as \\x escapes)",
        f"MAIL FROM: {len(WORST) + 16} characters, cut to {MAX_ENVELOPE_TEXT}",
        "RCPT TO: invalid UTF-8 (kept as backslash escapes)")
    again = Envelope.from_dict(envelope.to_dict())
    assert again == envelope  # the stored envelope keeps the record, and sanitising twice changes nothing
    assert Envelope(mail_from="alice@sender.test", recipients=("bob@example.test",)).problems == ()


def test_a_control_character_is_escaped_never_removed() -> None:
    """Removing it would make `bob\\x00@example.test` (not a mailbox) the mailbox bob@example.test."""
    assert Envelope(mail_from="", recipients=("bob\x00@example.test",)).recipients == ("bob\\x00@example.test",)


def test_a_record_fits_dynamodb_whatever_the_message_held() -> None:
    huge = {"message_id": "m" * 40, "subject": "\udcff" + "S" * 1_000_000, "detail": {"list": ["r" * 1000] * 10_000}}
    record = bounded_record(huge, keys=("message_id",))
    assert record["message_id"] == "m" * 40
    assert len(json.dumps(record)) <= RECORD_BUDGET
    assert record["subject"].startswith("\\udcffSSS") and record["subject"].endswith("(1000006 characters)")
    assert record["detail"]["list"][-1].startswith("… and ")
    honest = {"message_id": "m1", "subject": "Hello", "detail": {"recipients": ["bob@example.test"]}}
    assert bounded_record(honest) == honest


def test_events_with_a_one_megabyte_subject_are_stored(aws) -> None:
    resources.create_tables("events", "backup", "idem")
    log = DynamoEventLog("events")
    subject = "Ä\x00\udcff" * 350_000
    log.append([Event("m2", "received", "received", "bob@example.test", detail={"subject": subject},
                      subject=subject, sender=WORST)])
    [stored] = log.for_message("m2")
    assert stored.subject is not None and stored.subject.startswith("Ä\x00\\udcff")
    assert stored.detail["subject"].endswith("characters)")
