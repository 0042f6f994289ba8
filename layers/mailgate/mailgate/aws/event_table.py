"""The event log in DynamoDB.

Table layout: partition `message_id`, sort `sk` (time + sequence) answers "what happened to this
message"; the GSI `by_day` (partition `day`, sort `sk_time`) answers "what happened between A and B"
without a scan. The sparse GSI `by_header_id` (partition `q_header_id`, sort `sk_time`) holds only `received`
events, keyed by the message's own Message-ID header: a search by it reads those few items, then the
partitions of the messages they name. Sender IP (`q_sender_ip`, on received events) and rule (`q_rule`, on
decision events) filter within the partitions a query reads: an index for them would cost a write on every
message for searches that are rare, and a flood from one IP would make its index partition hot.
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
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.aws.exposure_index import PREFIX as IOC_PREFIX
from mailgate.aws.outbound_counters import PREFIX as OUTBOUND_PREFIX
from mailgate.aws.replay_store import REPLAY_PREFIX
from mailgate.aws.siem_queue import SiemQueue
from mailgate.aws.stats_counters import PREFIX as STATS_PREFIX
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.errors import InvalidPageToken
from mailgate.events.log import EventPage
from mailgate.events.model import Event
from mailgate.events.query import EventFilter, header_id_key, header_id_of, ip_key, rule_of, sender_ip_of
from mailgate.safe_text import bounded_record
from mailgate.stats.counting import increments

logger = logging.getLogger(__name__)
BY_DAY_INDEX = "by_day"
BY_HEADER_ID_INDEX = "by_header_id"
MAX_MESSAGES_PER_HEADER_ID = 100  # a Message-ID header a sender reuses names at most this many messages
FILTERED_PAGE = 200  # items read per query when a filter drops some of them
QUERY_BUDGET = 25  # queries per request: a sparse filter answers a short page and a cursor, not a timeout
_KEYS = ("message_id", "sk", "day", "sk_time")
_TABLE_KEYS = ("message_id", "sk")


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

    def _item(self, event: Event) -> dict[str, Any]:
        at = datetime.fromisoformat(event.at.replace("Z", "+00:00"))
        expires = at.astimezone(UTC) + timedelta(days=self.retention_days)
        sort_key = f"{event.at}#{event.seq:09d}"
        item: dict[str, Any] = dynamo.to_dynamo(bounded_record({
            "message_id": event.message_id,
            "sk": sort_key,
            "day": event.at[:10],
            "sk_time": f"{sort_key}#{event.message_id}",
            "expires_at": int(expires.timestamp()),
            **{k: v for k, v in event.to_dict().items() if k != "message_id" and v not in (None, [])},
            # lowercased copies for case-insensitive substring filters
            **{f"q_{k}": v.lower() for k, v in (("sender", event.sender), ("subject", event.subject),
                                                 ("recipient", event.recipient)) if v},
            # each recipient exactly, for a personal user's view (a substring would let xbob@ see bob@'s)
            **({"q_recipients": _addresses(event.recipient)} if event.recipient else {}),
            # sparse: only events that carry them (an empty string may not be an index key)
            **{k: v for k, v in (("q_header_id", header_id_of(event)), ("q_sender_ip", sender_ip_of(event)),
                                 ("q_rule", rule_of(event))) if v},
        }, keys=(*_KEYS, "q_header_id")))  # a sender's text (a 1 MB subject, lone surrogates) never fails the write
        return item

    def append(self, events: Iterable[Event]) -> None:
        """The events, then the hourly counters they add to (one UpdateItem per hour). The counters come second,
        so a write that fails and is retried counts once; a counter that cannot be updated is logged and never
        fails the step that writes (mail is not held back for a dashboard)."""
        written = list(events)
        with self.table.batch_writer() as batch:
            for event in written:
                batch.put_item(Item=self._item(event))
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
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("message_id").eq(message_id)}
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [Event.from_dict(dynamo.from_dynamo(i)) for i in items]

    def between(self, start: str, end: str, limit: int = 100, token: str | None = None,
                where: EventFilter | None = None) -> EventPage:
        """Events with start <= at < end matching `where`, oldest first; only the partitions of the range.

        With a message id that is one partition of the table; otherwise the day partitions of the
        `by_day` index that the range spans.
        """
        where = where or EventFilter()
        by_message = bool(where.message_id or where.header_message_id)
        if where.header_message_id:
            partitions = self.messages_with_header_id(where.header_message_id, start, end)
            if where.message_id:
                partitions = [p for p in partitions if p == where.message_id]
        else:
            partitions = [where.message_id] if where.message_id else _days(start, end)
        index, exclusive = _resume(token, partitions, by_message=by_message)
        condition = _filter_condition(where)
        found: list[Event] = []
        for _ in range(QUERY_BUDGET):
            if index >= len(partitions) or len(found) >= limit:
                break
            want = limit - len(found)
            kwargs = self._query(partitions[index], start, end, by_message=by_message)
            kwargs["Limit"] = want if condition is None else max(want, FILTERED_PAGE)
            if condition is not None:
                kwargs["FilterExpression"] = condition
            if exclusive:
                kwargs["ExclusiveStartKey"] = exclusive
            page = self.table.query(**kwargs)
            items = [i for i in page.get("Items", []) if str(i["at"]) < end]
            exclusive = page.get("LastEvaluatedKey")
            if len(items) > want:  # resume right after the last item returned, not after the page
                items = items[:want]
                exclusive = {k: items[-1][k] for k in (_TABLE_KEYS if by_message else _KEYS)}
            found.extend(Event.from_dict(dynamo.from_dynamo(i)) for i in items)
            if not exclusive:
                index += 1
        next_token = None
        if index < len(partitions):
            next_token = dynamo.encode_token({"p": partitions[index], "key": exclusive})
        return EventPage(tuple(found), next_token)

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
            found.update((str(i["message_id"]), None) for i in page.get("Items", []) if str(i["at"]) < end)
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


def _addresses(recipients: str) -> list[str]:
    return [r.strip().lower() for r in recipients.split(",") if r.strip()]


def _resume(token: str | None, partitions: list[str], by_message: bool) -> tuple[int, dict[str, Any] | None]:
    """Where a page token continues; one we did not write for this query is refused (400)."""
    if not token:
        return 0, None
    state = dynamo.decode_token(token)
    if not isinstance(state, dict) or state.get("p") not in partitions:
        raise InvalidPageToken
    key = state.get("key")
    wanted = {"message_id", "sk"} if by_message else set(_KEYS)
    if key is not None and (not isinstance(key, dict) or set(key) != wanted
                            or not all(isinstance(v, str) for v in key.values())):
        raise InvalidPageToken
    return partitions.index(state["p"]), key


def _filter_condition(where: EventFilter) -> Any:
    from boto3.dynamodb.conditions import Attr  # noqa: PLC0415

    parts: list[Any] = []
    for name, value in (("q_sender", where.sender), ("q_recipient", where.recipient),
                        ("q_subject", where.subject)):
        if value:
            parts.append(Attr(name).contains(value.lower()))
    if where.verdict:
        parts.append(Attr("verdicts").contains(where.verdict))
    if where.action:
        parts.append(Attr("action").eq(where.action))
    if where.kind:
        parts.append(Attr("kind").eq(where.kind))
    if where.sender_ip:
        parts.append(Attr("q_sender_ip").eq(ip_key(where.sender_ip) or where.sender_ip))
    if where.rule:
        parts.append(Attr("q_rule").eq(where.rule.strip().lower()))
    if where.recipients_any:
        mine = [Attr("q_recipients").contains(a.lower()) for a in where.recipients_any]
        parts.append(functools.reduce(operator.or_, mine))
    return functools.reduce(operator.and_, parts) if parts else None
