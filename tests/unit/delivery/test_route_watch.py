"""Whether a route takes mail, as the rules function notes it for the `delivery_failing` application notice:
a failing route keeps the time of its first failure across processes, a note is written on a change and not once
per message, and the check announces only a route that failed for the configured minutes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailgate.config import Route, SmtpHost
from mailgate.delivery.base import DeliveryResult
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.delivery.route_watch import COMPONENT_PREFIX, RouteWatch, WatchedDeliverer, route_label
from mailgate.notify.application import delivery_notice, delivery_states

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class Board:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.writes = 0

    def publish(self, component: str, document: dict[str, Any]) -> None:
        self.writes += 1
        self.items[component] = document

    def read(self, component: str) -> dict[str, Any] | None:
        return self.items.get(component)


class Server:
    def __init__(self) -> None:
        self.failure: Exception | None = None

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        if self.failure is not None:
            raise self.failure
        return DeliveryResult(host="mx", port=25, tls=False, accepted=tuple(recipients))


class Clock:
    def __init__(self) -> None:
        self.monotonic, self.now = 0.0, T0

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.now += timedelta(seconds=seconds)


def watched(board: Board, clock: Clock) -> tuple[WatchedDeliverer, Server]:
    server = Server()
    watch = RouteWatch(board, clock=lambda: clock.monotonic, now=lambda: clock.now)
    return WatchedDeliverer(server, "mx.example.test:25", watch), server


def test_route_labels_name_the_hosts_an_administrator_configured() -> None:
    route = Route(hosts=(SmtpHost(host="b.example.test", port=2525, priority=20), SmtpHost(host="a.example.test")))
    assert route_label(route) == "a.example.test:25,b.example.test:2525"
    assert route_label(Route(kind="ses")) == "ses"


def test_a_route_that_keeps_failing_is_noted_once_with_its_first_failure_time() -> None:
    board, clock = Board(), Clock()
    deliverer, server = watched(board, clock)
    deliverer.deliver("a@x.test", ["b@example.test"], b"m")
    server.failure = TemporaryDeliveryError("connection refused")
    for _ in range(50):
        with pytest.raises(TemporaryDeliveryError):
            deliverer.deliver("a@x.test", ["b@example.test"], b"m")
        clock.advance(1)
    note = board.items[COMPONENT_PREFIX + "mx.example.test:25"]
    assert note["state"] == "failing" and note["failing_since"] == T0.isoformat(timespec="seconds")
    assert "connection refused" in note["error"]
    assert board.writes == 2  # the first success, the first failure: not one per message


def test_a_second_process_keeps_the_first_ones_failure_time_and_a_delivery_ends_it() -> None:
    board, clock = Board(), Clock()
    first, first_server = watched(board, clock)
    second, second_server = watched(board, clock)
    first_server.failure = second_server.failure = TemporaryDeliveryError("timed out")
    with pytest.raises(TemporaryDeliveryError):
        first.deliver("a@x.test", ["b@example.test"], b"m")
    clock.advance(120)
    with pytest.raises(TemporaryDeliveryError):
        second.deliver("a@x.test", ["b@example.test"], b"m")
    assert board.items[COMPONENT_PREFIX + "mx.example.test:25"]["failing_since"] == T0.isoformat(timespec="seconds")
    second_server.failure = None
    second.deliver("a@x.test", ["b@example.test"], b"m")
    assert board.items[COMPONENT_PREFIX + "mx.example.test:25"]["state"] == "ok"


def test_a_permanent_refusal_is_the_server_answering() -> None:
    board, clock = Board(), Clock()
    deliverer, server = watched(board, clock)
    server.failure = PermanentDeliveryError("550 no")
    with pytest.raises(PermanentDeliveryError):
        deliverer.deliver("a@x.test", ["b@example.test"], b"m")
    assert board.items[COMPONENT_PREFIX + "mx.example.test:25"]["state"] == "ok"


def test_a_board_that_cannot_be_written_never_fails_the_delivery() -> None:
    class Broken(Board):
        def publish(self, component: str, document: dict[str, Any]) -> None:
            raise RuntimeError("throttled")

    deliverer, _ = watched(Broken(), Clock())
    assert deliverer.deliver("a@x.test", ["b@example.test"], b"m").accepted == ("b@example.test",)


def test_the_check_says_failing_only_after_the_configured_minutes() -> None:
    note = {"state": "failing", "failing_since": T0.isoformat(), "error": "refused", "at": T0.isoformat()}
    [(key, state, _)] = delivery_states({"mx:25": note}, 30, now=T0 + timedelta(minutes=29))
    assert (key, state) == ("delivery_failing#mx:25", "ok")
    [(_, state, _)] = delivery_states({"mx:25": note}, 30, now=T0 + timedelta(minutes=30))
    assert state == "failing"
    assert delivery_states({"mx:25": None}, 30, now=T0) == []  # nothing noted: nothing decided


def test_the_notice_names_the_domains_and_what_happens_to_their_mail() -> None:
    note = {"failing_since": "2026-12-06T09:00:00+00:00", "error": "connection refused\r\nX-Injected: 1"}
    notice = delivery_notice("failing", "mx:25", ["example.test", "corp.example.test"], note)
    assert notice.summary == "Delivery to corp.example.test, example.test (mx:25) is failing"
    assert "kept in Backup" in notice.details and "refused X-Injected: 1" in notice.details  # one line
