"""Outbound spam control: a sender of the organisation who suddenly sends much, to many, or spam is likely a
compromised account. Each outbound message adds to its sender's counts of the hour (messages, recipients, spam);
past a limit of `outbound.limits` the sender's mail is kept in Backup (`outbound.hold_over_limit`) and the
administrators get one notice per sender, limit and hour: the message that crosses it sends it.

The counts are added once per message (through execute-once, so a retried invocation reads the same counts
back). The sender is the envelope sender (MAIL FROM): the organisation's mail server logs in once for all its
users (as at the Mail Manager's authenticated ingress), so the login names the server, not the account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from mailgate.config import OutboundLimits
from mailgate.rules.decision import DELETE, Decision
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScanReport

SPAM_VERDICTS = frozenset({"spam", "probable_spam"})
LIMIT_NAMES = {"messages": "messages_per_hour", "recipients": "recipients_per_hour", "spam": "spam_per_hour"}
MODULE = "outbound_limit"


class OutboundCounter(Protocol):
    def add(self, sender: str, hour: str, amounts: Mapping[str, int]) -> dict[str, int]:
        """Adds to the sender's counts of the hour atomically; the counts after."""
        ...


@dataclass(frozen=True)
class LimitCheck:
    sender: str
    hour: str
    counts: dict[str, int]  # after this message
    over: tuple[str, ...]  # limits (messages, recipients, spam) the counts are past
    crossed: tuple[str, ...]  # of those, the ones this message took past the limit: announced now

    def to_dict(self) -> dict[str, Any]:
        return {"sender": self.sender, "hour": self.hour, "counts": self.counts, "over": list(self.over),
                "crossed": list(self.crossed)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LimitCheck:
        counts = data.get("counts")
        return cls(str(data.get("sender", "")), str(data.get("hour", "")),
                   {str(k): int(v) for k, v in (counts if isinstance(counts, dict) else {}).items()},
                   tuple(str(x) for x in data.get("over") or ()), tuple(str(x) for x in data.get("crossed") or ()))

    def sentence(self, limits: OutboundLimits) -> str:
        return "; ".join(f"{self.counts.get(name, 0)} {name} this hour (limit {getattr(limits, LIMIT_NAMES[name])})"
                         for name in self.over)


def sender_of(envelope: Envelope) -> str:
    return (envelope.mail_from or "<>").strip().lower()[:320]


def amounts(report: ScanReport) -> dict[str, int]:
    spam = report.result("antispam")
    return {"messages": 1, "recipients": len(report.envelope.recipients),
            "spam": 1 if spam is not None and spam.verdict in SPAM_VERDICTS else 0}


def check(report: ScanReport, limits: OutboundLimits, counter: OutboundCounter,
          now: datetime | None = None) -> LimitCheck:
    hour = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H")
    sender = sender_of(report.envelope)
    added = amounts(report)
    after = counter.add(sender, hour, added)
    over, crossed = [], []
    for name, setting in LIMIT_NAMES.items():
        limit = int(getattr(limits, setting))
        if limit <= 0:
            continue
        count = int(after.get(name, 0))
        if count > limit:
            over.append(name)
            if count - added[name] <= limit:
                crossed.append(name)
    return LimitCheck(sender, hour, {k: int(v) for k, v in after.items()}, tuple(over), tuple(crossed))


def held_decision(found: LimitCheck, limits: OutboundLimits) -> Decision:
    reason = f"outbound limit passed by {found.sender}: {found.sentence(limits)}"
    return Decision(action=DELETE, backup=True, rule="outbound spam control", reason=reason, module=MODULE,
                    verdict_class="over_limit",
                    path=(reason, "the sender's outbound mail is kept in Backup for the rest of the hour "
                                  "(outbound.hold_over_limit); an administrator releases what was legitimate"))
