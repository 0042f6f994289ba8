"""Every message's AWS cost through local mode: its first decision event carries it, GET /stats sums it per day,
and the prices are a settings section an administrator changes."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from mailgate.config import Prices
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, simple_message, wait_for
from tests.support.settings_api import put_section

GB_SECOND = Prices().lambda_per_gb_second


def _cost_of_a_message(gateway, subject: str) -> dict[str, Any]:
    mid = send(gateway, "alice@partner.test", ["bob@example.test"],
               simple_message("alice@partner.test", "bob@example.test", f"{subject} {uuid.uuid4().hex[:8]}"))
    outcomes(gateway, mid)
    decisions = [e for e in events(gateway, mid) if e["kind"] == "decision"]
    assert decisions and "cost" in decisions[0]["detail"], decisions
    assert all("cost" not in d["detail"] for d in decisions[1:])  # a message counts once
    return {"at": decisions[0]["at"], **decisions[0]["detail"]["cost"]}


def test_a_messages_first_decision_carries_its_cost_and_its_lambda_part_follows_the_measured_time(gateway):
    costs = [_cost_of_a_message(gateway, "Quarterly numbers") for _ in range(2)]
    for cost in costs:
        assert math.isclose(sum(cost["components"].values()), cost["total_usd"], rel_tol=1e-6)
        assert cost["ses_receiving_usd"] == pytest.approx(0.0001 + 0.00009)  # apart, not in the total
        usage = cost["usage"]
        assert usage["scan"]["seconds"] > 0 and usage["rules"]["seconds"] > 0 and usage["scan"]["event_items"] >= 2
        measured = (usage["scan"]["seconds"] * usage["scan"]["memory_mb"]
                    + usage["rules"]["seconds"] * usage["rules"]["memory_mb"]) / 1024
        assert usage["gb_seconds"] == pytest.approx(measured, rel=1e-3)
        assert cost["components"]["lambda_compute"] == pytest.approx(usage["gb_seconds"] * GB_SECOND, rel=1e-6)
    shorter, longer = sorted(costs, key=lambda c: c["usage"]["gb_seconds"])
    assert shorter["components"]["lambda_compute"] <= longer["components"]["lambda_compute"]


def test_the_days_stats_sum_the_messages_cost(gateway):
    cost = _cost_of_a_message(gateway, "Daily cost")
    day = datetime.fromisoformat(cost["at"].replace("Z", "+00:00")).replace(hour=0, minute=0, second=0,
                                                                            microsecond=0)
    query = f"?from={day:%Y-%m-%dT%H:%M:%SZ}&to={day + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}&step=day"

    def counted() -> dict[str, Any] | None:
        status, body = api(gateway, "GET", f"/stats{query}")
        assert status == 200, body
        # the counter is in micro-dollars, rounded per message
        return body if body["series"][0]["cost_usd"] >= cost["total_usd"] - 1e-6 else None

    body = wait_for(counted)
    assert len(body["series"]) == 1 and body["totals"]["cost_usd"] == body["series"][0]["cost_usd"]


def test_doubled_lambda_prices_double_the_next_messages_lambda_part(gateway, restore_settings):
    status, current = api(gateway, "GET", "/settings/prices")
    assert status == 200 and current["settings"]["lambda_per_gb_second"] == pytest.approx(GB_SECOND)
    status, refused = api(gateway, "PUT", "/settings/prices", body={
        "version": current["version"], "settings": {**current["settings"], "s3_per_thousand_puts": -1}})
    assert status == 422, refused
    put_section(gateway, "prices", lambda s: {**s, "lambda_per_gb_second": 2 * s["lambda_per_gb_second"]})
    cost = _cost_of_a_message(gateway, "Dearer compute")
    assert cost["components"]["lambda_compute"] == pytest.approx(cost["usage"]["gb_seconds"] * 2 * GB_SECOND,
                                                                 rel=1e-6)
