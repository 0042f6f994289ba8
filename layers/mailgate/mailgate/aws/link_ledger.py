"""The digest links' single-use marks, in the Backup table: one item per used link, partition
`#link#<nonce>`, kept until the link would have expired anyway (`expires_at`, the table's TTL).

The first use writes the mark with a conditional put, so two clicks at once act once. The Backup adapter
never reads these items: they have none of its index attributes and `#`-ids are not entries.
"""

from __future__ import annotations

from typing import Any

from mailgate.aws import dynamo
from mailgate.events.model import utc_now

PREFIX = "#link#"


class DynamoLinkLedger:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def is_used(self, nonce: str) -> bool:
        return "Item" in self.table.get_item(Key={"backup_id": PREFIX + nonce}, ConsistentRead=True)

    def use(self, nonce: str, expires_at: int, what: str) -> bool:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            self.table.put_item(Item={"backup_id": PREFIX + nonce, "expires_at": expires_at, "used_at": utc_now(),
                                      "what": what[:500]},
                                ConditionExpression="attribute_not_exists(backup_id)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def forget(self, nonce: str) -> None:
        self.table.delete_item(Key={"backup_id": PREFIX + nonce})
