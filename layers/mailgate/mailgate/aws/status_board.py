"""What the functions report about themselves, for the health endpoint: one item per component in
the settings table (partition `status`, sort the component), overwritten as news arrives."""

from __future__ import annotations

import json
from typing import Any

from mailgate.aws import dynamo

STATUS_PARTITION = "status"


class DynamoStatusBoard:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def publish(self, component: str, document: dict[str, Any]) -> None:
        dynamo.table(self.table_name).put_item(Item={
            "pk": STATUS_PARTITION, "sk": component, "document": json.dumps(document, sort_keys=True)})

    def read(self, component: str) -> dict[str, Any] | None:
        item = dynamo.table(self.table_name).get_item(Key={"pk": STATUS_PARTITION, "sk": component}).get("Item")
        document = json.loads(str(item["document"])) if item and item.get("document") else None
        return document if isinstance(document, dict) else None
