"""Backup search through the real DynamoDB adapter (moto): each filter finds what an administrator looks for,
only the index partitions the search names are read, counts per reason, totals, deletion and history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailgate.aws import dynamo, resources
from mailgate.aws.backup_objects import S3BackupObjects
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.backup.model import BackupRecord, HeldBy, HistoryEntry, backup_id_for
from mailgate.backup.removal import BackupRemover
from mailgate.backup.search import BackupQuery, BackupQueryError
from mailgate.errors import InvalidPageToken

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(n: int, days_ago: float, **fields: Any) -> BackupRecord:
    recipients = fields.pop("recipients", ("bob@example.test",))
    message_id = f"m{n:04d}"
    backup_id = backup_id_for(message_id, recipients)
    return BackupRecord(backup_id=backup_id, message_id=message_id, recipients=recipients,
                        sender=fields.pop("sender", "news@bulk.test"), subject=fields.pop("subject", f"offer {n}"),
                        reason=fields.pop("reason", "spam"), object_key=f"backup/{backup_id}.eml",
                        created_at=at(days_ago), **fields)


def query(days: int = 30, **filters: Any) -> BackupQuery:
    return BackupQuery.last_days(days, now=NOW, **filters)


@pytest.fixture
def index(aws):
    resources.create_tables("events", "backup", "idem")
    return DynamoBackupIndex("backup")


class CountingQueries:
    """Counts the index queries the adapter sends (each is one partition range)."""

    def __init__(self, index: DynamoBackupIndex, monkeypatch: pytest.MonkeyPatch) -> None:
        self.partitions: list[tuple[str, str]] = []
        table = index.table
        original = table.query

        def counted(**kwargs: Any) -> Any:
            condition = kwargs["KeyConditionExpression"].get_expression()["values"][0]
            self.partitions.append((kwargs["IndexName"], condition.get_expression()["values"][1]))
            return original(**kwargs)

        monkeypatch.setattr(table, "query", counted)
        monkeypatch.setattr(type(index), "table", property(lambda _self: table))


def ids(records: list[BackupRecord]) -> list[str]:
    return [r.message_id for r in records]


def test_each_filter_finds_its_entries_newest_first(index):
    index.put(record(1, 1, subject="Your INVOICE is ready", held_by=HeldBy.ANTISPAM, rule="Default",
                     header_message_id="<Inv-1@Bulk.Test>", sender_ip="192.0.2.7"))
    index.put(record(2, 2, sender="alice@partner.test", held_by=HeldBy.ANTIVIRUS, verdict_class="infected",
                     recipients=("carol@example.test", "bob@example.test")))
    index.put(record(3, 3, held_by=HeldBy.DENY_LIST, rule="Finance", sender_ip="2001:db8::1"))
    index.put(record(4, 40))  # outside the 30 days
    assert ids(index.search(query())[0]) == ["m0001", "m0002", "m0003"]
    assert ids(index.search(query(sender="Alice@Partner.test"))[0]) == ["m0002"]
    assert ids(index.search(query(recipient="carol@example.test"))[0]) == ["m0002"]
    assert ids(index.search(query(recipient="bob@example.test"))[0]) == ["m0001", "m0002", "m0003"]
    assert ids(index.search(query(subject="invoice"))[0]) == ["m0001"]
    assert ids(index.search(query(header_message_id="inv-1@bulk.test"))[0]) == ["m0001"]
    assert ids(index.search(query(held_by=(HeldBy.ANTIVIRUS, HeldBy.DENY_LIST)))[0]) == ["m0002", "m0003"]
    assert ids(index.search(query(rule="Finance"))[0]) == ["m0003"]
    assert ids(index.search(query(sender_ip="2001:db8::1"))[0]) == ["m0003"]
    assert ids(index.search(query(sender="news@bulk.test", subject="offer"))[0]) == ["m0003"]
    assert ids(index.search(query(days=60))[0])[-1] == "m0004"


def test_a_search_reads_only_the_partitions_it_names(index, monkeypatch):
    for n in range(6):
        index.put(record(n, n * 5, sender=f"s{n}@x.test"))
    counting = CountingQueries(index, monkeypatch)
    index.search(query(sender="s2@x.test"))
    assert counting.partitions == [("by_sender", "s2@x.test")]
    counting.partitions.clear()
    index.search(query(days=30))  # 31 days in the range, 6 of them hold entries: the counters say which
    assert [p for _, p in counting.partitions] == [at(n * 5)[:10] for n in range(6)]
    assert {i for i, _ in counting.partitions} == {"by_day"}
    counting.partitions.clear()
    index.put(record(9, 7, held_by=HeldBy.ANTIVIRUS))
    assert ids(index.search(query(held_by=(HeldBy.ANTIVIRUS,)))[0]) == ["m0009"]
    assert counting.partitions == [("by_reason", f"antivirus#{at(7)[:10]}")]  # the one day that holds one


def test_pages_resume_where_they_stopped_and_a_forged_cursor_is_refused(index):
    for n in range(7):
        index.put(record(n, n / 10))
    first, cursor = index.search(query(), limit=3)
    second, cursor2 = index.search(query(), limit=3, token=cursor)
    third, end = index.search(query(), limit=3, token=cursor2)
    assert ids(first + second + third) == [f"m{n:04d}" for n in range(7)]
    assert end is None
    with pytest.raises(InvalidPageToken):
        index.search(query(), token="eyJwIjogIjE5OTktMDEtMDEiLCAia2V5IjogbnVsbH0=")
    day = at(0)[:10]
    for forged in ({"backup_id": "x", "sk_time": "y", "q_sender": day},  # another index's key
                   {"backup_id": "x", "sk_time": "y", "day": "2020-01-01"},  # another partition's key
                   {"backup_id": 1, "sk_time": "y", "day": day}):
        with pytest.raises(InvalidPageToken):
            index.search(query(), token=dynamo.encode_token({"p": day, "key": forged}))


def test_a_personal_search_sees_only_its_owners_entries(index):
    index.put(record(1, 1, recipients=("bob@example.test",)))
    index.put(record(2, 1, recipients=("xbob@example.test",)))
    index.put(record(3, 1, recipients=("carol@example.test", "bob@example.test")))
    mine = index.search(query(owners=("Bob@example.test",)))[0]
    assert sorted(ids(mine)) == ["m0001", "m0003"]
    assert index.search(query(owners=("bob@example.test",), recipient="carol@example.test"))[0] == []


def test_counts_per_reason_totals_and_deletion_agree(index, aws):
    resources.create_bucket("mail")
    entries = [record(1, 1, held_by=HeldBy.ANTISPAM, size=100), record(2, 1, held_by=HeldBy.ANTISPAM, size=50),
               record(3, 2, held_by=HeldBy.ANTIVIRUS, size=10)]
    for entry in entries:
        client("s3").put_object(Bucket="mail", Key=entry.object_key, Body=b"x")
        index.put(entry)
    index.put(entries[0])  # a retried keep counts once
    assert index.counts(query())["antispam"] == 2 and index.counts(query())["antivirus"] == 1
    assert index.totals() == (3, 160)
    remover = BackupRemover(index, S3BackupObjects("mail"), DynamoEventLog("events"))
    assert remover.count(query(held_by=(HeldBy.ANTISPAM,))) == (2, False)
    assert remover.remove_matching(query(held_by=(HeldBy.ANTISPAM,)), "ann", "test") != []
    assert index.counts(query())["antispam"] == 0 and index.totals() == (1, 10)
    assert index.search(query(recipient="bob@example.test"))[0] == [index.get(entries[2].backup_id)]
    left = client("s3").list_objects_v2(Bucket="mail").get("Contents", [])
    assert [o["Key"] for o in left] == [entries[2].object_key]
    events = DynamoEventLog("events").for_message("m0001")
    assert [e.kind for e in events] == ["backup_removed"] and "ann" in events[0].summary
    assert remover.remove(entries[0].backup_id, "ann", "again") is None


def test_history_is_appended_and_marks_released_addresses(index):
    entry = record(1, 1)
    index.put(entry)
    index.add_history(entry.backup_id, HistoryEntry("released", "ann", ("bob@example.test",), "delivered"),
                      released_to=("Bob@example.test",))
    index.add_history(entry.backup_id, HistoryEntry("downloaded", "ann"))
    stored = index.get(entry.backup_id)
    assert stored is not None and [h.action for h in stored.history] == ["released", "downloaded"]
    assert stored.released_to == ("bob@example.test",)
    assert ids(index.search(query(released=True))[0]) == ["m0001"]
    assert index.search(query(released=False))[0] == []
    assert index.add_history("nothing", HistoryEntry("released", "ann")) is None


def test_hostile_sender_fields_never_break_a_write_or_a_key(index):
    hostile = record(1, 1, sender="a" * 5000 + "@x.test", subject="\udcff" * 3000, recipients=("",),
                     header_message_id="<" + "m" * 100_000 + ">", sender_ip="")
    index.put(hostile)
    stored = index.get(hostile.backup_id)
    assert stored is not None and stored.message_id == "m0001"
    assert ids(index.search(query())[0]) == ["m0001"]
    assert index.get("m0001#to#bob@example.test") is None  # pointers and counters are not entries
    assert index.get("#totals") is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"start": "yesterday", "end": "2026-12-05"}, "start: give an ISO 8601 time"),
    ({"start": "2026-12-05", "end": "2026-12-01"}, "end: must be later than start"),
    ({"start": "2020-01-01", "end": "2026-12-05"}, "more than 400 days"),
    ({"start": "2026-12-01", "end": "2026-12-05", "sender_ip": "10.0.0.300"}, "sender_ip: '10.0.0.300' is not"),
])
def test_a_search_that_cannot_run_says_which_field_and_what_to_give(fields, message):
    with pytest.raises(BackupQueryError, match=message):
        BackupQuery(**fields)
