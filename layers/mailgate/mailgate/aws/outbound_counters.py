"""Outbound spam control's counts (mailgate.actions.outbound_limits) in the events table: one item per hour and
sender, partition `outbound#<hour>`, sort key the sender, added to with one UpdateItem ... ADD per outbound
message that returns the counts after it. Like the traffic counters (aws/stats_counters.py) the items have no
`day`, so `/events` never sees them, and `expires_at` (the table's TTL) removes them after two days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mailgate.aws import dynamo

PREFIX = "outbound#"
KEEP = timedelta(days=2)


class DynamoOutboundCounter:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def add(self, sender: str, hour: str, amounts: Mapping[str, int]) -> dict[str, int]:
        names = {f"#c{i}": name for i, name in enumerate(amounts)}
        values: dict[str, Any] = {f":c{i}": int(amount) for i, amount in enumerate(amounts.values())}
        started = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        values[":e"] = int((started + KEEP).timestamp())
        answer = dynamo.table(self.table_name).update_item(
            Key={"message_id": f"{PREFIX}{hour}", "sk": sender},
            UpdateExpression="SET expires_at = :e ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(amounts))),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
        item = dynamo.from_dynamo(answer.get("Attributes", {}))
        return {name: int(item.get(name, 0)) for name in amounts}
