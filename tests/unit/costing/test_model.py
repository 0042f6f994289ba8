"""The cost model: each component from the usage and the prices, SES receiving apart, and the measured parts."""

from __future__ import annotations

import logging
import math

import pytest

from mailgate.config import GatewayConfig, Prices
from mailgate.costing.model import MessageUsage, StepUsage, message_cost
from mailgate.costing.usage import CostMeter, events_usage, memory_mb, scan_usage
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.rules.decision import Decision

KB = 1024


def _usage(scan_seconds: float = 0.1, rules_seconds: float = 0.2, **kwargs: object) -> MessageUsage:
    scan = StepUsage(seconds=scan_seconds, memory_mb=1024, appends=1, event_items=6, event_wru=14,
                     event_bytes=12_000, counter_updates=1)
    rules = StepUsage(seconds=rules_seconds, memory_mb=1024, appends=2, event_items=2, event_wru=4,
                      event_bytes=4_000, counter_updates=2)
    return MessageUsage(**{"size": 50 * KB, "scan": scan, "rules": rules, "deliveries": 1, **kwargs})  # type: ignore[arg-type]


def test_the_components_add_up_to_the_total_and_ses_receiving_is_apart():
    cost = message_cost(_usage(), Prices()).to_dict()
    assert math.isclose(sum(cost["components"].values()), cost["total_usd"], rel_tol=1e-9)
    assert cost["ses_receiving_usd"] == pytest.approx(0.0001 + 0.00009)  # one mail, one 256 KB chunk
    assert "ses_receiving" not in cost["components"]
    assert set(cost["components"]) == {"lambda_compute", "lambda_requests", "sqs", "sns", "s3_requests",
                                       "s3_storage", "dynamodb_writes", "dynamodb_reads", "dynamodb_storage", "logs"}


def test_lambda_compute_is_the_measured_seconds_times_the_memory_at_the_gb_second_price():
    one = message_cost(_usage(0.1, 0.2), Prices()).components["lambda_compute"]
    assert one == pytest.approx(0.3 * 0.0000166667)
    assert message_cost(_usage(0.2, 0.4), Prices()).components["lambda_compute"] == pytest.approx(2 * one)
    half = _usage(0.1, 0.2, scan=StepUsage(seconds=0.1, memory_mb=512))
    assert message_cost(half, Prices()).components["lambda_compute"] == pytest.approx(0.25 * 0.0000166667)


def test_requests_are_counted_from_the_code_paths():
    cost = message_cost(_usage(), Prices())
    assert cost.components["sqs"] == pytest.approx(6 * 0.40e-6)  # two queues: send, receive, delete
    # the raw message SES writes; the scan and the rules step read it (the report travels in the hand-off)
    assert cost.components["s3_requests"] == pytest.approx(1 * 0.005e-3 + 2 * 0.0004e-3)
    in_s3 = message_cost(MessageUsage(size=50_000, scan=StepUsage(seconds=0.1, s3_reports=1),
                                      rules=StepUsage(seconds=0.1)), Prices())
    assert in_s3.components["s3_requests"] == pytest.approx(2 * 0.005e-3 + 3 * 0.0004e-3)  # too large: in S3
    assert in_s3.components["s3_storage"] > message_cost(MessageUsage(
        size=50_000, scan=StepUsage(seconds=0.1), rules=StepUsage(seconds=0.1)), Prices()).components["s3_storage"]
    # events 14 + 4 WRU, counters 1 + 2, idempotency 2 for the group and 2 for the delivery
    assert cost.usage["dynamodb_wru"] == 14 + 4 + 1 + 2 + 2 + 2
    assert cost.components["dynamodb_writes"] == pytest.approx(25 * 0.625e-6)


def test_a_held_message_pays_the_backup_copy_and_entry_and_a_siem_queue_one_send_per_append():
    plain, held = message_cost(_usage(), Prices()), message_cost(_usage(held=True), Prices())
    assert held.components["s3_requests"] - plain.components["s3_requests"] == pytest.approx(0.005e-3)
    assert held.usage["dynamodb_wru"] - plain.usage["dynamodb_wru"] == 10
    assert held.components["s3_storage"] > plain.components["s3_storage"]
    siem = message_cost(_usage(siem=True), Prices())
    assert siem.components["sqs"] - plain.components["sqs"] == pytest.approx(3 * 0.40e-6)  # 3 appends


def test_storage_is_priced_for_the_retention():
    short, long = message_cost(_usage(incoming_days=15), Prices()), message_cost(_usage(incoming_days=30), Prices())
    assert long.components["s3_storage"] > short.components["s3_storage"]
    events = message_cost(_usage(event_days=180), Prices()).components["dynamodb_storage"]
    assert events == pytest.approx(2 * message_cost(_usage(event_days=90), Prices()).components["dynamodb_storage"])


def test_the_prices_are_settings():
    doubled = Prices(lambda_per_gb_second=2 * Prices().lambda_per_gb_second)
    assert message_cost(_usage(), doubled).components["lambda_compute"] == pytest.approx(
        2 * message_cost(_usage(), Prices()).components["lambda_compute"])
    assert GatewayConfig().prices == Prices()


def test_a_stored_usage_from_another_release_reads_as_zeros():
    assert StepUsage.from_dict(None).seconds == 0
    assert StepUsage.from_dict({"seconds": "x", "event_wru": -3, "memory_mb": 512}) == StepUsage(0.0, 512)


def test_the_scan_steps_usage_counts_its_items_index_copies_and_counter_updates():
    received = Event("m-1", ev.RECEIVED, "received", detail={"size": 10, "message_id_header": "<a@b>"},
                     sender="a@sender.test", subject="hello")
    scanned = Event("m-1", ev.SCANNED, "antispam: not_spam",
                    detail={"result": {"scanner": "antispam", "verdict": "not_spam"}})
    usage = events_usage(0.01, [[received, scanned]], memory=2048)
    assert usage.event_items == 1 and usage.appends == 1 and usage.counter_updates == 1  # one item per append
    assert usage.event_wru == 3  # the item (under 1 KB), its by_day entry, its by_header_id entry (a received event)
    without_header = events_usage(0.01, [[scanned]], memory=2048)
    assert without_header.event_wru == 2 and without_header.event_bytes < usage.event_bytes
    assert usage.memory_mb == 2048
    facts = scan_usage(0.0, [received])
    assert facts["seconds"] > 0 and facts["event_items"] == 1


def test_the_memory_is_the_functions_own():
    assert memory_mb({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769"}) == 1769
    assert memory_mb({}) == 1024 and memory_mb({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}) == 1024


def _decision(action: str = "deliver", backup: bool = False) -> Decision:
    return Decision(action=action, backup=backup, rule="Default", reason="clean")


def test_only_the_first_decision_carries_the_cost():
    meter = CostMeter()
    first = meter.decision_detail({"usage": {"seconds": 0.01}}, b"x" * 100, _decision(), GatewayConfig())
    assert first["cost"]["total_usd"] > 0 and first["cost"]["usage"]["deliveries"] == 1
    assert meter.decision_detail({}, b"x", _decision(), GatewayConfig()) == {}


def test_a_cost_that_cannot_be_computed_is_logged_and_the_decision_goes_on(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.ERROR):
        assert CostMeter().decision_detail({}, None, _decision(), GatewayConfig()) == {}  # type: ignore[arg-type]
    assert "could not compute the message's cost" in caplog.text


def test_the_exposure_index_items_the_scan_wrote_are_priced_with_the_message():
    received = Event("m-1", ev.RECEIVED, "received", sender="a@sender.test")
    plain = StepUsage.from_dict(scan_usage(0.0, [received]))
    indexed = StepUsage.from_dict(scan_usage(0.0, [received], indexed=[300, 300, 1500]))
    assert (indexed.index_items, indexed.index_wru, indexed.index_bytes) == (3, 4, 2400)
    rules = StepUsage(seconds=0.0)
    without = message_cost(MessageUsage(size=1000, scan=plain, rules=rules), Prices())
    with_index = message_cost(MessageUsage(size=1000, scan=indexed, rules=rules), Prices())
    extra = with_index.components["dynamodb_writes"] - without.components["dynamodb_writes"]
    assert abs(extra - 4 * Prices().dynamodb_per_million_wru / 1e6) < 1e-15
    assert with_index.components["dynamodb_storage"] > without.components["dynamodb_storage"]


def test_the_scan_says_where_its_report_went():
    from mailgate.aws.scan_reports import MAX_ITEM_REPORT

    received = Event("m-1", ev.RECEIVED, "received", sender="a@sender.test")
    alone = StepUsage.from_dict(scan_usage(0.0, [received]))
    in_table = StepUsage.from_dict(scan_usage(0.0, [received], report=1500))
    in_s3 = StepUsage.from_dict(scan_usage(0.0, [received], report=MAX_ITEM_REPORT + 1))
    assert (in_table.event_items, in_table.event_wru, in_table.s3_reports) == (2, alone.event_wru + 2, 0)
    assert (in_s3.event_items, in_s3.event_wru, in_s3.s3_reports) == (1, alone.event_wru, 1)
    no_table = StepUsage.from_dict(scan_usage(0.0, [received], report=1500, in_table=False))
    assert no_table.s3_reports == 1


def test_outside_lambda_the_scan_is_priced_at_the_constructs_scan_function(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", raising=False)
    assert StepUsage.from_dict(scan_usage(0.0, [])).memory_mb == 3008  # clamd beside it (docs/antivirus.md)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
    assert StepUsage.from_dict(scan_usage(0.0, [])).memory_mb == 2048
