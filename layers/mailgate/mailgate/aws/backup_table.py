"""Backup metadata in DynamoDB.

Partition `backup_id`; the GSI `by_time` (constant partition `all`, sort `created_at`) lists the
newest first. A single partition is fine at the volume a quarantine holds; the Backup issue may
shard it by day when listing needs filters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mailgate.aws import dynamo
from mailgate.backup.model import BackupRecord
from mailgate.safe_text import bounded_record

BY_TIME_INDEX = "by_time"


class DynamoBackupIndex:
    def __init__(self, table_name: str, retention_days: int = 30) -> None:
        self.table_name = table_name
        self.retention_days = retention_days

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def put(self, record: BackupRecord) -> None:
        created = datetime.fromisoformat(record.created_at.replace("Z", "+00:00"))
        item = dynamo.to_dynamo(bounded_record({k: v for k, v in record.to_dict().items() if v is not None},
                                               keys=("backup_id", "object_key", "created_at")))
        item["listing"] = "all"
        item["expires_at"] = int((created + timedelta(days=self.retention_days)).timestamp())
        self.table.put_item(Item=item)

    def get(self, backup_id: str) -> BackupRecord | None:
        item = self.table.get_item(Key={"backup_id": backup_id}).get("Item")
        return BackupRecord.from_dict(item) if item else None

    def recent(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        kwargs: dict[str, Any] = {
            "IndexName": BY_TIME_INDEX,
            "KeyConditionExpression": Key("listing").eq("all"),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if token:
            kwargs["ExclusiveStartKey"] = dynamo.decode_token(token)
        page = self.table.query(**kwargs)
        records = [BackupRecord.from_dict(i) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        next_token = dynamo.encode_token(last) if last else None
        return records, next_token
