"""GET /stats: the hourly counters the event log's adapter keeps, every bucket of the range, the top held senders
from Backup, and the queues' depth (null, never a 500, for a queue that cannot be read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailgate.api.app import create_app
from mailgate.api.errors import BadRequest, TooLarge
from mailgate.api.ports import Ports
from mailgate.api.routes_stats import stats_range
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.queue_depth import SqsQueueDepths
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.backup.model import BackupRecord
from mailgate.config import GatewayConfig
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.events.query import EventFilter
from tests.unit.api.resolver import call

NOW = datetime.now(UTC)
THIS_HOUR = NOW.replace(minute=0, second=0, microsecond=0)


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


@pytest.fixture
def app(aws):
    resources.create_tables("events", "backup", "idem")
    sqs = client("sqs")
    scan = sqs.create_queue(QueueName="scan")["QueueUrl"]
    sqs.send_message(QueueUrl=scan, MessageBody="{}")
    rules = sqs.create_queue(QueueName="rules")["QueueUrl"]
    config = GatewayConfig(authserv_id="mx.example.org")
    depths = SqsQueueDepths({"scan": scan, "rules": rules, "rules_dlq": "https://sqs.invalid/000/gone",
                             "scan_dlq": ""})
    return create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                            settings=lambda: None, config=lambda: config,  # type: ignore[arg-type,return-value]
                            stats=lambda: DynamoStatsCounters("events"), queues=lambda: depths))


def _log(message_id: str, at: datetime, *kinds: tuple[str, str | None, dict[str, object]]) -> None:
    DynamoEventLog("events").append([Event(message_id, kind, "", "bob@example.test", detail, at=_at(at),
                                           action=action) for kind, action, detail in kinds])


def test_the_answer_counts_what_the_event_log_wrote_hour_by_hour(app):
    scan = {"result": {"scanner": "antivirus", "verdict": "infected", "details": {}}}
    _log("m-1", NOW, (ev.RECEIVED, None, {}), (ev.SCANNED, None, scan))
    _log("m-1", NOW, (ev.DECISION, "delete", {}))
    _log("m-1", NOW, (ev.BACKUP, "delete", {"backup_id": "m-1.a"}))
    _log("m-2", NOW - timedelta(hours=3), (ev.RECEIVED, None, {}))
    _log("m-2", NOW - timedelta(hours=3), (ev.DELIVERED, "deliver", {}))
    # the range named, not the default one: an hour may begin between the import and this line
    first, end = (THIS_HOUR - timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ"), \
        (THIS_HOUR + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = call(app, "GET", f"/stats?from={first}&to={end}", "Auditor")
    assert status == 200, body
    assert body["step"] == "hour" and len(body["series"]) == 24
    assert body["from"] == body["series"][0]["start"] and body["to"] > body["series"][-1]["start"]
    assert body["series"][-1]["start"] == THIS_HOUR.strftime("%Y-%m-%dT%H:00:00Z")
    last, earlier = body["series"][-1], body["series"][-4]
    assert (last["received"], last["held"], last["delivered"]) == (1, 1, 0)
    assert last["verdicts"]["antivirus"] == {"infected": 1, "unscannable": 0, "error": 0, "clean": 0, "skipped": 0}
    assert (earlier["received"], earlier["delivered"]) == (1, 1)
    assert body["totals"]["received"] == 2 and body["totals"]["verdicts"]["antispam"]["spam"] == 0
    assert body["queues"]["scan"] == {"visible": 1, "in_flight": 0}
    assert body["queues"]["rules"] == {"visible": 0, "in_flight": 0}
    assert body["queues"]["rules_dlq"] is None and body["queues"]["scan_dlq"] is None
    assert any("rules_dlq" in w for w in body["warnings"])


def test_the_counter_items_never_show_up_as_events(app):
    _log("m-1", NOW, (ev.RECEIVED, None, {}))
    log = DynamoEventLog("events")
    found = log.between(_at(NOW - timedelta(days=1)), _at(NOW + timedelta(minutes=1)), 100, None, EventFilter())
    assert [e.message_id for e in found.events] == ["m-1"]
    assert log.for_message(f"stats#{THIS_HOUR.strftime('%Y-%m-%dT%H')}") == []
    status, _body = call(app, "GET", f"/messages/stats%23{THIS_HOUR.strftime('%Y-%m-%dT%H')}/events", "Auditor")
    assert status == 404


def test_thirty_days_are_thirty_one_daily_buckets_read_in_batches(app):
    _log("m-9", NOW - timedelta(days=20), (ev.RECEIVED, None, {}))
    start = (NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")  # named: a day may begin between the import and this line
    status, body = call(app, "GET", f"/stats?from={start}&to={end}&step=day", "SecurityOfficer")
    assert status == 200, body
    assert len(body["series"]) == 31 and body["series"][0]["start"].endswith("T00:00:00Z")
    assert body["totals"]["received"] == 1


def test_the_top_held_senders_come_from_the_ranges_backup_entries(app):
    index = DynamoBackupIndex("backup")
    for i, sender in enumerate(["a@spam.test", "b@spam.test", "a@spam.test", "", "c@other.test"]):
        index.put(BackupRecord(f"m-{i}.x", f"m-{i}", ("bob@example.test",), sender, "s", "spam", f"backup/m-{i}",
                               created_at=_at(NOW - timedelta(minutes=i))))
    status, body = call(app, "GET", "/stats", "Administrator")
    assert status == 200, body
    assert body["top_held_senders"][0] == {"sender": "a@spam.test", "count": 2}
    assert {"sender": "<>", "count": 1} in body["top_held_senders"]
    assert body["top_held_domains"] == [{"domain": "spam.test", "count": 3}, {"domain": "other.test", "count": 1}]
    assert body["held_sample"] == {"read": 5, "complete": True}


@pytest.mark.parametrize(("query", "status"), [
    ("?from=2026-11-01T00:00:00Z&to=2026-12-05T00:00:00Z", 422),  # more than 31 days
    ("?from=2026-11-20T00:00:00Z&to=2026-12-05T00:00:00Z&step=hour", 422),  # hourly over 7 days
    ("?from=2026-12-05T00:00:00Z&to=2026-12-04T00:00:00Z", 400),
    ("?step=week", 422),
    ("?from=yesterday", 422),
])
def test_a_range_that_does_not_fit_is_refused_with_a_reason(app, query, status):
    got, body = call(app, "GET", f"/stats{query}", "Administrator")
    assert got == status, body
    assert body["message"]


def test_a_personal_user_may_not_see_the_numbers(app):
    assert call(app, "GET", "/stats", "PersonalUser")[0] == 403


def test_without_counters_or_queues_the_answer_is_zeros_with_warnings(aws):
    resources.create_tables("events", "backup", "idem")
    config = GatewayConfig(authserv_id="mx.example.org")
    bare = create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                            settings=lambda: None, config=lambda: config))  # type: ignore[arg-type,return-value]
    status, body = call(bare, "GET", "/stats?step=day", "Administrator")
    assert status == 200, body
    assert body["totals"]["received"] == 0 and set(body["queues"].values()) == {None}
    assert len(body["warnings"]) == 5


def test_defaults_and_steps():
    now = datetime(2026, 12, 5, 21, 47, tzinfo=UTC)
    first, last, step = stats_range(None, None, None, now)
    assert (first, last, step) == (datetime(2026, 12, 4, 22, tzinfo=UTC), now, "hour")
    assert stats_range("2026-11-20", "2026-12-05", None, now)[2] == "day"
    with pytest.raises(TooLarge):
        stats_range("2026-10-01", None, "day", now)
    with pytest.raises(BadRequest):
        stats_range("2026-12-06", None, None, now)


def test_counters_add_up_atomically_and_expire_with_the_events(aws):
    resources.create_tables("events", "backup", "idem")
    counters = DynamoStatsCounters("events", retention_days=30)
    counters.add({"2026-12-05T21": {"received": 2, "verdict:antispam:spam": 1, "not-a-counter": 5}})
    counters.add({"2026-12-05T21": {"received": 1}})
    assert counters.hourly(["2026-12-05T21", "2026-12-05T22"]) == {
        "2026-12-05T21": {"received": 3, "verdict:antispam:spam": 1}}
    item = client("dynamodb").get_item(TableName="events", Key={"message_id": {"S": "stats#2026-12-05T21"},
                                                               "sk": {"S": "counters"}})["Item"]
    assert "not-a-counter" not in item
    assert int(item["expires_at"]["N"]) == int(datetime(2027, 1, 5, 21, tzinfo=UTC).timestamp())
