"""The event log sends each append to the SIEM queue when one is configured, and a queue that fails never fails
the append (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.aws import resources, siem_queue
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.environment import Env
from mailgate.events.model import Event
from mailgate.siem.forwarder import decode_body


@pytest.fixture
def queue(aws: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    siem_queue.reset()
    resources.create_tables("events", "backup", "idem")
    url, _ = resources.create_queue("mailgate-siem", 60, 120)
    monkeypatch.setenv(Env.SIEM_QUEUE_URL, url)
    return url


def _events(n: int, subject: str = "hi") -> list[Event]:
    return [Event(message_id="m1", kind="received", summary=f"event {i}", subject=subject) for i in range(n)]


def test_one_append_is_one_queue_message(queue: str) -> None:
    DynamoEventLog("events").append(_events(3))
    messages = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    assert [e.summary for e in decode_body(messages[0]["Body"])] == ["event 0", "event 1", "event 2"]


def test_an_append_too_big_for_one_message_is_split() -> None:
    bodies = siem_queue.bodies(_events(40, subject="x" * 20_000))
    assert len(bodies) > 1 and all(len(b.encode()) <= siem_queue.MAX_BODY for b in bodies)
    assert sum(len(decode_body(b)) for b in bodies) == 40


def test_a_queue_that_fails_never_fails_the_append(queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(Env.SIEM_QUEUE_URL, queue + "-gone")
    log = DynamoEventLog("events")
    log.append(_events(1))  # logged, not raised
    assert [e.summary for e in log.for_message("m1")] == ["event 0"]


def test_no_queue_configured_sends_nothing(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(Env.SIEM_QUEUE_URL, raising=False)
    assert DynamoEventLog("events").siem is None
