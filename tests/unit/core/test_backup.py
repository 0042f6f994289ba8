"""Backup keeps a copy of the original and a record that says why, idempotently."""

from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.mail_store import S3MailStore
from mailgate.backup.keeper import BackupKeeper


def test_keep_copies_the_original_and_lists_it_newest_first(aws):
    resources.create_bucket("mail")
    resources.create_tables("events", "backup", "idem")
    client("s3").put_object(Bucket="mail", Key="incoming/m1", Body=b"Subject: one\r\n\r\nbody")
    client("s3").put_object(Bucket="mail", Key="incoming/m2", Body=b"Subject: two\r\n\r\nbody")
    keeper = BackupKeeper(S3MailStore("mail"), DynamoBackupIndex("backup"))
    first = keeper.keep("m1", {"bucket": "mail", "key": "incoming/m1"}, ("bob@example.test",),
                        "alice@sender.test", "one", "DMARC reject", verdicts={"authentication": "fail"})
    again = keeper.keep("m1", {"bucket": "mail", "key": "incoming/m1"}, ("bob@example.test",),
                        "alice@sender.test", "one", "DMARC reject")
    keeper.keep("m2", {"bucket": "mail", "key": "incoming/m2"}, ("carol@example.test",),
                "x@y.test", "two", "undeliverable", error="451 try later")
    assert first.backup_id == again.backup_id
    copy = client("s3").get_object(Bucket="mail", Key=first.object_key)["Body"].read()
    assert copy == b"Subject: one\r\n\r\nbody"
    records, token = keeper.index.recent(limit=10)
    assert token is None
    assert [r.message_id for r in records] == ["m2", "m1"]
    assert records[0].error == "451 try later"
    stored = keeper.index.get(first.backup_id)
    assert stored is not None and stored.reason == "DMARC reject"
