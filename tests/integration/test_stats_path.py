"""The dashboard's numbers through the real path: mail sent over SMTP through local mode is counted by the scan
and rules steps as they write their events, and GET /stats shows it in the current hour's bucket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.scanners.antivirus.database import EICAR
from tests.support.cognito import api
from tests.support.local_gateway import delivered, events, outcomes, send, simple_message, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


def _stats(gateway, query: str, role: Role = Role.AUDITOR) -> dict[str, Any]:
    status, body = api(gateway, "GET", f"/stats{query}", role=role)
    assert status == 200, body
    return dict(body)


def _bucket(body: dict[str, Any], hour: str) -> dict[str, Any]:
    return next(b for b in body["series"] if b["start"] == hour)


def test_clean_and_infected_mail_are_counted_in_the_current_hour(gateway):
    now = datetime.now(UTC)
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    query = f"?from={first:%Y-%m-%dT%H:%M:%SZ}&to={first + timedelta(hours=3):%Y-%m-%dT%H:%M:%SZ}&step=hour"
    before = _stats(gateway, query)
    assert [b["start"] for b in before["series"]] == [f"{first + timedelta(hours=i):%Y-%m-%dT%H:00:00Z}"
                                                      for i in range(3)]

    sender = f"stats-{uuid.uuid4().hex[:8]}@sender.test"
    sent_at = datetime.now(UTC)
    clean = send(gateway, sender, ["bob@example.test"], simple_message(sender, "bob@example.test", "figures"))
    infected = send(gateway, sender, ["bob@example.test", "carol@example.test"],
                    simple_message(sender, "bob@example.test", "invoice",
                                   body="Here it is inline:\n" + EICAR.decode() + "\n"))
    assert {e["kind"] for e in outcomes(gateway, clean)} == {"delivered"}
    assert "backup" in {e["kind"] for e in outcomes(gateway, infected, recipients=2)}

    def counted() -> dict[str, Any] | None:
        """Once every counter this test looks at has moved: the steps append their events one after another."""
        body = _stats(gateway, query)
        was, now_ = before["totals"], body["totals"]
        moved = [now_[name] > was[name] for name in ("delivered", "held", "deleted")]
        moved += [now_["received"] - was["received"] >= 2]
        moved += [now_["verdicts"]["antivirus"][v] > was["verdicts"]["antivirus"][v] for v in ("infected", "clean")]
        return body if all(moved) else None

    after = wait_for(counted, timeout=10)
    was, now_ = before["totals"], after["totals"]
    assert now_["received"] - was["received"] >= 2
    assert now_["delivered"] - was["delivered"] >= 1
    assert now_["held"] - was["held"] >= 1  # one Backup entry for both recipients: a message, not two
    assert now_["deleted"] - was["deleted"] >= 1
    assert now_["verdicts"]["antivirus"]["infected"] - was["verdicts"]["antivirus"]["infected"] >= 1
    assert now_["verdicts"]["antivirus"]["clean"] - was["verdicts"]["antivirus"]["clean"] >= 1

    # in the hour they were sent, or the next one when an hour began meanwhile
    hours = {f"{moment:%Y-%m-%dT%H:00:00Z}" for moment in (sent_at, datetime.now(UTC))}
    buckets = [_bucket(after, hour) for hour in sorted(hours)]
    assert sum(b["received"] for b in buckets) >= 2
    assert sum(b["verdicts"]["antivirus"]["infected"] for b in buckets) >= 1
    sample = after["held_sample"]  # the shared gateway holds other tests' mail too: our sender may not be on top
    assert sample["read"] >= 1 and sum(t["count"] for t in after["top_held_senders"]) <= sample["read"]
    assert after["top_held_domains"][0]["count"] >= 1
    assert after["queues"]["scan"] is not None and after["queues"]["rules_dlq"] is not None  # local mode's queues
    assert set(after["queues"]["scan"]) == {"visible", "in_flight"}


def test_the_dashboard_defaults_to_the_last_24_hours_and_refuses_personal_users(gateway):
    body = _stats(gateway, "", role=Role.SECURITY_OFFICER)
    assert body["step"] == "hour" and len(body["series"]) == 24
    status, refused = api(gateway, "GET", "/stats", role=Role.PERSONAL_USER)
    assert (status, refused["error"]) == (403, "forbidden")
    status, too_long = api(gateway, "GET", "/stats?from=2026-01-01&to=2026-03-01", role=Role.ADMINISTRATOR)
    assert (status, too_long["error"]) == (422, "range_too_large")


PITCH = ("CONGRATULATIONS! You have been selected for our limited offer: fasteners at a 70% discount, FREE\n"
         "shipping, no credit card required, 100% guaranteed. Click here and order now before this offer\n"
         "expires!!! Act now!\nTo be removed from our mailing list reply STOP.\n")


def _quarantine_probable_spam(table: dict[str, Any]) -> dict[str, Any]:
    table["rules"][-1]["modules"]["antispam"] = {
        "probable_threshold": 0.5, "spam_threshold": 1000.0,
        "quarantine": {"enabled": True, "hold_minutes": 45}}
    return table


def test_a_message_rescanned_after_a_quarantine_hold_is_received_once(gateway, restore_settings):
    put_section(gateway, "rules", _quarantine_probable_spam)
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", "Fasteners for the dashboard", PITCH))
    wait_for(lambda: [e for e in events(gateway, message_id) if e["kind"] == "held"] or None)
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    query = f"?from={first:%Y-%m-%dT%H:%M:%SZ}&to={first + timedelta(hours=3):%Y-%m-%dT%H:%M:%SZ}"
    before = _stats(gateway, query)["totals"]

    assert gateway.rescans.end_holds() >= 1  # the 45 minutes pass
    wait_for(lambda: delivered(gateway, message_id))
    received = [e for e in events(gateway, message_id) if e["kind"] == "received"]
    assert [e["detail"].get("rescan") for e in received] == [None, True]

    def counted() -> dict[str, Any] | None:
        totals = _stats(gateway, query)["totals"]
        return totals if totals["delivered"] > before["delivered"] else None

    after = wait_for(counted, timeout=10)
    assert after["received"] == before["received"]  # the re-scan is the same message
    assert sum(after["verdicts"]["antispam"].values()) > sum(before["verdicts"]["antispam"].values())  # scanned again
