"""Per-message CloudWatch metrics (Embedded Metric Format) from a message's events, for the dashboard's traffic and
detection graphs.

What is counted is what GET /stats counts: the counters of mailgate.stats.counting's `increments()` over the
message's events, summed over their hours, under CamelCase names (`received` → `Received`,
`verdict:antispam:probable_spam` → `AntispamProbableSpam`). Verdicts that find nothing (`clean`, `pass`,
`not_spam`, ...) are left out: each metric name is a custom metric CloudWatch charges for by the month.
`delivery_failed` is left out too: the DeliveryFailed alarm reads the rules step's own metric of that name.
Two more: `DeliveryLatencyMs`, from the message's first `received` event to its last `delivered` one, and
`Bytes`, the size the scan step read.

The only dimension is Powertools' `service` (the rules function's), so the dashboard's graphs are one series each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.events import model as ev
from mailgate.events.log import EventLog
from mailgate.events.model import Event
from mailgate.stats.counting import DELIVERY_FAILED, TRAFFIC, VERDICTS, increments, verdict_counter

logger = logging.getLogger(__name__)

MAX_METRICS = 100  # EMF's limit of metrics in one record: more are split over records, never dropped
LATENCY = "DeliveryLatencyMs"
BYTES = "Bytes"
# verdicts that detect nothing: not a metric
_NOTHING_FOUND = frozenset({"clean", "not_spam", "not_phishing", "pass", "skipped"})


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


# counter of mailgate.stats.counting → metric name
METRIC_NAMES: Mapping[str, str] = {
    **{counter: _camel(counter) for counter in TRAFFIC if counter != DELIVERY_FAILED},
    **{verdict_counter(module, verdict): _camel(module) + _camel(verdict)
       for module, verdicts in VERDICTS.items() for verdict in verdicts if verdict not in _NOTHING_FOUND},
}
TRAFFIC_METRICS: tuple[str, ...] = tuple(METRIC_NAMES[c] for c in TRAFFIC if c in METRIC_NAMES)
DETECTION_METRICS: tuple[str, ...] = tuple(name for c, name in METRIC_NAMES.items() if c not in TRAFFIC)


def message_metrics(events: Iterable[Event]) -> dict[str, tuple[float, MetricUnit]]:
    """metric name → (value, unit) for one message's events; only what the message has (no zeros)."""
    found = list(events)
    totals: dict[str, int] = {}
    for per_hour in increments(found).values():
        for counter, amount in per_hour.items():
            if counter in METRIC_NAMES:
                totals[METRIC_NAMES[counter]] = totals.get(METRIC_NAMES[counter], 0) + amount
    values: dict[str, tuple[float, MetricUnit]] = {name: (float(n), MetricUnit.Count) for name, n in totals.items()}
    received = sorted(t for e in found if e.kind == ev.RECEIVED and (t := _time(e.at)) is not None)
    delivered = sorted(t for e in found if e.kind == ev.DELIVERED and (t := _time(e.at)) is not None)
    if received and delivered and delivered[-1] >= received[0]:
        values[LATENCY] = ((delivered[-1] - received[0]).total_seconds() * 1000, MetricUnit.Milliseconds)
    sizes = [e.detail.get("size") for e in found if e.kind == ev.RECEIVED]
    size = next((s for s in sizes if isinstance(s, int) and not isinstance(s, bool) and s >= 0), None)
    if size is not None:
        values[BYTES] = (float(size), MetricUnit.Bytes)
    return values


def publish(values: Mapping[str, tuple[float, MetricUnit]], namespace: str, service: str) -> int:
    """Print the values as EMF records (Powertools prints to stdout, where Lambda's logs take them), at most
    MAX_METRICS a record; returns how many records. Nothing is printed while POWERTOOLS_METRICS_DISABLED is set."""
    items = list(values.items())
    records = 0
    for start in range(0, len(items), MAX_METRICS):
        metrics = EphemeralMetrics(namespace=namespace, service=service)  # its own set: not the handler's
        for name, (value, unit) in items[start:start + MAX_METRICS]:
            metrics.add_metric(name=name, unit=unit, value=value)  # Powertools prints a full record itself
        if metrics.metric_set:
            metrics.flush_metrics()
        records += 1
    return records


# outcomes after which the message is not finished: it comes back to the rules step, which counts it then
_PENDING = frozenset({OutcomeStatus.HELD, OutcomeStatus.REFUSED})


def publish_message(log: EventLog, message_id: str, outcomes: Sequence[Outcome], namespace: str,
                    service: str) -> int:
    """The rules step finished a message: its metrics from its events in the log (one query), as EMF records.
    A message held in the quarantine or refused for now is counted when it comes back and ends. Never raises: a
    metric is not worth failing (and so retrying) a delivery."""
    if is_metrics_disabled() or not outcomes or any(o.status in _PENDING for o in outcomes):
        return 0
    try:
        return publish(message_metrics(log.for_message(message_id)), namespace, service)
    except Exception:
        logger.exception("could not publish the metrics of message %s", message_id)
        return 0


def _time(at: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else None
