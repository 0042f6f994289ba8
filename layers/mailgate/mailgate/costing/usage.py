"""Measuring a message's usage on its way: the scan step's (carried in its report's `facts["usage"]`) and the
rules step's, which prices the whole at its first decision (`CostMeter`).

Exact: the measured seconds, the functions' memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), the message's size, the
scan step's event items, their sizes and the counter updates they cause. Structural (from what the code does
after the moment the cost is written): the rules step's events after the decision, idempotency records,
Backup's writes; see mailgate.costing.model for each.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

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
from mailgate.events.query import header_id_of
from mailgate.stats.counting import increments

if TYPE_CHECKING:
    from mailgate.config import GatewayConfig
    from mailgate.rules.decision import Decision

logger = logging.getLogger(__name__)

MEMORY_VARIABLE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"  # set by Lambda in every function's environment
ITEM_KEYS_BYTES = 160  # the item's keys and index attributes besides the event's own fields (event_table._item)
RULES_EVENT_BYTES = 900  # a rules-step event (decision, delivered, backup…) as stored, typically
DELIVERING = frozenset({"deliver", "delete_attachment"})


def memory_mb(environ: Any = None) -> int:
    """The function's configured memory; the construct's default outside Lambda (local mode, tests)."""
    value = (os.environ if environ is None else environ).get(MEMORY_VARIABLE, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MEMORY_MB


def item_bytes(event: Event) -> int:
    """About the bytes of the event's DynamoDB item: its stored form, the keys, the lowercased search copies."""
    copies = sum(len(v or "") for v in (event.sender, event.subject, event.recipient))
    return len(msgspec.json.encode(event.to_dict())) + ITEM_KEYS_BYTES + copies


def events_usage(seconds: float, appends: Sequence[Sequence[Event]], memory: int | None = None) -> StepUsage:
    """A step's usage from its measured seconds and the events of each append it made: each item written to the
    table and the `by_day` index (and the `by_header_id` index when it carries a Message-ID header), each append's
    counter UpdateItem per hour it counts something in (aws/event_table.py `append`)."""
    items = wru = stored = updates = 0
    for events in appends:
        updates += len(increments(events))
        for event in events:
            size, copies = item_bytes(event), 2 + (1 if header_id_of(event) else 0)
            items += 1
            wru += item_wru(size) * copies
            stored += (size + ITEM_OVERHEAD) * copies
    return StepUsage(seconds=seconds, memory_mb=memory or memory_mb(), appends=len(appends), event_items=items,
                     event_wru=wru, event_bytes=stored, counter_updates=updates)


def scan_usage(started: float, events: Sequence[Event]) -> dict[str, Any]:
    """The scan step's `facts["usage"]`: seconds since `started` (time.perf_counter) and its one append."""
    return events_usage(time.perf_counter() - started, [events]).to_dict()


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
        events = 2 + (1 if held else 0)  # the decision, its outcome (delivered, rejected, deleted, held), Backup's
        rules = StepUsage(seconds=seconds, memory_mb=memory_mb(), appends=events, event_items=events,
                          event_wru=events * item_wru(RULES_EVENT_BYTES) * 2,
                          event_bytes=events * (RULES_EVENT_BYTES + ITEM_OVERHEAD) * 2, counter_updates=events)
        usage = MessageUsage(size=size, scan=StepUsage.from_dict(facts.get("usage")), rules=rules, groups=1,
                             deliveries=1 if delivers else 0, held=held,
                             siem=bool(os.environ.get(Env.SIEM_QUEUE_URL)),
                             backup_days=config.backup_retention_days, event_days=config.event_retention_days)
        return message_cost(usage, config.prices).to_dict()
