"""The event log in DynamoDB.

Table layout: partition `message_id`, sort `sk` (time + sequence) answers "what happened to this message"; each
item holds the events one step appended for the message (aws/event_items.py). The GSI `by_day` (partition `day`,
sort `sk_time`) answers "what happened between A and B" without a scan: it projects only the keys and the
attributes a search filters on, and the items it names are then read from the table in batches. The sparse GSI
`by_header_id` (partition `q_header_id`, sort `sk_time`, keys only) holds only items with a `received` event,
keyed by the message's own Message-ID header: a search by it reads those few entries, then the partitions of the
messages they name. Sender IP (`q_sender_ip`, from received events) and rule (`q_rules`, from decision events)
filter within the partitions a query reads: an index for them would cost a write on every message for searches
that are rare, and a flood from one IP would make its index partition hot. A filter on the index reads an item
when one of its events matches each condition; the events are then matched one by one (`EventFilter.matches`).
`expires_at` is the table's TTL attribute and carries the retention setting.

The same table holds the hourly traffic counters (aws/stats_counters.py) under `stats#<hour>` partitions, outside
both indexes: `append` adds what its events count, `for_message` never answers such a partition.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import operator
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.aws.event_items import KEYS as _KEYS
from mailgate.aws.event_items import SPAN, events_of, items
from mailgate.aws.exposure_index import PREFIX as IOC_PREFIX
from mailgate.aws.outbound_counters import PREFIX as OUTBOUND_PREFIX
from mailgate.aws.replay_store import REPLAY_PREFIX
from mailgate.aws.siem_queue import SiemQueue
from mailgate.aws.stats_counters import PREFIX as STATS_PREFIX
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.errors import InvalidPageToken
from mailgate.events.log import EventPage
from mailgate.events.model import Event
from mailgate.events.query import EventFilter, header_id_key, ip_key
from mailgate.stats.counting import increments

logger = logging.getLogger(__name__)
BY_DAY_INDEX = "by_day"
BY_HEADER_ID_INDEX = "by_header_id"
MAX_MESSAGES_PER_HEADER_ID = 100  # a Message-ID header a sender reuses names at most this many messages
FILTERED_PAGE = 200  # items read per query when a filter drops some of them
QUERY_BUDGET = 25  # queries per request: a sparse filter answers a short page and a cursor, not a timeout
MAX_SKIP = 100_000  # events of one item a page token may skip (an item holds far fewer)
_TABLE_KEYS = ("message_id", "sk")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _reach_back(start: str) -> str:
    """Where a query of [start, end) begins: an item sorts by its first event, so one that began up to SPAN
    earlier may hold events of the range."""
    try:
        return _iso(datetime.fromisoformat(start.replace("Z", "+00:00")) - SPAN)
    except ValueError:
        return start


def _days(start: str, end: str) -> list[str]:
    """The days with a moment in [start, end): an end at midnight reads no partition of its day."""
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    with contextlib.suppress(ValueError):
        last = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(microseconds=1)).date()
    if last < first:
        return []
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


class DynamoEventLog:
    def __init__(self, table_name: str, retention_days: int = 90) -> None:
        self.table_name = table_name
        self.retention_days = retention_days
        self.counters = DynamoStatsCounters(table_name, retention_days)
        self.siem = SiemQueue.from_env()  # None: no SIEM export configured

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def append(self, events: Iterable[Event]) -> None:
        """The events (one item per message of the append, aws/event_items.py), then the hourly counters they add
        to (one UpdateItem per hour). The counters come second, so a write that fails and is retried counts once;
        a counter that cannot be updated is logged and never fails the step that writes (mail is not held back
        for a dashboard)."""
        written = list(events)
        with self.table.batch_writer() as batch:
            for item in items(written, self.retention_days):
                batch.put_item(Item=item)
        try:
            self.counters.add(increments(written))
        except Exception:
            logger.exception("could not update the traffic counters of %d event(s)", len(written))
        if self.siem is not None:  # the SIEM export (docs/siem.md): never fails, nor long holds, the mail step
            try:
                self.siem.send(written)
            except Exception:
                logger.exception("could not send %d event(s) to the SIEM queue", len(written))

    def for_message(self, message_id: str) -> Sequence[Event]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        # counters, the exposure index, replay jobs: no message's history
        if message_id.startswith((STATS_PREFIX, OUTBOUND_PREFIX, IOC_PREFIX, REPLAY_PREFIX)):
            return []
        found: list[Event] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("message_id").eq(message_id)}
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                found.extend(events_of(item))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found

    def between(self, start: str, end: str, limit: int = 100, token: str | None = None,
                where: EventFilter | None = None) -> EventPage:
        """Events with start <= at < end matching `where`, in the order of their items (oldest first); only the
        partitions of the range.

        With a message id that is one partition of the table; otherwise the day partitions of the `by_day` index
        that the range spans (an item never crosses midnight; within a day the query starts SPAN before `start`).
        A page ends within an item when the limit falls there: its token then says how many of that item's
        matching events were given.
        """
        where = where or EventFilter()
        by_message = bool(where.message_id or where.header_message_id)
        reach = _reach_back(start)
        partitions = self._partitions(where, start, reach, end)
        index, exclusive, skip = _resume(token, partitions, by_message=by_message)
        condition = _filter_condition(where)
        per_event = replace(where, header_message_id=None)  # the partitions are already that header's messages
        keys = _TABLE_KEYS if by_message else _KEYS
        found: list[Event] = []
        for _ in range(QUERY_BUDGET):
            if index >= len(partitions) or len(found) >= limit:
                break
            want = limit - len(found)
            kwargs = self._query(partitions[index], reach, end, by_message=by_message)
            kwargs["Limit"] = want if condition is None else max(want, FILTERED_PAGE)
            if condition is not None:
                kwargs["FilterExpression"] = condition
            if exclusive:
                kwargs["ExclusiveStartKey"] = exclusive
            page = self.table.query(**kwargs)
            listed = page.get("Items", [])
            full = listed if by_message else self._read_items(listed)
            stopped = False
            for position, item in enumerate(full):
                matching = [e for e in events_of(item) if start <= e.at < end and per_event.matches(e)][skip:]
                room = limit - len(found)
                if len(matching) > room:  # the page ends within this item: the token skips what was given
                    found.extend(matching[:room])
                    skip, stopped = skip + room, True
                    break
                found.extend(matching)
                exclusive, skip = {k: item[k] for k in keys}, 0
                if len(found) >= limit and (position < len(full) - 1 or "LastEvaluatedKey" in page):
                    stopped = True
                    break
            if stopped:
                break
            exclusive = page.get("LastEvaluatedKey")
            if not exclusive:
                index, skip = index + 1, 0
        next_token = None
        if index < len(partitions):
            next_token = dynamo.encode_token({"p": partitions[index], "key": exclusive, "skip": skip})
        return EventPage(tuple(found), next_token)

    def _partitions(self, where: EventFilter, start: str, reach: str, end: str) -> list[str]:
        """The messages (table partitions) or days (`by_day` partitions) a search reads, in order."""
        if where.header_message_id:
            partitions = self.messages_with_header_id(where.header_message_id, reach, end)
            return [p for p in partitions if p == where.message_id] if where.message_id else partitions
        return [where.message_id] if where.message_id else _days(start, end)

    def _read_items(self, listed: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The table's items for the index entries `listed`, in their order (an entry whose item expired in
        between is left out)."""
        wanted = [{k: entry[k] for k in _TABLE_KEYS} for entry in listed]
        got = {(str(i["message_id"]), str(i["sk"])): i for i in dynamo.batch_get(self.table, wanted, "event items")}
        return [got[k] for e in wanted if (k := (str(e["message_id"]), str(e["sk"]))) in got]

    def messages_with_header_id(self, header_id: str, start: str, end: str) -> list[str]:
        """The gateway ids of the messages received in the range with this Message-ID header, oldest first."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        key = header_id_key(header_id)
        if not key:
            return []
        kwargs: dict[str, Any] = {"IndexName": BY_HEADER_ID_INDEX,
                                  "KeyConditionExpression": Key("q_header_id").eq(key)
                                  & Key("sk_time").between(start, end)}
        found: dict[str, None] = {}
        while len(found) < MAX_MESSAGES_PER_HEADER_ID:
            page = self.table.query(**kwargs)
            found.update((str(i["message_id"]), None) for i in page.get("Items", [])
                         if str(i["sk_time"]).split("#", 1)[0] < end)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return list(found)[:MAX_MESSAGES_PER_HEADER_ID]

    @staticmethod
    def _query(partition: str, start: str, end: str, by_message: bool) -> dict[str, Any]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        if by_message:
            return {"KeyConditionExpression": Key("message_id").eq(partition) & Key("sk").between(start, end)}
        return {"IndexName": BY_DAY_INDEX,
                "KeyConditionExpression": Key("day").eq(partition) & Key("sk_time").between(start, end)}


def _resume(token: str | None, partitions: list[str],
            by_message: bool) -> tuple[int, dict[str, Any] | None, int]:
    """Where a page token continues (partition, key to start after, matching events of the next item already
    given); one we did not write for this query is refused (400)."""
    if not token:
        return 0, None, 0
    state = dynamo.decode_token(token)
    if not isinstance(state, dict) or state.get("p") not in partitions:
        raise InvalidPageToken
    key, skip = state.get("key"), state.get("skip", 0)
    wanted = {"message_id", "sk"} if by_message else set(_KEYS)
    if key is not None and (not isinstance(key, dict) or set(key) != wanted
                            or not all(isinstance(v, str) for v in key.values())):
        raise InvalidPageToken
    if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip <= MAX_SKIP:
        raise InvalidPageToken
    return partitions.index(state["p"]), key, skip


def _filter_condition(where: EventFilter) -> Any:
    from boto3.dynamodb.conditions import Attr  # noqa: PLC0415

    parts: list[Any] = []
    for name, value in (("q_sender", where.sender), ("q_recipient", where.recipient),
                        ("q_subject", where.subject)):
        if value:
            parts.append(Attr(name).contains(value.lower()))
    if where.verdict:
        parts.append(Attr("verdicts").contains(where.verdict))
    # each names the item's union (aws/event_items.py) or, in an item of the old layout, its one event's value
    if where.action:
        parts.append(Attr("actions").contains(where.action) | Attr("action").eq(where.action))
    if where.kind:
        parts.append(Attr("kinds").contains(where.kind) | Attr("kind").eq(where.kind))
    if where.sender_ip:
        parts.append(Attr("q_sender_ip").eq(ip_key(where.sender_ip) or where.sender_ip))
    if where.rule:
        rule = where.rule.strip().lower()
        parts.append(Attr("q_rules").contains(rule) | Attr("q_rule").eq(rule))
    if where.recipients_any:
        mine = [Attr("q_recipients").contains(a.lower()) for a in where.recipients_any]
        parts.append(functools.reduce(operator.or_, mine))
    return functools.reduce(operator.and_, parts) if parts else None
