"""Hourly counters → the dashboard's series: every bucket of the range (zeros included, so a chart's axis is
continuous), hours summed into UTC days for `step=day`, and the range's totals. Pure: the counters arrive read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from mailgate.stats.counting import COST, TRAFFIC, VERDICTS, verdict_counter

Step = Literal["hour", "day"]
HOUR = timedelta(hours=1)
_LENGTH: Mapping[str, timedelta] = {"hour": HOUR, "day": timedelta(days=1)}


@dataclass(frozen=True)
class Bucket:
    start: datetime
    traffic: dict[str, int]  # every counter of TRAFFIC
    verdicts: dict[str, dict[str, int]]  # module → verdict → count, every module and verdict of VERDICTS
    cost_microusd: int = 0  # the AWS cost of the messages decided in it (mailgate.costing), micro-USD

    def counters(self) -> dict[str, int]:
        """The bucket as counter name → value again (what summing buckets adds up)."""
        flat = {**self.traffic, COST: self.cost_microusd}
        for module, verdicts in self.verdicts.items():
            flat.update({verdict_counter(module, v): n for v, n in verdicts.items()})
        return flat


@dataclass(frozen=True)
class Series:
    start: datetime  # the first bucket's start
    end: datetime  # the last bucket's end
    step: Step
    buckets: list[Bucket]
    totals: Bucket  # the whole range


def floor(moment: datetime, step: Step) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if step == "day" else moment


def bucket_starts(start: datetime, end: datetime, step: Step) -> list[datetime]:
    """The buckets that hold a moment of [start, end): from start's bucket to the one holding the last moment."""
    first, length = floor(start, step), _LENGTH[step]
    starts: list[datetime] = []
    moment = first
    while moment < end:
        starts.append(moment)
        moment += length
    return starts or [first]


def hours_of(starts: list[datetime], step: Step) -> list[str]:
    """The counter items' hours (`2026-12-05T21`) the buckets cover."""
    per_bucket = int(_LENGTH[step] / HOUR)
    return [hour_key(s + i * HOUR) for s in starts for i in range(per_bucket)]


def hour_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def series(counts: Mapping[str, Mapping[str, int]], start: datetime, end: datetime, step: Step) -> Series:
    """`counts`: hour → counter → value, as read (missing hours are zeros)."""
    starts = bucket_starts(start, end, step)
    per_bucket = int(_LENGTH[step] / HOUR)
    buckets = [_bucket(s, [counts.get(hour_key(s + i * HOUR), {}) for i in range(per_bucket)]) for s in starts]
    totals = _bucket(starts[0], [b.counters() for b in buckets])
    return Series(starts[0], starts[-1] + _LENGTH[step], step, buckets, totals)


def _bucket(start: datetime, hours: list[Mapping[str, int]]) -> Bucket:
    def total(counter: str) -> int:
        return sum(max(int(h.get(counter, 0)), 0) for h in hours)

    return Bucket(start, {c: total(c) for c in TRAFFIC},
                  {m: {v: total(verdict_counter(m, v)) for v in vs} for m, vs in VERDICTS.items()}, total(COST))

