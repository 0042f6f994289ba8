"""The dashboard's numbers: traffic and verdicts per hour or day from the hourly counters (never a scan of the
event log), the senders Backup holds most, and the queues' depth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate.api.errors import BadRequest, TooLarge
from mailgate.api.guard import endpoint
from mailgate.api.ports import Ports
from mailgate.api.roles import READERS
from mailgate.api.schemas_stats import Stats
from mailgate.api.timerange import iso, parse_moment
from mailgate.backup.model import BackupRecord
from mailgate.backup.search import BackupQuery
from mailgate.stats.queues import QUEUES, QueueDepth
from mailgate.stats.series import HOUR, Bucket, Step, bucket_starts, floor, hours_of, series

logger = Logger(service="mailgate-api", child=True)

LONGEST_RANGE = timedelta(days=31)
LONGEST_HOURLY = timedelta(days=7)  # 168 points: more is a daily chart
DEFAULT_HOURS = 24
HELD_SAMPLE = 2000  # Backup entries read for the top lists at most, the newest first
HELD_PAGE = 500
TOP = 10
MAX_NAME = 256  # characters of a sender or domain in the top lists

From = Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40,
                                   description="ISO 8601; default: the start of the hour 23 hours ago")]
To = Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40,
                                 description="ISO 8601, exclusive; default: now")]


def stats_range(start: str | None, end: str | None, step: Step | None,
                now: datetime | None = None) -> tuple[datetime, datetime, Step]:
    """(from, to, step): by default the current hour and the 23 before it, hourly; a range of more than 31 days
    is refused (422), and so is an hourly one of more than 7 days."""
    now = now or datetime.now(UTC)
    last = parse_moment(end, "to") if end else now
    first = parse_moment(start, "from") if start else floor(last, "hour") - (DEFAULT_HOURS - 1) * HOUR
    if first >= last:
        raise BadRequest("from must be before to", field="from")
    if last - first > LONGEST_RANGE:
        raise TooLarge(f"the range is longer than {LONGEST_RANGE.days} days: narrow it")
    chosen: Step = step or ("hour" if last - first <= LONGEST_HOURLY else "day")
    if chosen == "hour" and last - first > LONGEST_HOURLY:
        raise TooLarge(f"step=hour covers at most {LONGEST_HOURLY.days} days: use step=day for a longer range")
    return first, last, chosen


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bucket(bucket: Bucket) -> dict[str, Any]:
    return {**bucket.traffic, "cost_usd": bucket.cost_microusd / 1e6, "verdicts": bucket.verdicts}


def top_held(records: list[BackupRecord], top: int = TOP) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The senders and sender domains of the most entries, most first (ties by name). A sender wrote them: each
    is shown as text of at most MAX_NAME characters."""
    senders = [r.sender.strip().lower()[:MAX_NAME] or "<>" for r in records]
    domains = [s.rpartition("@")[2] for s in senders if s.rpartition("@")[2] and "@" in s]

    def ranked(names: list[str], key: str) -> list[dict[str, Any]]:
        counts = Counter(names)
        return [{key: name, "count": n} for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    return ranked(senders, "sender"), ranked(domains, "domain")


def held_sample(ports: Ports, first: datetime, last: datetime) -> tuple[list[BackupRecord], bool]:
    """The range's newest Backup entries, at most HELD_SAMPLE; and whether that is all of them."""
    query = BackupQuery(start=iso(first), end=iso(last))
    records: list[BackupRecord] = []
    token: str | None = None
    while len(records) < HELD_SAMPLE:
        found, token = ports.backup().search(query, min(HELD_PAGE, HELD_SAMPLE - len(records)), token)
        records.extend(found)
        if token is None:
            return records, True
    return records, False


def _queues(ports: Ports) -> tuple[dict[str, dict[str, int] | None], list[str]]:
    warnings: list[str] = []
    try:
        source = ports.queues()
        found: Mapping[str, QueueDepth | None] = source.depths() if source is not None else {}
    except Exception:  # the dashboard answers without them
        logger.exception("the queues' depth cannot be read")
        found = {}
    answer: dict[str, dict[str, int] | None] = {}
    for name in QUEUES:
        depth = found.get(name)
        answer[name] = {"visible": depth.visible, "in_flight": depth.in_flight} if depth is not None else None
        if depth is None:
            warnings.append(f"queue {name}: its depth cannot be read")
    return answer, warnings


def stats_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/stats", READERS, errors=(400, 422), tags=["stats"])
    def get_stats(start: From = None, end: To = None,
                  step: Annotated[Literal["hour", "day"] | None, Query()] = None) -> Stats:
        """Mail received, delivered, held, rejected, deleted and failed, and the verdicts per module, per hour or
        UTC day (every bucket, zeros included; at most 31 days, hourly at most 7), from counters kept as mail is
        processed; the senders of the most Backup entries in the range (from its newest 2000); the queues now.
        Default: the current hour and the 23 before it."""
        first, last, chosen = stats_range(start, end, step)
        warnings: list[str] = []
        counters = ports.stats()
        if counters is None:
            warnings.append("the traffic counters are not available in this deployment")
        counts = counters.hourly(hours_of(bucket_starts(first, last, chosen), chosen)) if counters else {}
        found = series(counts, first, last, chosen)
        records, complete = held_sample(ports, found.start, found.end)
        senders, domains = top_held(records)
        queues, queue_warnings = _queues(ports)
        return Stats.model_validate({
            "from": _moment(found.start), "to": _moment(found.end), "step": chosen,
            "series": [{"start": _moment(b.start), **_bucket(b)} for b in found.buckets],
            "totals": _bucket(found.totals), "top_held_senders": senders, "top_held_domains": domains,
            "held_sample": {"read": len(records), "complete": complete}, "queues": queues,
            "warnings": [*warnings, *queue_warnings]})

    return router
