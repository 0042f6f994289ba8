"""The Anti-Spam Quarantine's ledger in the Backup table: one usage item (held messages and bytes) and one
marker per held message, changed together in a transaction so that admitting or releasing twice (a
retried invocation) counts once."""

from __future__ import annotations

from typing import Any

from mailgate.aws import dynamo

USAGE_KEY = "quarantine#usage"
MARKER_PREFIX = "quarantine#held#"


class DynamoQuarantineLedger:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def usage(self) -> tuple[int, int]:
        item = self.table.get_item(Key={"backup_id": USAGE_KEY}, ConsistentRead=True).get("Item") or {}
        return int(item.get("held", 0)), int(item.get("bytes", 0))

    def admit(self, hold_key: str, size: int, max_messages: int, max_bytes: int,
              details: dict[str, Any] | None = None) -> str | None:
        client = self.table.meta.client
        marker = {"TableName": self.table_name,
                  "Item": {"backup_id": MARKER_PREFIX + hold_key, "size": size, "hold_key": hold_key,
                           **dynamo.to_dynamo(details or {})},
                  "ConditionExpression": "attribute_not_exists(backup_id)"}
        usage = {"TableName": self.table_name, "Key": {"backup_id": USAGE_KEY},
                 "UpdateExpression": "ADD held :one, #bytes :size",
                 "ConditionExpression": "attribute_not_exists(held) OR (held < :max_held AND #bytes <= :room)",
                 "ExpressionAttributeNames": {"#bytes": "bytes"},
                 "ExpressionAttributeValues": {":one": 1, ":size": size, ":max_held": max_messages,
                                               ":room": max_bytes - size}}
        if max_messages <= 0 or size > max_bytes:
            return self._full(max_messages, max_bytes, size)
        try:
            client.transact_write_items(TransactItems=[{"Put": marker}, {"Update": usage}])
        except client.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return None  # already held under this key: a retried invocation
            return self._full(max_messages, max_bytes, size)
        return None

    def _full(self, max_messages: int, max_bytes: int, size: int) -> str:
        held, used = self.usage()
        return (f"the quarantine is full: {held} of at most {max_messages} messages held, "
                f"{used / 2**20:.1f} MB of {max_bytes / 2**20:.0f} MB used, this message {size / 2**20:.1f} MB")

    def held(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The messages held now, soonest re-scan first (a scan of the table: the quarantine is bounded)."""
        from boto3.dynamodb.conditions import Attr  # noqa: PLC0415

        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"FilterExpression": Attr("backup_id").begins_with(MARKER_PREFIX)}
        while len(found) < limit:
            page = self.table.scan(**kwargs)
            found += [dynamo.from_dynamo(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        for item in found:
            item.pop("backup_id", None)
        return sorted(found, key=lambda item: str(item.get("due_at", "")))[:limit]

    def pin(self, hold_key: str, reason: str) -> bool:
        """Marks a held message to be kept in Backup when its hold ends, whatever its re-scan finds; False when it
        is no longer held (its re-scan was decided already)."""
        client = self.table.meta.client
        try:
            self.table.update_item(Key={"backup_id": MARKER_PREFIX + hold_key}, UpdateExpression="SET pinned = :r",
                                   ConditionExpression="attribute_exists(backup_id)",
                                   ExpressionAttributeValues={":r": reason[:2000]})
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def pinned(self, hold_key: str) -> str | None:
        """Why the held message is to be kept in Backup at the end of its hold (`pin`); None: decide it as usual."""
        item = self.table.get_item(Key={"backup_id": MARKER_PREFIX + hold_key}, ConsistentRead=True).get("Item") or {}
        reason = item.get("pinned")
        return str(reason) if reason else None

    def release(self, hold_key: str, size: int | None = None) -> None:
        """Idempotent: the marker's conditional delete makes a second release change nothing."""
        client = self.table.meta.client
        marker = {"TableName": self.table_name, "Key": {"backup_id": MARKER_PREFIX + hold_key},
                  "ConditionExpression": "attribute_exists(backup_id)"}
        if size is None:
            item = self.table.get_item(Key={"backup_id": MARKER_PREFIX + hold_key}, ConsistentRead=True).get("Item")
            if not item:
                return  # released before (a retried invocation)
            size = int(item.get("size", 0))
        usage = {"TableName": self.table_name, "Key": {"backup_id": USAGE_KEY},
                 "UpdateExpression": "ADD held :minus_one, #bytes :minus_size",
                 "ExpressionAttributeNames": {"#bytes": "bytes"},
                 "ExpressionAttributeValues": {":minus_one": -1, ":minus_size": -size}}
        try:
            client.transact_write_items(TransactItems=[{"Delete": marker}, {"Update": usage}])
        except client.exceptions.TransactionCanceledException:
            return  # someone released it meanwhile
