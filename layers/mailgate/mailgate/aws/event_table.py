"""The event log in DynamoDB.

Table layout: partition `message_id`, sort `sk` (time + sequence) answers "what happened to this
message"; the GSI `by_day` (partition `day`, sort `sk_time`) answers "what happened between A and B"
without a scan. `expires_at` is the table's TTL attribute and carries the retention setting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.events.log import EventPage
from mailgate.events.model import Event

BY_DAY_INDEX = "by_day"


def _days(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    if last < first:
        return []
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


class DynamoEventLog:
    def __init__(self, table_name: str, retention_days: int = 90) -> None:
        self.table_name = table_name
        self.retention_days = retention_days

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def _item(self, event: Event) -> dict[str, Any]:
        at = datetime.fromisoformat(event.at.replace("Z", "+00:00"))
        expires = at.astimezone(UTC) + timedelta(days=self.retention_days)
        sort_key = f"{event.at}#{event.seq:09d}"
        item: dict[str, Any] = dynamo.to_dynamo({
            "message_id": event.message_id,
            "sk": sort_key,
            "day": event.at[:10],
            "sk_time": f"{sort_key}#{event.message_id}",
            "expires_at": int(expires.timestamp()),
            **{k: v for k, v in event.to_dict().items() if k != "message_id"},
        })
        return item

    def append(self, events: Iterable[Event]) -> None:
        with self.table.batch_writer() as batch:
            for event in events:
                batch.put_item(Item=self._item(event))

    def for_message(self, message_id: str) -> Sequence[Event]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("message_id").eq(message_id)}
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [Event.from_dict(dynamo.from_dynamo(i)) for i in items]

    def between(self, start: str, end: str, limit: int = 100, token: str | None = None) -> EventPage:
        """Events with start <= at < end, oldest first, across the day partitions they span."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        state = dynamo.decode_token(token) if token else {}
        days = _days(start, end)
        day_index = days.index(state["day"]) if state.get("day") in days else 0
        exclusive = state.get("key")
        found: list[Event] = []
        while day_index < len(days) and len(found) < limit:
            kwargs: dict[str, Any] = {
                "IndexName": BY_DAY_INDEX,
                "KeyConditionExpression": Key("day").eq(days[day_index]) & Key("sk_time").between(start, end),
                "Limit": limit - len(found),
            }
            if exclusive:
                kwargs["ExclusiveStartKey"] = exclusive
            page = self.table.query(**kwargs)
            found.extend(Event.from_dict(dynamo.from_dynamo(i)) for i in page.get("Items", [])
                         if str(i["at"]) < end)
            exclusive = page.get("LastEvaluatedKey")
            if not exclusive:
                day_index += 1
        next_token = None
        if day_index < len(days):
            next_token = dynamo.encode_token({"day": days[day_index], "key": exclusive})
        return EventPage(tuple(found), next_token)
