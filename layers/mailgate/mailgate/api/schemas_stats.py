"""The dashboard's numbers as the admin API answers them (`GET /stats`). The verdict models are made from the one
list of counted verdicts (mailgate.stats.counting.VERDICTS), so the document names every key an answer has."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from mailgate.api.responses import Answer
from mailgate.stats.counting import VERDICTS


def _title(module: str) -> str:
    return "".join(part.capitalize() for part in module.split("_"))


def _counts(verdicts: tuple[str, ...]) -> dict[str, Any]:
    return {verdict: (int, Field(ge=0)) for verdict in verdicts}


_VERDICT_MODELS: dict[str, Any] = {
    module: create_model(f"{_title(module)}VerdictCounts", __base__=Answer, **_counts(verdicts))
    for module, verdicts in VERDICTS.items()
}
_MODULES: dict[str, Any] = {module: (model, ...) for module, model in _VERDICT_MODELS.items()}
VerdictCounts: Any = create_model(
    "VerdictCounts", __base__=Answer, __doc__="Scans per module and verdict (authentication as spf, dkim, dmarc).",
    **_MODULES)


class TrafficCounts(Answer):
    received: int = Field(description="messages the scan step took in (a re-scan after a quarantine hold: not again)")
    delivered: int = Field(description="copies the destination server took (one per recipient group)")
    held: int = Field(description="originals kept in Backup (one per Backup entry)")
    rejected: int = Field(description="messages refused: a reject decision, or a recipient domain not accepted")
    deleted: int = Field(description="messages not delivered by a Delete action")
    delivery_failed: int = Field(description="deliveries that failed for good: refused by the destination, or "
                                             "kept in Backup after the last retry")
    cost_usd: float = Field(ge=0, description="the AWS cost in USD of the messages decided (each message's `cost` "
                                              "in its first decision event, SES receiving not included; "
                                              "docs/cost.md), summed to the micro-dollar")
    verdicts: VerdictCounts


class StatsBucket(TrafficCounts):
    start: str = Field(description="the bucket's first moment, UTC: a whole hour or day")


class HeldSender(Answer):
    sender: str = Field(description="the envelope sender; `<>` for the null sender (bounces)")
    count: int


class HeldDomain(Answer):
    domain: str
    count: int


class HeldSample(Answer):
    read: int = Field(description="Backup entries of the range read for the top lists (the newest first)")
    complete: bool = Field(description="false: the range holds more entries than were read")


class QueueDepthView(Answer):
    visible: int = Field(description="messages waiting (ApproximateNumberOfMessages)")
    in_flight: int = Field(description="messages being processed (ApproximateNumberOfMessagesNotVisible)")


class QueueDepths(Answer):
    scan: QueueDepthView | None
    scan_dlq: QueueDepthView | None
    rules: QueueDepthView | None
    rules_dlq: QueueDepthView | None


class Stats(Answer):
    start: str = Field(alias="from", description="the first bucket's start (the range's `from`, rounded down)")
    end: str = Field(alias="to", description="the last bucket's end (the range's `to`, rounded up)")
    step: Literal["hour", "day"]
    series: list[StatsBucket] = Field(description="every bucket of the range, oldest first, zeros included")
    totals: TrafficCounts
    top_held_senders: list[HeldSender] = Field(description="the senders of the most Backup entries in the range")
    top_held_domains: list[HeldDomain] = Field(description="their domains, the same way")
    held_sample: HeldSample
    queues: QueueDepths = Field(description="each queue now; null: it cannot be read (see `warnings`)")
    warnings: list[str]
