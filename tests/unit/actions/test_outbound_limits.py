"""Outbound spam control (issue 18): each outbound message adds to its sender's counts of the hour; the message
that takes a count past its limit is the one that announces it, every later one of the hour is over it too;
spam counts only what anti-spam called spam; a limit of 0 is none; the sender is the envelope sender."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from mailgate.actions.outbound_limits import check, held_decision, sender_of
from mailgate.config import OutboundLimits
from mailgate.rules.decision import DELETE
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult, ScanReport

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict[str, int]] = {}

    def add(self, sender: str, hour: str, amounts: Mapping[str, int]) -> dict[str, int]:
        counts = self.counts.setdefault((sender, hour), {})
        for name, amount in amounts.items():
            counts[name] = counts.get(name, 0) + amount
        return dict(counts)


def message(sender: str = "Bob@Example.test", recipients: int = 1, verdict: str = "not_spam",
            login: str | None = "relay") -> ScanReport:
    envelope = Envelope(sender, tuple(f"r{n}@elsewhere.test" for n in range(recipients)), direction="outbound",
                        authenticated_as=login)
    return ScanReport("m", {}, envelope, {}, (ScannerResult("antispam", verdict, 1.0),))


def test_the_message_that_passes_a_limit_announces_it_and_later_ones_are_over_it():
    limits, counter = OutboundLimits(messages_per_hour=2), Counter()
    found = [check(message(), limits, counter, NOW) for _ in range(4)]
    assert [f.over for f in found] == [(), (), ("messages",), ("messages",)]
    assert [f.crossed for f in found] == [(), (), ("messages",), ()]
    assert found[2].sentence(limits) == "3 messages this hour (limit 2)"
    assert check(message(), limits, counter, datetime(2026, 12, 6, 10, 1, tzinfo=UTC)).over == ()  # a new hour


def test_recipients_and_spam_have_their_own_limits_and_zero_is_none():
    limits, counter = OutboundLimits(messages_per_hour=0, recipients_per_hour=10, spam_per_hour=1), Counter()
    assert check(message(recipients=8), limits, counter, NOW).over == ()
    assert check(message(recipients=5), limits, counter, NOW).crossed == ("recipients",)
    assert check(message(verdict="probable_spam"), limits, counter, NOW).over == ("recipients",)
    assert check(message(verdict="spam"), limits, counter, NOW).crossed == ("spam",)


def test_the_sender_is_the_envelope_sender_not_the_servers_login():
    assert sender_of(message("Bob@Example.test").envelope) == "bob@example.test"
    limits, counter = OutboundLimits(messages_per_hour=1), Counter()
    assert check(message("alice@example.test"), limits, counter, NOW).over == ()
    assert check(message("bob@example.test"), limits, counter, NOW).over == ()  # one login, two accounts


def test_over_the_limit_the_mail_is_kept_in_backup_and_the_reason_names_the_limit():
    limits, counter = OutboundLimits(messages_per_hour=1), Counter()
    check(message(), limits, counter, NOW)
    decision = held_decision(check(message(), limits, counter, NOW), limits)
    assert (decision.action, decision.backup, decision.module) == (DELETE, True, "outbound_limit")
    assert "2 messages this hour (limit 1)" in decision.reason
    assert msgspec.json.decode(msgspec.json.encode(decision.to_dict()))["module"] == "outbound_limit"
