"""From events to counter increments, per UTC hour: a pure function the event log's adapter applies atomically
where it writes the events (aws/stats_counters.py), so the dashboard never scans the log.

What each counter counts (every counter counts messages, none counts recipients):
- `received`: messages the scan step took in (its `received` event; a re-scan after an Anti-Spam Quarantine hold
  marked `rescan` in that event's detail is not a second message).
- `delivered`: copies the destination server took (`delivered` events: one per recipient group handed over).
- `held`: originals kept in Backup (`backup` events: one per Backup entry, whatever the action; a rule that delivers
  and keeps a copy counts in both).
- `rejected`: messages we refused (`rejected` events of a reject decision, or of recipients whose domain we do not
  accept).
- `deleted`: messages not delivered by a Delete action (or a Delete attachment that could not cut the parts out).
- `delivery_failed`: deliveries that failed for good: the destination refused for good (a `rejected` event of a
  delivering decision: the bounce), or the original was kept in Backup with the delivery's error (after the last
  retry, or when the server refused our modified copy; that last case also bounces, and counts twice).
- `cost_microusd`: an amount, not a count: the AWS cost (mailgate.costing, without SES receiving) of the messages
  decided, in millionths of a US dollar rounded to the nearest, from the `cost` of a message's first `decision`
  event (only the first group's carries one, so a message counts once; a re-scan's rules run is a second cost).
- `verdict:<module>:<verdict>`: each scan's verdict per module (a re-scan counts again). Authentication is counted
  as `spf`, `dkim` and `dmarc` from its details; a failed authentication scanner counts `error` for all three.

Within one append (one step's events) a message counts at most once per counter: the scan step's per-recipient
`rejected` events of a refused domain are one rejected message. Separate appends count separately: a message whose
recipients were decided in two groups with the same outcome (two rules, or more than 50 recipients) counts twice.

Only the names below are counted: a verdict our scanners do not produce (a value from a stored report of another
release, or anything a sender could shape) is left out rather than becoming a new attribute name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from mailgate.events import model as ev
from mailgate.events.model import Event

RECEIVED, DELIVERED, HELD, REJECTED, DELETED, DELIVERY_FAILED = (
    "received", "delivered", "held", "rejected", "deleted", "delivery_failed")
TRAFFIC: tuple[str, ...] = (RECEIVED, DELIVERED, HELD, REJECTED, DELETED, DELIVERY_FAILED)

_DKIM = ("pass", "fail", "policy", "neutral", "temperror", "permerror", "none", "error")
# module → the verdicts its scanner gives (scan/run.py turns a scanner's crash into `error` for every module)
VERDICTS: Mapping[str, tuple[str, ...]] = {
    "antivirus": ("infected", "unscannable", "error", "clean", "skipped"),
    "antispam": ("blacklisted", "spam", "probable_spam", "mass_mailing", "not_spam", "error"),
    "antiphishing": ("phishing", "probable_phishing", "not_phishing", "error"),
    "links": ("malicious_link", "phishing_link", "clean", "error"),
    "content_filter": ("violation", "unscannable", "error", "clean"),
    "spf": ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "error"),
    "dkim": _DKIM,
    "dmarc": ("pass", "fail", "none", "temperror", "permerror", "error"),
}
AUTHENTICATION = "authentication"  # the scanner whose details give the spf, dkim and dmarc verdicts
_DKIM_RANK = {verdict: rank for rank, verdict in enumerate(_DKIM)}  # a message's DKIM: its best signature
_DELIVERING = frozenset({"deliver", "delete_attachment"})


def verdict_counter(module: str, verdict: str) -> str:
    return f"verdict:{module}:{verdict}"


COST = "cost_microusd"
COUNTERS: frozenset[str] = frozenset((*TRAFFIC, COST)) | {
    verdict_counter(m, v) for m, vs in VERDICTS.items() for v in vs}


def hour_of(at: str) -> str | None:
    """`2026-12-05T21` for any ISO time in that UTC hour; None for a time that is none."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def increments(events: Iterable[Event]) -> dict[str, dict[str, int]]:
    """hour → counter → how much to add, for one append's events (see the module's docstring)."""
    seen: set[tuple[str, str, str]] = set()
    costs: dict[tuple[str, str], int] = {}  # (hour, message) → its cost: the first one an append carries
    for event in events:
        hour = hour_of(event.at)
        if hour is None:
            continue
        seen.update((hour, event.message_id, counter) for counter in _counters(event) if counter in COUNTERS)
        cost = _cost(event)
        if cost:
            costs.setdefault((hour, event.message_id), cost)
    found: dict[str, dict[str, int]] = {}
    for hour, _message, counter in seen:
        per_hour = found.setdefault(hour, {})
        per_hour[counter] = per_hour.get(counter, 0) + 1
    for (hour, _message), amount in costs.items():
        per_hour = found.setdefault(hour, {})
        per_hour[COST] = per_hour.get(COST, 0) + amount
    return found


MAX_COST_MICROUSD = 10**9  # $1,000 for one message is no price of ours: a damaged or forged detail counts nothing


def _cost(event: Event) -> int:
    """A decision event's `cost.total_usd` in micro-USD (0 for any other event or a value that is not a price)."""
    if event.kind != ev.DECISION:
        return 0
    cost = event.detail.get("cost")
    total = cost.get("total_usd") if isinstance(cost, dict) else None
    if not isinstance(total, int | float) or isinstance(total, bool) or not 0 <= total * 1e6 <= MAX_COST_MICROUSD:
        return 0
    return round(total * 1e6)


_SIMPLE = {ev.DELIVERED: DELIVERED, ev.DELETED: DELETED}


def _counters(event: Event) -> list[str]:
    kind, detail = event.kind, event.detail
    if kind in _SIMPLE:
        return [_SIMPLE[kind]]
    if kind == ev.RECEIVED:
        return [] if detail.get("rescan") is True else [RECEIVED]
    if kind == ev.SCANNED:
        return _verdicts(detail.get("result"))
    if kind == ev.REJECTED:
        return [DELIVERY_FAILED if event.action in _DELIVERING else REJECTED]
    if kind == ev.BACKUP:
        failed = event.action in _DELIVERING and bool(detail.get("error"))
        return [HELD, DELIVERY_FAILED] if failed else [HELD]
    return []


def _verdicts(result: Any) -> list[str]:
    if not isinstance(result, dict):
        return []
    scanner, verdict = result.get("scanner"), result.get("verdict")
    if scanner == AUTHENTICATION:
        return _authentication(verdict, result.get("details"))
    if isinstance(scanner, str) and scanner in VERDICTS and verdict in VERDICTS[scanner]:
        return [verdict_counter(scanner, str(verdict))]
    return []


def _authentication(verdict: Any, details: Any) -> list[str]:
    """SPF's result, the best of the DKIM signatures' (`none` without one), DMARC's (the scanner's own verdict)."""
    if verdict == "error" or not isinstance(details, dict):
        return [verdict_counter(m, "error") for m in ("spf", "dkim", "dmarc")]
    spf = details.get("spf")
    signatures = details.get("dkim")
    dkim = [str(s.get("result")) for s in signatures if isinstance(s, dict)] if isinstance(signatures, list) else []
    ranked = [d for d in dkim if d in _DKIM_RANK]
    found = [verdict_counter("spf", str(spf.get("result"))) if isinstance(spf, dict) else "",
             verdict_counter("dkim", min(ranked, key=_DKIM_RANK.__getitem__) if ranked else "none"),
             verdict_counter("dmarc", str(verdict))]
    return [f for f in found if f in COUNTERS]
