"""The traffic and detection counters in DynamoDB: one item per UTC hour in the events table.

The item's partition is `stats#2026-12-05T21` (a gateway message id never contains `#`) and its sort key
`counters`; each counter is an attribute of that name (`received`, `verdict:antispam:spam`: the bounded set of
mailgate.stats.counting; `cost_microusd` adds an amount, the messages' cost), added to with one UpdateItem ... ADD
per hour an append touches. The items have no `day` and no `q_header_id`, so neither of the table's indexes holds
them: `/events` never sees them, and the event log's `for_message` refuses their partitions. `expires_at` (the
table's TTL) is the hour plus the event retention.

One item takes every update of its hour: DynamoDB allows about 1,000 writes a second to one item, and a message
makes about two (its scan, its delivery), so a gateway past some 400 messages a second would shard the key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.stats.counting import COUNTERS

logger = logging.getLogger(__name__)

PREFIX = "stats#"
SORT_KEY = "counters"


def partition(hour: str) -> str:
    return f"{PREFIX}{hour}"


class DynamoStatsCounters:
    def __init__(self, table_name: str, retention_days: int = 90) -> None:
        self.table_name = table_name
        self.retention_days = retention_days

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def add(self, increments: Mapping[str, Mapping[str, int]]) -> None:
        """hour → counter → amount: one atomic UpdateItem per hour."""
        for hour, counters in increments.items():
            wanted = {name: amount for name, amount in counters.items() if name in COUNTERS and amount}
            if not wanted:
                continue
            names = {f"#c{i}": name for i, name in enumerate(wanted)}
            values: dict[str, Any] = {f":c{i}": amount for i, amount in enumerate(wanted.values())}
            values[":e"] = self._expires(hour)
            self.table.update_item(
                Key={"message_id": partition(hour), "sk": SORT_KEY},
                UpdateExpression="SET expires_at = :e ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(wanted))),
                ExpressionAttributeNames=names, ExpressionAttributeValues=values)

    def hourly(self, hours: Sequence[str]) -> dict[str, dict[str, int]]:
        """hour → counter → value for the hours that have an item (BatchGetItem, 100 hours a request)."""
        keys = [{"message_id": partition(h), "sk": SORT_KEY} for h in dict.fromkeys(hours)]
        found: dict[str, dict[str, int]] = {}
        for item in dynamo.batch_get(self.table, keys, "counter items"):
            plain = dynamo.from_dynamo(item)
            found[str(plain["message_id"])[len(PREFIX):]] = {
                name: int(value) for name, value in plain.items() if name in COUNTERS}
        return found

    def _expires(self, hour: str) -> int:
        start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        return int((start + timedelta(days=self.retention_days + 1)).timestamp())
