"""When each user's last digest ended, in the Backup table: one item per user, partition `#digest#<address>`
(the Backup adapter never reads `#`-ids as entries); `#digest#` alone: the last run that reached everyone.
Kept as long as Backup keeps entries and then some: a user without a mark gets the last day in their next
digest."""

from __future__ import annotations

import time
from typing import Any

from mailgate.aws import dynamo

PREFIX = "#digest#"
KEPT_SECONDS = 400 * 86400


class DynamoDigestMarks:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def last_sent(self, address: str) -> str | None:
        item = self.table.get_item(Key={"backup_id": PREFIX + address.lower()}, ConsistentRead=True).get("Item")
        return str(item["sent_until"]) if item else None

    def mark_sent(self, address: str, until: str) -> None:
        self.table.put_item(Item={"backup_id": PREFIX + address.lower(), "sent_until": until,
                                  "expires_at": int(time.time()) + KEPT_SECONDS})
