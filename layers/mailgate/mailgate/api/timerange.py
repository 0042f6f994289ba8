"""Time ranges of list queries: ISO 8601 `from` (inclusive) and `to` (exclusive), in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailgate.api.errors import BadRequest, TooLarge


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name}: {value!r} is not an ISO 8601 date or time", field=name) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_range(start: str | None, end: str | None, default: timedelta, longest: timedelta,
               now: datetime | None = None) -> tuple[str, str]:
    """(from, to) as the stored timestamps compare; defaults to the last `default` up to now."""
    now = now or datetime.now(UTC)
    last = parse_moment(end, "to") if end else now + timedelta(seconds=1)
    first = parse_moment(start, "from") if start else last - default
    if first > last:
        raise BadRequest("from is after to", field="from")
    if last - first > longest:
        raise TooLarge(f"the range is longer than {longest.days} days: narrow it and page through")
    return iso(first), iso(last)
