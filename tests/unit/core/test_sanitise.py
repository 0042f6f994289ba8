"""What a sender controls is stored whatever it is: the last resort (Backup with the error) cannot fail on
a sender's bytes, and envelope strings are valid, printable and bounded where mail enters."""

from __future__ import annotations

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.backup.keeper import BackupKeeper
from mailgate.envelope import Envelope
from mailgate.last_resort import hold_after_failure
from mailgate.safe_text import MAX_ENVELOPE_TEXT

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
