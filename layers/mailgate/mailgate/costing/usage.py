"""Measuring a message's usage on its way: the scan step's (carried in its report's `facts["usage"]`) and the
rules step's, which prices the whole at its first decision (`CostMeter`).

Exact: the measured seconds, the functions' memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), the message's size, the
scan step's event items, their sizes and the counter updates they cause. Structural (from what the code does
after the moment the cost is written): the rules step's events after the decision, idempotency records,
Backup's writes; see mailgate.costing.model for each.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mailgate.costing.model import (
    DEFAULT_MEMORY_MB,
    ITEM_OVERHEAD,
    MessageUsage,
    StepUsage,
    item_wru,
    message_cost,
)
from mailgate.environment import Env
from mailgate.events.model import Event
from mailgate.stats.counting import increments

if TYPE_CHECKING:
    from mailgate.config import GatewayConfig
    from mailgate.rules.decision import Decision

logger = logging.getLogger(__name__)

MEMORY_VARIABLE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"  # set by Lambda in every function's environment
# The construct's scan function runs clamd beside it (clamav_scanning, the default): 3008 MB, for the signatures
# ClamAV loads (docs/antivirus.md); infra/mailgate_infra/scanning.py SCAN_IMAGE_MEMORY_MB.
SCAN_MEMORY_MB = 3008
# The rules step's items as stored (aws/event_items.py), typically: its decision (the decision event with the
# rule, verdicts and this cost) and each outcome (delivered, rejected, deleted, held; Backup's), each an append of
# its own, and each item's `by_day` index entry. Measured through local mode (bench/message_cost.py).
DECISION_ITEM_BYTES = 1_400
OUTCOME_ITEM_BYTES = 800
INDEX_ENTRY_BYTES = 400
REPORT_ITEM_KEYS = 80  # the report item's keys and attribute names (aws/scan_reports.py)
DELIVERING = frozenset({"deliver", "delete_attachment"})


def memory_mb(environ: Any = None, default: int = DEFAULT_MEMORY_MB) -> int:
    """The function's configured memory; outside Lambda (local mode, tests) the construct's default for it."""
    value = (os.environ if environ is None else environ).get(MEMORY_VARIABLE, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def events_usage(seconds: float, appends: Sequence[Sequence[Event]], memory: int | None = None,
                 retention_days: int = 90) -> StepUsage:
    """A step's usage from its measured seconds and the events of each append it made, as the event log stores
    them (aws/event_items.py): each item written to the table and its index entries (`by_day`, and `by_header_id`
    for a received event with a Message-ID header), each append's counter UpdateItem per hour it counts
    something in (aws/event_table.py `append`)."""
    from mailgate.aws.event_items import index_copies, item_size, items  # noqa: PLC0415 - the table's layout

    count = wru = stored = updates = 0
    for events in appends:
        updates += len(increments(events))
        for item in items(events, retention_days):
            count += 1
            for size in (item_size(item), *index_copies(item)):
                wru += item_wru(size)
                stored += size + ITEM_OVERHEAD
    return StepUsage(seconds=seconds, memory_mb=memory or memory_mb(), appends=len(appends), event_items=count,
                     event_wru=wru, event_bytes=stored, counter_updates=updates)


def scan_usage(started: float, events: Sequence[Event], indexed: Sequence[int] = (), report: int | None = None,
               in_table: bool = True) -> dict[str, Any]:
    """The scan step's `facts["usage"]`: seconds since `started` (time.perf_counter), its one append, the exposure
    index items it wrote (`indexed`: their sizes), and where its report of `report` compressed octets is kept:
    an item of the events table when it fits (`in_table` and at most MAX_ITEM_REPORT), else S3 (a PUT, the rules
    step's GET, its storage)."""
    from mailgate.aws.scan_reports import MAX_ITEM_REPORT  # noqa: PLC0415 - the table's layout

    step = events_usage(time.perf_counter() - started, [events], memory_mb(default=SCAN_MEMORY_MB))
    step = dataclasses.replace(step, index_items=len(indexed), index_wru=sum(item_wru(size) for size in indexed),
                               index_bytes=sum(size + ITEM_OVERHEAD for size in indexed))
    if report is not None and in_table and report <= MAX_ITEM_REPORT:
        size = report + REPORT_ITEM_KEYS
        step = dataclasses.replace(step, event_items=step.event_items + 1, event_wru=step.event_wru + item_wru(size),
                                   event_bytes=step.event_bytes + size + ITEM_OVERHEAD)
    elif report is not None:
        step = dataclasses.replace(step, s3_reports=1)
    return step.to_dict()


class CostMeter:
    """The rules step's clock and its one cost: mutable on purpose (MessageContext is frozen), so the first
    group's decision event carries the message's cost and the others none, and a message counts once."""

    def __init__(self, started: float | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.spent = False

    def decision_detail(self, facts: dict[str, Any], raw: bytes, decision: Decision,
                        config: GatewayConfig) -> dict[str, Any]:
        """`{"cost": …}` for the first decision of the message, `{}` after it; never raises (a failure is
        logged and the decision goes on without its cost)."""
        if self.spent:
            return {}
        self.spent = True
        try:
            return {"cost": self._cost(facts, len(raw), decision, config)}
        except Exception:
            logger.exception("could not compute the message's cost")
            return {}

    def _cost(self, facts: dict[str, Any], size: int, decision: Decision, config: GatewayConfig) -> dict[str, Any]:
        seconds = time.perf_counter() - self.started
        held, delivers = bool(decision.backup), decision.action in DELIVERING
        sizes = [DECISION_ITEM_BYTES, OUTCOME_ITEM_BYTES] + ([OUTCOME_ITEM_BYTES] if held else [])  # + Backup's
        rules = StepUsage(seconds=seconds, memory_mb=memory_mb(), appends=len(sizes), event_items=len(sizes),
                          event_wru=sum(item_wru(size) + item_wru(INDEX_ENTRY_BYTES) for size in sizes),
                          event_bytes=sum(size + INDEX_ENTRY_BYTES + 2 * ITEM_OVERHEAD for size in sizes),
                          counter_updates=len(sizes))
        usage = MessageUsage(size=size, scan=StepUsage.from_dict(facts.get("usage")), rules=rules, groups=1,
                             deliveries=1 if delivers else 0, held=held,
                             siem=bool(os.environ.get(Env.SIEM_QUEUE_URL)),
                             backup_days=config.backup_retention_days, event_days=config.event_retention_days)
        return message_cost(usage, config.prices).to_dict()
