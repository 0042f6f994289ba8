"""Settings and their audit trail in one DynamoDB table (partition `pk`, sort `sk`, both strings).

- `settings` / `current`: the GatewayConfig as JSON text with its `version`; every write is
  conditional on the version read, so two administrators cannot overwrite each other unseen.
- `audit#<yyyy-mm>` / `<at>#<id>`: one item per change, written in the same transaction as the
  settings, so a change is never without its audit entry. Monthly partitions keep a time-range
  query to a few partitions. An audited act that changes no settings version (shadow settings set
  or cleared) writes its entry alone, in the same layout (`record`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import msgspec

from mailgate.aws import dynamo
from mailgate.config import GatewayConfig, parse_config
from mailgate.errors import InvalidPageToken
from mailgate.settings.audit import AuditEntry
from mailgate.settings.errors import VersionConflict
from mailgate.settings.service import SettingsRecord

SETTINGS_KEY = {"pk": "settings", "sk": "current"}


def put_with_audit(table: Any, item: dict[str, Any], expected_version: int, audit: AuditEntry) -> bool:
    """One transaction: `item`, conditional on still being at `expected_version` (0: not there yet), and its
    audit entry, so no change is ever without one. False when someone changed the item meanwhile."""
    put: dict[str, Any] = {"TableName": table.name, "Item": item}
    if expected_version == 0:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :expected"
        put["ExpressionAttributeValues"] = {":expected": expected_version}
    audit_put = {"TableName": table.name, "Item": audit_item(audit)}
    client = table.meta.client
    try:
        client.transact_write_items(TransactItems=[{"Put": put}, {"Put": audit_put}])
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def audit_item(audit: AuditEntry) -> dict[str, Any]:
    """An audit entry as its table item: the month's partition, sorted by time."""
    return {"pk": f"audit#{audit.at[:7]}", "sk": f"{audit.at}#{audit.entry_id}", "entry": json.dumps(audit.to_dict())}


def _months(start: str, end: str) -> list[str]:
    """yyyy-mm partitions from end back to start: newest first."""
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    months: list[str] = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def _resume(cursor: str | None, months: list[str]) -> tuple[int, dict[str, str] | None]:
    """Where a cursor continues; a cursor we did not write for this range is refused (400)."""
    if not cursor:
        return 0, None
    state = dynamo.decode_token(cursor)
    if not isinstance(state, dict) or state.get("month") not in months:
        raise InvalidPageToken("invalid cursor")
    key = state.get("key")
    if key is None:
        return months.index(state["month"]), None
    if (not isinstance(key, dict) or set(key) != {"pk", "sk"} or key["pk"] != f"audit#{state['month']}"
            or not isinstance(key["sk"], str)):
        raise InvalidPageToken("invalid cursor")
    return months.index(state["month"]), key


class DynamoSettingsStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def load(self) -> SettingsRecord | None:
        item = self.table.get_item(Key=SETTINGS_KEY, ConsistentRead=True).get("Item")
        if not item:
            return None
        return SettingsRecord(parse_config(str(item["config"])), int(item["version"]))

    def save(self, config: GatewayConfig, expected_version: int, audit: AuditEntry) -> SettingsRecord:
        version = expected_version + 1
        item = {**SETTINGS_KEY, "version": version, "config": msgspec.json.encode(config).decode(),
                "updated_at": audit.at, "updated_by": audit.actor}
        if not put_with_audit(self.table, item, expected_version, audit):
            current = self.load()
            raise VersionConflict(expected_version, current.version if current else None)
        return SettingsRecord(config, version)

    def record(self, audit: AuditEntry) -> None:
        """An audit entry alone, for an audited act that changes no settings version; never overwrites one."""
        self.table.put_item(Item=audit_item(audit), ConditionExpression="attribute_not_exists(pk)")

    def audit_between(self, start: str, end: str, limit: int,
                      cursor: str | None) -> tuple[list[AuditEntry], str | None]:
        """Entries with start <= at <= end, newest first."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        months = _months(start, end)
        index, exclusive = _resume(cursor, months)
        found: list[AuditEntry] = []
        while index < len(months) and len(found) < limit:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(f"audit#{months[index]}") & Key("sk").between(start, end + "~"),
                "ScanIndexForward": False,
                "Limit": limit - len(found),
            }
            if exclusive:
                kwargs["ExclusiveStartKey"] = exclusive
            page = self.table.query(**kwargs)
            found += [AuditEntry.from_dict(json.loads(i["entry"])) for i in page.get("Items", [])]
            exclusive = page.get("LastEvaluatedKey")
            if not exclusive:
                index += 1
        more = index < len(months)
        return found, dynamo.encode_token({"month": months[index], "key": exclusive}) if more else None


def load_gateway_config(table_name: str) -> GatewayConfig | None:
    record = DynamoSettingsStore(table_name).load()
    return record.config if record else None
