"""Application notices: which changes are announced, and what the administrators receive."""

from __future__ import annotations

from email import message_from_bytes, policy

import msgspec
import pytest

from mailgate.config import GatewayConfig
from mailgate.notify.application import (
    Notice,
    announce,
    directory_notice,
    observe,
    settings_import_notice,
    transition,
)


def test_first_observation_announces_only_a_failure() -> None:
    assert transition(None, "failing") == "failing"
    assert transition(None, "ok") is None


def test_a_repeated_state_announces_nothing() -> None:
    assert transition("failing", "failing") is None
    assert transition("ok", "ok") is None


def test_each_change_of_a_flapping_condition_is_announced() -> None:
    states = ["ok", "failing", "failing", "ok", "failing", "ok", "ok"]
    previous: str | None = None
    changes = []
    for state in states:
        changes.append(transition(previous, state))  # type: ignore[arg-type]
        previous = state
    assert changes == [None, "failing", None, "recovered", "failing", "recovered", None]


class _MemoryState:
    """The conditional write of aws/application_state.py: written only when the state differs."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def swap(self, key: str, state: str, at: str) -> tuple[bool, str | None]:
        previous = self.items.get(key)
        if previous == state:
            return False, previous
        self.items[key] = state
        return True, previous


def test_observe_announces_once_per_change_even_for_two_checkers() -> None:
    store = _MemoryState()
    first = observe(store, "directory#a", "failing")  # type: ignore[arg-type]
    second = observe(store, "directory#a", "failing")  # type: ignore[arg-type]  # the other checker, same change
    assert (first, second) == ("failing", None)
    assert observe(store, "directory#a", "ok") == "recovered"  # type: ignore[arg-type]
    assert observe(store, "directory#b", "ok") is None  # type: ignore[arg-type]


def _config(**notifications: object) -> GatewayConfig:
    return msgspec.convert({"authserv_id": "gw.example.org",
                            "notifications": {"administrator_addresses": ["admin@example.org"]},
                            "application_notifications": notifications}, GatewayConfig)


def _sent(config: GatewayConfig, notice: Notice) -> list[tuple[str, str, bytes]]:
    mails: list[tuple[str, str, bytes]] = []
    announce(config, notice, lambda mail_from, to, data: mails.append((mail_from, to, data)))
    return mails


def test_a_notice_goes_to_each_administrator_with_the_rule_notifications_headers() -> None:
    hostile = "Corp\r\nBcc: victim@example.net %SENDER%"
    [(mail_from, to, data)] = _sent(_config(), directory_notice(hostile, "failing", "connection refused"))
    message = message_from_bytes(data, policy=policy.default)
    assert (mail_from, to) == ("mailgate@gw.example.org", "admin@example.org")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Mailgate-Notification"] == "app_directory_failing"
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])
    assert "is failing" in str(message["Subject"]) and "%SENDER%" in str(message["Subject"])  # not expanded
    assert "connection refused" in message.get_body().get_content()  # type: ignore[union-attr]


def test_recipients_replace_the_administrators() -> None:
    mails = _sent(_config(recipients=["ops@example.org", "oncall@example.org"]), settings_import_notice("alice", 7))
    assert [to for _f, to, _d in mails] == ["ops@example.org", "oncall@example.org"]


@pytest.mark.parametrize("switch", [{"enabled": False}, {"kinds_off": ["settings_import"]}])
def test_a_switched_off_kind_sends_nothing(switch: dict[str, object]) -> None:
    assert _sent(_config(**switch), settings_import_notice("alice", 7)) == []


def test_a_disabled_template_of_that_name_sends_nothing() -> None:
    config = msgspec.convert({"notifications": {"administrator_addresses": ["admin@example.org"], "templates": [
        {"name": "app_settings_import", "subject": "x", "body_text": "y", "enabled": False}]}}, GatewayConfig)
    assert _sent(config, settings_import_notice("alice", 7)) == []


def test_one_refusing_administrator_does_not_stop_the_others() -> None:
    sent: list[str] = []

    def send(_mail_from: str, to: str, _data: bytes) -> None:
        if to.startswith("ops"):
            raise RuntimeError("550 no such user")
        sent.append(to)

    done = announce(_config(recipients=["ops@example.org", "oncall@example.org"]),
                    settings_import_notice("alice", 7), send)
    assert sent == ["oncall@example.org"] and done.failed == ["ops@example.org: RuntimeError: 550 no such user"]


def test_the_sns_topic_gets_the_notice_too() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:mailgate-admins"
    published: list[tuple[str, str, str]] = []
    announce(_config(sns_topic_arn=topic), settings_import_notice("alice", 7), lambda *_: None,
             lambda *args: published.append(args))
    assert [(t, s) for t, s, _ in published] == [(topic, "[mailgate] All settings were replaced by an import")]


def test_a_bad_recipient_or_topic_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        _config(recipients=["not an address"])
    with pytest.raises(msgspec.ValidationError):
        _config(sns_topic_arn="arn:aws:s3:::bucket")


def test_a_dead_letter_queue_that_cannot_be_read_neither_fails_nor_recovers() -> None:
    from mailgate.notify.application import dead_letter_states
    from mailgate.stats.queues import QueueDepth

    states = dead_letter_states({"scan": QueueDepth(5, 0), "scan_dlq": QueueDepth(0, 1), "rules_dlq": None})
    assert states == [("dead_letters#scan_dlq", "failing", 1)]
    assert dead_letter_states({"scan_dlq": QueueDepth(0, 0)}) == [("dead_letters#scan_dlq", "ok", 0)]


def test_signatures_never_published_decide_nothing() -> None:
    from mailgate.notify.application import signature_state

    assert signature_state(None) is None and signature_state({}) is None
    assert signature_state({"stale": True}) == "failing" and signature_state({"stale": False}) == "ok"


def test_the_dynamodb_state_is_written_once_per_change_so_two_checkers_announce_once(aws) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from mailgate.aws import resources
    from mailgate.aws.application_state import DynamoApplicationState

    resources.create_directory_table("directory")
    store = DynamoApplicationState("directory")
    assert observe(store, "directory#a", "ok") is None  # first seen working: nothing to say
    with ThreadPoolExecutor(8) as pool:
        changes = list(pool.map(lambda _: observe(store, "directory#a", "failing"), range(8)))
    assert (changes.count("failing"), changes.count(None)) == (1, 7)
    assert store.swap("directory#a", "failing", "now") == (False, "failing")
    assert observe(store, "directory#a", "ok") == "recovered"
    assert observe(store, "directory#b", "failing") == "failing"  # each condition on its own
