"""How events are stored in the events table: one item per step of a message, not one per event.

A step appends several events of one message at once (the scan step: `received` and one `scanned` per scanner; the
rules step: a decision and its outcome). Each such group is one item: its events compressed together in `events`
(zlib of their JSON: the sender, subject and recipients that every event repeats cost their bytes once), beside
the few attributes the `by_day` index projects so a search can filter on them without the events themselves
(`FILTERED`, unions over the item's events). One item instead of seven, and an index copy of a few hundred bytes
instead of the whole item, is most of what the event log costs per message (docs/cost.md).

A group is cut into several items when it is long (MAX_EVENTS events, MAX_JSON octets of JSON, MAX_ADDRESSES
recipients), spans more than SPAN or crosses midnight (UTC): an item sorts by its first event's time, so a search
reaches SPAN back within the day partitions of its range for the events after it. Items written before this
layout (one event each, its fields as attributes) are still read.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from mailgate.events.model import Event
from mailgate.events.query import header_id_of, rule_of, sender_ip_of
from mailgate.safe_text import bounded_record, storable

SPAN = timedelta(minutes=10)  # the longest time between the first and the last event of an item
MAX_EVENTS = 100
MAX_JSON = 150_000  # octets of the events' JSON per item: compressed, always well under DynamoDB's 400 KB
EVENT_BUDGET = 100_000  # octets of JSON per event (bounded_record tightens its strings until it fits)
MAX_ADDRESSES = 500  # distinct recipients per item (their union is a projected attribute)
MAX_FILTER_TEXT = 16_384  # a projected text attribute (as a single event's was)
# The attributes the `by_day` index projects: what a search filters on (aws/event_table.py `_filter_condition`).
FILTERED = ("kinds", "verdicts", "actions", "q_sender", "q_subject", "q_recipient", "q_recipients", "q_sender_ip",
            "q_rules", "kind", "action", "q_rule")  # the last three: items of the old layout (one event each)
KEYS = ("message_id", "sk", "day", "sk_time")
REPORT_SK = "report"  # the message's scan report (aws/scan_reports.py) in its partition: not an event


def _moment(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)


def _stored_event(event: Event) -> dict[str, Any]:
    data = {k: v for k, v in event.to_dict().items() if k != "message_id" and v not in (None, [], ())}
    return bounded_record(data, budget=EVENT_BUDGET)  # a sender's text (a 1 MB subject, lone surrogates) fits


def _addresses(recipients: str | None) -> list[str]:
    return [r.strip().lower() for r in (recipients or "").split(",") if r.strip()]


def _groups(events: Iterable[Event]) -> Iterator[list[tuple[Event, dict[str, Any], int]]]:
    """The events of each message in the order given, cut where an item would grow past its limits (its events'
    times are compared whatever their order: an item sorts by the earliest)."""
    by_message: dict[str, list[Event]] = {}
    for event in events:
        by_message.setdefault(event.message_id, []).append(event)
    for group in by_message.values():
        current: list[tuple[Event, dict[str, Any], int]] = []
        size, addresses, times = 0, set[str](), list[datetime]()
        for event in group:
            stored = _stored_event(event)
            octets = len(json.dumps(stored, default=str))
            mine, moment = set(_addresses(event.recipient)), _moment(event.at)
            spanned = [*times, moment]
            joined = addresses | mine  # their text, comma-joined, is the projected q_recipient: never cut short
            if current and (len(current) >= MAX_EVENTS or size + octets > MAX_JSON or len(joined) > MAX_ADDRESSES
                            or sum(len(a) + 1 for a in joined) > MAX_FILTER_TEXT
                            or max(spanned) - min(spanned) > SPAN or max(spanned).date() != min(spanned).date()):
                yield current
                current, size, addresses, times = [], 0, set(), []
            current.append((event, stored, octets))
            size, addresses = size + octets, addresses | mine
            times = [min([*times, moment]), max([*times, moment])]
        if current:
            yield current


def _bounded_text(text: str) -> str:
    return text if len(text) <= MAX_FILTER_TEXT else text[:MAX_FILTER_TEXT]


def items(events: Iterable[Event], retention_days: int) -> Iterator[dict[str, Any]]:
    """The items (as the resource layer writes them) that store `events`."""
    for group in _groups(events):
        first = min((e for e, _, _ in group), key=lambda e: _moment(e.at))  # the item sorts by its earliest event
        sort_key = f"{first.at}#{first.seq:09d}"
        expires = _moment(first.at) + timedelta(days=retention_days)
        payload = json.dumps([stored for _, stored, _ in group], default=str, separators=(",", ":"))
        recipients = list(dict.fromkeys(a for e, _, _ in group for a in _addresses(e.recipient)))
        evs = [e for e, _, _ in group]
        item: dict[str, Any] = {
            "message_id": first.message_id, "sk": sort_key, "day": first.at[:10],
            "sk_time": f"{sort_key}#{first.message_id}", "expires_at": int(expires.timestamp()),
            "count": len(evs),
            "events": zlib.compress(payload.encode("utf-8"), 6),
            "kinds": sorted({e.kind for e in evs}),
            **_nonempty({
                "verdicts": sorted({v for e in evs for v in e.verdicts}),
                "actions": sorted({e.action for e in evs if e.action}),
                # lowercased for case-insensitive substring filters; one message has one sender and subject
                "q_sender": _bounded_text(next((e.sender for e in evs if e.sender), "").lower()),
                "q_subject": _bounded_text(next((e.subject for e in evs if e.subject), "").lower()),
                "q_recipient": _bounded_text(",".join(recipients)),
                # each recipient exactly, for a personal user's view (a substring would let xbob@ see bob@'s)
                "q_recipients": recipients,
                "q_sender_ip": next((ip for e in evs if (ip := sender_ip_of(e))), ""),
                "q_rules": sorted({r for e in evs if (r := rule_of(e))}),
                # sparse: only items with a received event that has one (an empty string may not be a key)
                "q_header_id": next((h for e in evs if (h := header_id_of(e))), ""),
            }),
        }
        yield storable(item)


def _nonempty(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in ("", [], None)}


def events_of(item: Mapping[str, Any]) -> list[Event]:
    """The events an item stores, in the order they were appended; an item of the old layout is one event."""
    message_id = str(item["message_id"])
    if item.get("sk") == REPORT_SK:
        return []
    packed = item.get("events")
    if packed is None:  # one event, its fields as attributes (written before items held a step's events)
        from mailgate.aws.dynamo import from_dynamo  # noqa: PLC0415

        return [Event.from_dict(from_dynamo(dict(item)))]
    raw = packed.value if hasattr(packed, "value") else bytes(packed)  # boto3's Binary, or bytes
    return [Event.from_dict({**stored, "message_id": message_id}) for stored in json.loads(zlib.decompress(raw))]


def attribute_size(value: Any) -> int:
    """DynamoDB's size of a value (developer guide, "Item sizes"): text its UTF-8 octets, binary its octets, a
    number about one octet per two digits plus one, a list or map 3 octets plus one per element."""
    raw = value.value if isinstance(getattr(value, "value", None), bytes) else value  # boto3's Binary read back
    if isinstance(raw, str):
        size = len(raw.encode("utf-8", "surrogatepass"))
    elif isinstance(raw, bytes | bytearray):
        size = len(raw)
    elif isinstance(raw, bool) or raw is None:
        size = 1
    elif isinstance(raw, int | float | Decimal):
        size = len(str(abs(raw)).replace(".", "").lstrip("0")) // 2 + 2
    elif isinstance(raw, dict):
        size = 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in raw.items())
    elif isinstance(raw, list | tuple | set):
        size = 3 + sum(attribute_size(v) + 1 for v in raw)
    else:
        size = len(str(raw))
    return size


def item_size(item: Mapping[str, Any], names: Iterable[str] | None = None) -> int:
    """The size DynamoDB bills for `item` (or only its attributes `names`, as an index stores them)."""
    wanted = item.keys() if names is None else [n for n in names if n in item]
    return sum(len(name.encode()) + attribute_size(item[name]) for name in wanted)


def index_copies(item: Mapping[str, Any]) -> list[int]:
    """The sizes of the index entries DynamoDB writes for `item`: `by_day` (keys and FILTERED), and `by_header_id`
    (keys only) when the item has a received event with a Message-ID header."""
    copies = [item_size(item, (*KEYS, *FILTERED))]
    if item.get("q_header_id"):
        copies.append(item_size(item, (*KEYS, "q_header_id")))
    return copies
