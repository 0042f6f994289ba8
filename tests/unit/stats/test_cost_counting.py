"""The messages' cost in the hourly counters: an amount in micro-USD from the first decision event's `cost`,
once per message, summed per bucket and into the totals."""

from __future__ import annotations

from datetime import UTC, datetime

from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.stats.counting import COST, COUNTERS, increments
from mailgate.stats.series import series

AT = "2026-12-05T21:14:03.123456Z"
HOUR = "2026-12-05T21"


def _decision(total: object, message_id: str = "m-1", at: str = AT, action: str = "deliver") -> Event:
    detail = {"decision": {"action": action}, "cost": {"total_usd": total, "components": {}}}
    return Event(message_id, ev.DECISION, "", "bob@example.test", detail, at=at, action=action)


def test_a_decisions_cost_adds_its_amount_in_micro_dollars():
    assert COST in COUNTERS
    assert increments([_decision(0.0000314)]) == {HOUR: {COST: 31}}


def test_a_message_counts_its_cost_once_in_one_append_and_other_messages_add_theirs():
    second_group = _decision(0.0000314)
    found = increments([_decision(0.0000314), second_group, _decision(0.00002, message_id="m-2")])
    assert found == {HOUR: {COST: 51}}


def test_a_decision_without_a_cost_or_with_one_that_is_no_price_counts_nothing():
    plain = Event("m-1", ev.DECISION, "", "bob@example.test", {"decision": {}}, at=AT, action="deliver")
    assert increments([plain]) == {}
    for bad in (-1.0, "0.5", True, float("nan"), 5000.0, None):
        assert increments([_decision(bad)]) == {}, bad


def test_a_delivered_message_counts_itself_once_and_its_cost_as_an_amount():
    delivered = Event("m-1", ev.DELIVERED, "", "bob@example.test", {}, at=AT, action="deliver")
    assert increments([_decision(0.00003), delivered]) == {HOUR: {COST: 30, "delivered": 1}}


def test_the_series_sums_the_cost_per_day_and_in_the_totals():
    counts = {"2026-12-04T23": {COST: 30, "received": 1}, "2026-12-05T00": {COST: 40},
              "2026-12-05T21": {COST: 31, "received": 2}}
    found = series(counts, datetime(2026, 12, 4, 12, tzinfo=UTC), datetime(2026, 12, 6, tzinfo=UTC), "day")
    assert [b.cost_microusd for b in found.buckets] == [30, 71]
    assert found.totals.cost_microusd == 101 and found.totals.traffic["received"] == 3
