"""The shadow candidate beside the live settings in the settings table: `settings` / `shadow`, the candidate
GatewayConfig as JSON text with when and by whom it was set and the live version it was made from. Absent: no
shadow. Setting and removing it is not a settings change (the live settings and their version stay), though both
are audited (an audit-only entry, written first: mailgate.api.routes_shadow); promoting it is one, audited like
every other."""

from __future__ import annotations

from typing import Any

import msgspec

from mailgate.aws import dynamo
from mailgate.config import parse_config
from mailgate.replay.shadow import ShadowSettings

SHADOW_KEY = {"pk": "settings", "sk": "shadow"}


class DynamoShadowStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def get(self) -> ShadowSettings | None:
        item = self.table.get_item(Key=SHADOW_KEY, ConsistentRead=True).get("Item")
        if not item:
            return None
        return ShadowSettings(config=parse_config(str(item["config"])), since=str(item["since"]),
                              set_by=str(item["set_by"]), based_on_version=int(item["based_on_version"]))

    def put(self, shadow: ShadowSettings) -> None:
        self.table.put_item(Item={**SHADOW_KEY, "config": msgspec.json.encode(shadow.config).decode(),
                                  "since": shadow.since, "set_by": shadow.set_by,
                                  "based_on_version": shadow.based_on_version})

    def delete(self) -> bool:
        """Whether there was a candidate to remove."""
        reply = self.table.delete_item(Key=SHADOW_KEY, ReturnValues="ALL_OLD")
        return bool(reply.get("Attributes"))
