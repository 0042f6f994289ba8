"""The cost model: a message's usage and the prices → USD per component. Pure: no clock, no boto3.

What each component counts, per message (docs/cost.md, "Per-message counts", is the same model written out):
- `lambda_compute`: the scan step's and the rules step's *measured* seconds times their functions' memory (GB),
  at the GB-second price. Measured: scan from the start of `ScanService.scan` to its report, rules from the start
  of `process_report` to the first decision. Not in it: the handlers' S3 reads before, the writes and the
  delivery's SMTP wait after (a structural gap: the dashboard's `Duration` metric has the whole).
- `lambda_requests`: one invocation per step (structural: an SQS batch of several messages is one invocation).
- `sqs`: SNS→scan queue and scan→rules queue, each a send, a receive and a delete (6; structural, batches make
  fewer), each notification under 64 KB (one request); plus, with a SIEM queue, one SendMessage per event-log
  append (exact: one per append).
- `sns`: the receipt notification, one publish (structural).
- `s3_requests`: PUTs: the raw message (SES writes it), the Backup copy when the original is kept, and the scan
  report only when it is too large for the hand-off and the events table (exact: the scan step says where it
  went); GETs: the scan reads the message, the rules step the message (and the report when in S3).
- `s3_storage`: the message for the incoming/ retention, the report for the reports/ retention when in S3, the
  Backup copy for the Backup retention (exact sizes; the retentions are the construct's defaults unless given).
- `dynamodb_writes`: the event items, one per step's append (aws/event_items.py; exact for the scan step's: the
  item's size → WRUs, plus its `by_day` index entry and, with a Message-ID header, its `by_header_id` entry); the
  exposure index's items, one per indicator (exact: the scan step counts what it wrote); the counters' UpdateItem
  per hour an append counts something in (exact for the scan step, structural for the rules step's items after
  the decision); idempotency 2 WRU per recipient group and 2 per delivery (structural); a Backup entry's 10 WRU
  (docs/backup.md; structural).
- `dynamodb_reads`: the rules step's one query of the message's events for its metrics (structural).
- `dynamodb_storage`: the event items, their index entries and the exposure index's items for the event retention
  (100 bytes of DynamoDB's per-item overhead each).
- `logs`: the log lines and the EMF metrics record (about 2.5 KB a message; structural, docs/cost.md).

SES receiving is priced apart (`ses_receiving_usd`, not in `total_usd`): it is what any SES-based gateway pays,
while the total is what mailgate's own design decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from mailgate.config import Prices

KB = 1024
GB = 1024**3
DAYS_PER_MONTH = 30.4375  # AWS bills storage per GB-month of 730 hours; 30.4375 days
WRU_BYTES = 1024  # one write request unit per 1 KB of item
CHUNK_BYTES = 256 * KB  # SES receiving's chunk
SQS_REQUEST_BYTES = 64 * KB
ITEM_OVERHEAD = 100  # DynamoDB's storage overhead per item (and per index copy)
HANDOFF_SQS_REQUESTS = 6  # two queues: send, receive, delete each
NOTIFICATION_BYTES = 5 * KB  # the SNS/SQS payload is the notification or the hand-off, not the mail
LOG_BYTES = 2_500  # log lines plus the EMF record per message (docs/cost.md)
BACKUP_ENTRY_WRU = 10  # the Backup entry, its indexes, a pointer per recipient, two counters (docs/backup.md)
IDEMPOTENCY_WRU = 2  # Powertools idempotency: the in-progress put and the completed update
INCOMING_DAYS = 30  # the construct's incoming_retention_days default
REPORTS_DAYS = 90  # the construct's reports_retention_days default
DEFAULT_MEMORY_MB = 1024  # the construct's function_memory_mb default


@dataclass(frozen=True)
class StepUsage:
    """One step's measured time and its event-log writes."""

    seconds: float  # measured wall time of the step's logic
    memory_mb: int = DEFAULT_MEMORY_MB  # the function's configured memory
    appends: int = 0  # event-log appends (each a BatchWriteItem, a SIEM send when configured)
    event_items: int = 0  # event items written
    event_wru: int = 0  # their write units, index copies included
    event_bytes: int = 0  # their stored bytes, index copies and overhead included
    counter_updates: int = 0  # UpdateItem calls on the hourly counters
    index_items: int = 0  # exposure index items written (mailgate.aws.exposure_index: one per indicator)
    index_wru: int = 0
    index_bytes: int = 0  # stored, DynamoDB's per-item overhead included
    s3_reports: int = 0  # the scan report went to S3 (too large for the table and the hand-off): 1

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 6), "memory_mb": self.memory_mb, "appends": self.appends,
                "event_items": self.event_items, "event_wru": self.event_wru, "event_bytes": self.event_bytes,
                "counter_updates": self.counter_updates, "index_items": self.index_items,
                "index_wru": self.index_wru, "index_bytes": self.index_bytes, "s3_reports": self.s3_reports}

    @classmethod
    def from_dict(cls, data: Any) -> StepUsage:
        """From a report's `facts["usage"]`; what is missing or not a number is zero (a report of another release)."""
        got = data if isinstance(data, dict) else {}

        def number(name: str, default: float = 0) -> float:
            value = got.get(name, default)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 \
                else float(default)

        return cls(seconds=number("seconds"), memory_mb=int(number("memory_mb", DEFAULT_MEMORY_MB)),
                   appends=int(number("appends")), event_items=int(number("event_items")),
                   event_wru=int(number("event_wru")), event_bytes=int(number("event_bytes")),
                   counter_updates=int(number("counter_updates")), index_items=int(number("index_items")),
                   index_wru=int(number("index_wru")), index_bytes=int(number("index_bytes")),
                   s3_reports=int(number("s3_reports")))


@dataclass(frozen=True)
class MessageUsage:
    """Everything one message used, as the model prices it."""

    size: int  # the raw message's bytes
    scan: StepUsage
    rules: StepUsage
    groups: int = 1  # recipient groups decided (each an idempotency record)
    deliveries: int = 0  # copies handed to a server (each its own idempotency record)
    held: bool = False  # the original kept in Backup
    siem: bool = False  # the event log's SIEM queue is configured
    event_reads: int = 1  # eventually consistent queries of the message's events (the metrics)
    incoming_days: int = INCOMING_DAYS
    reports_days: int = REPORTS_DAYS
    backup_days: int = 30
    event_days: int = 90
    report_bytes: int = 5 * KB


@dataclass(frozen=True)
class MessageCost:
    components: dict[str, float]  # USD per component
    ses_receiving_usd: float
    usage: dict[str, Any] = field(default_factory=dict)  # what was priced, for the reader of the event

    @property
    def total_usd(self) -> float:
        return sum(self.components.values())

    def to_dict(self) -> dict[str, Any]:
        """The `cost` of a decision event: components add up to `total_usd` (each rounded to 12 places)."""
        components = {name: round(usd, 12) for name, usd in self.components.items()}
        return {"total_usd": round(sum(components.values()), 12),
                "ses_receiving_usd": round(self.ses_receiving_usd, 12), "components": components, "usage": self.usage}


def gb_months(size: int, days: int) -> float:
    return size / GB * days / DAYS_PER_MONTH


def item_wru(size: int) -> int:
    return max(1, math.ceil(size / WRU_BYTES))


def message_cost(usage: MessageUsage, prices: Prices) -> MessageCost:
    """The message's cost per component (see the module's docstring for what each counts)."""
    steps = (usage.scan, usage.rules)
    appends = sum(s.appends for s in steps)
    gb_seconds = sum(s.seconds * s.memory_mb / 1024 for s in steps)
    sqs_requests = HANDOFF_SQS_REQUESTS * math.ceil(NOTIFICATION_BYTES / SQS_REQUEST_BYTES) \
        + (appends if usage.siem else 0)
    reports_in_s3 = sum(s.s3_reports for s in steps)
    puts = 1 + reports_in_s3 + (1 if usage.held else 0)
    gets = 2 + reports_in_s3
    stored = gb_months(usage.size, usage.incoming_days) \
        + gb_months(usage.report_bytes * reports_in_s3, usage.reports_days) \
        + (gb_months(usage.size, usage.backup_days) if usage.held else 0.0)
    wru = sum(s.event_wru + s.counter_updates + s.index_wru for s in steps) \
        + IDEMPOTENCY_WRU * (usage.groups + usage.deliveries) + (BACKUP_ENTRY_WRU if usage.held else 0)
    components = {
        "lambda_compute": gb_seconds * prices.lambda_per_gb_second,
        "lambda_requests": len(steps) * prices.lambda_per_million_requests / 1e6,
        "sqs": sqs_requests * prices.sqs_per_million_requests / 1e6,
        "sns": prices.sns_per_million_publishes / 1e6,
        "s3_requests": puts * prices.s3_per_thousand_puts / 1e3 + gets * prices.s3_per_thousand_gets / 1e3,
        "s3_storage": stored * prices.s3_per_gb_month,
        "dynamodb_writes": wru * prices.dynamodb_per_million_wru / 1e6,
        "dynamodb_reads": usage.event_reads * prices.dynamodb_per_million_rru / 1e6,
        "dynamodb_storage": gb_months(sum(s.event_bytes + s.index_bytes for s in steps), usage.event_days)
        * prices.dynamodb_per_gb_month,
        "logs": LOG_BYTES / GB * prices.logs_per_gb,
    }
    chunks = max(1, math.ceil(usage.size / CHUNK_BYTES))
    ses = prices.ses_receiving_per_thousand_mails / 1e3 + chunks * prices.ses_receiving_per_thousand_chunks / 1e3
    priced = {"size": usage.size, "gb_seconds": round(gb_seconds, 9), "scan": usage.scan.to_dict(),
              "rules": usage.rules.to_dict(), "sqs_requests": sqs_requests, "s3_puts": puts, "s3_gets": gets,
              "dynamodb_wru": wru, "held": usage.held, "groups": usage.groups, "deliveries": usage.deliveries}
    return MessageCost(components, ses, priced)
