"""Backup's retention through the real adapters (moto): age first, then the oldest until under the size limit,
a warning past 90 %, copies and records that disagree mended, an event for every removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailgate.aws import resources
from mailgate.aws.backup_objects import S3BackupObjects
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.backup.model import BackupRecord, backup_id_for
from mailgate.backup.removal import BackupRemover
from mailgate.backup.retention import SWEEP_EVENT_ID, RetentionLimits, RetentionSweep
from mailgate.backup.search import BackupQuery

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
KB = 1024


@pytest.fixture
def backup(aws):
    resources.create_tables("events", "backup", "idem")
    resources.create_bucket("mail")
    return DynamoBackupIndex("backup")


def keep(index: DynamoBackupIndex, n: int, days_ago: float, size: int = KB, copy: bool = True) -> BackupRecord:
    backup_id = backup_id_for(f"m{n}", ("bob@example.test",))
    record = BackupRecord(backup_id=backup_id, message_id=f"m{n}", recipients=("bob@example.test",),
                          sender="a@x.test", subject="s", reason="spam", object_key=f"backup/{backup_id}.eml",
                          created_at=(NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), size=size)
    if copy:
        client("s3").put_object(Bucket="mail", Key=record.object_key, Body=b"x" * size)
    index.put(record)
    return record


def sweep(index: DynamoBackupIndex, max_age_days: int = 30, max_bytes: int = 100 * KB) -> RetentionSweep:
    events = DynamoEventLog("events")
    objects = S3BackupObjects("mail")
    return RetentionSweep(index, objects, BackupRemover(index, objects, events), events,
                          RetentionLimits(max_age_days, max_bytes))


def left(index: DynamoBackupIndex) -> list[str]:
    records, _ = index.search(BackupQuery.last_days(60, now=datetime.now(UTC)))
    return sorted(r.message_id for r in records)


def test_entries_past_the_age_limit_go_and_say_so(backup):
    keep(backup, 1, 31)
    keep(backup, 2, 29)
    report = sweep(backup).run(NOW)
    assert left(backup) == ["m2"]
    assert len(report.expired) == 1 and report.entries == 1
    [event] = DynamoEventLog("events").for_message("m1")
    assert event.kind == "backup_removed" and "older than 30 days" in event.summary
    assert client("s3").list_objects_v2(Bucket="mail")["KeyCount"] == 1


def test_past_the_size_limit_the_oldest_go_first_until_under_it(backup):
    for n, days_ago in enumerate([5, 1, 3, 2, 4]):
        keep(backup, n, days_ago, size=30 * KB)  # 150 KB in all
    report = sweep(backup, max_bytes=100 * KB).run(NOW)
    assert left(backup) == ["m1", "m2", "m3"]  # 5 and 4 days old went
    assert report.over_size == [backup_id_for("m0", ("bob@example.test",)), backup_id_for("m4", ("bob@example.test",))]
    assert backup.totals() == (3, 90 * KB)
    assert report.warned  # 90 KB is 90 % of 100 KB
    [warning] = DynamoEventLog("events").for_message(SWEEP_EVENT_ID)
    assert warning.kind == "warning" and "90 %" in warning.summary


def test_under_90_percent_there_is_no_warning(backup):
    keep(backup, 1, 1, size=10 * KB)
    assert not sweep(backup).run(NOW).warned
    assert DynamoEventLog("events").for_message(SWEEP_EVENT_ID) == []


def test_a_copy_without_a_record_and_a_record_without_a_copy_are_mended(backup):
    kept = keep(backup, 1, 1)
    lost = keep(backup, 2, 1, copy=False)
    client("s3").put_object(Bucket="mail", Key="backup/stray.eml", Body=b"x")
    report = sweep(backup).run(datetime.now(UTC) + timedelta(hours=2))  # the stray copy is past the grace then
    assert report.orphan_copies == ["backup/stray.eml"] and report.missing_copies == [lost.backup_id]
    assert left(backup) == ["m1"]
    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket="mail")["Contents"]]
    assert keys == [kept.object_key]


def test_a_young_copy_without_a_record_is_left_alone_it_may_be_mid_keep(backup):
    client("s3").put_object(Bucket="mail", Key="backup/new.eml", Body=b"x")
    report = sweep(backup).run(datetime.now(UTC))
    assert report.orphan_copies == []
    assert client("s3").list_objects_v2(Bucket="mail")["KeyCount"] == 1
