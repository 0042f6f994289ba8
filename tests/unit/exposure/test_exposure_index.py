"""The exposure index against moto's DynamoDB: one item per indicator per message, found by one Query of one
partition, paged, outside the event log's indexes."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.exposure_index import DynamoExposureIndex, partition
from mailgate.exposure.indicators import Indicator, normalise
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScanReport

URL = "https://bad.example/login"


def _report(mid: str, at: str, urls: int = 1) -> ScanReport:
    facts: dict[str, Any] = {"subject": "hello", "from": [],
                             "urls": [{"url": f"{URL}{'' if i == 0 else i}", "host": "bad.example"}
                                      for i in range(urls)]}
    return ScanReport(message_id=mid, raw_location={}, envelope=Envelope(
        "eve@bad.example", tuple(f"u{i}@example.test" for i in range(80)), received_at=at), facts=facts, results=())


@pytest.fixture
def index(aws: None) -> DynamoExposureIndex:
    resources.create_tables("events", "backup", "idem")
    return DynamoExposureIndex("events", retention_days=30)


def test_one_partition_answers_newest_first_and_pages(index: DynamoExposureIndex) -> None:
    for i in range(5):
        index.record(_report(f"m{i}", f"2026-12-0{i + 1}T10:00:00Z"))
    wanted = Indicator("url", normalise("url", URL))
    first = index.search(wanted, "2026-12-01", "2026-12-31", limit=3)
    assert [h.message_id for h in first.hits] == ["m4", "m3", "m2"]
    assert first.next_token
    rest = index.search(wanted, "2026-12-01", "2026-12-31", limit=3, token=first.next_token)
    assert [h.message_id for h in rest.hits] == ["m1", "m0"]
    hit = first.hits[0]
    assert (hit.sender, hit.subject, hit.recipients_count, len(hit.recipients)) == ("eve@bad.example", "hello", 80, 50)
    within = index.search(wanted, "2026-12-02", "2026-12-03", limit=10)
    assert [h.message_id for h in within.hits] == ["m1"]


def test_a_message_with_many_links_is_written_in_batches_of_25(index: DynamoExposureIndex) -> None:
    written = index.record(_report("big", "2026-12-05T10:00:00Z", urls=100))
    # 100 URLs, one host, the sender and its domain: five BatchWriteItem calls; each item's size as DynamoDB bills
    # it (the first 50 of its 80 recipients shown: just over 1 KB, 2 WRU)
    assert len(written) == 103 and all(1024 < size < 2048 for size in written)
    assert index.search(Indicator("sender", "eve@bad.example"), "2026-12-01", "2026-12-31").hits[0].message_id == "big"


def test_the_items_stay_out_of_the_event_log(index: DynamoExposureIndex) -> None:
    index.record(_report("m1", "2026-12-05T10:00:00Z"))
    log = DynamoEventLog("events", 30)
    assert not log.between("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z").events
    item = index.table.get_item(Key={"message_id": partition(Indicator("url", normalise("url", URL))),
                                     "sk": "2026-12-05T10:00:00.000000Z#m1"})["Item"]
    assert "day" not in item and int(item["expires_at"]) > 0


def test_a_rescan_after_a_quarantine_hold_keeps_the_first_scans_recipients(index: DynamoExposureIndex) -> None:
    index.record(_report("m1", "2026-12-05T10:00:00Z"))
    report = _report("m1", "2026-12-05T10:00:00Z")
    rescan = ScanReport(message_id="m1", raw_location={}, envelope=Envelope("eve@bad.example", ("u0@example.test",),
                        received_at="2026-12-05T10:00:00Z"), facts={**report.facts, "rescan": {"hold_key": "k"}},
                        results=())
    assert index.record(rescan) == []
    found = index.search(Indicator("sender", "eve@bad.example"), "2026-12-01", "2026-12-31").hits
    assert [h.recipients_count for h in found] == [80]
