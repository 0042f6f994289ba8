"""The gateway's tables, bucket and queues as data: local mode creates them in moto from here.

Key names here are the ones the adapters query; the CDK construct declares the same shapes.
"""

from __future__ import annotations

from typing import Any

from mailgate.aws.backup_table import INDEXES as BACKUP_INDEXES
from mailgate.aws.clients import client
from mailgate.aws.event_items import FILTERED
from mailgate.aws.event_table import BY_DAY_INDEX, BY_HEADER_ID_INDEX


def _keys(partition: str, sort: str | None = None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort:
        keys.append({"AttributeName": sort, "KeyType": "RANGE"})
    return keys


def table_specs(events: str, backup: str, idempotency: str) -> list[dict[str, Any]]:
    string = "S"
    return [
        {
            "TableName": events,
            "KeySchema": _keys("message_id", "sk"),
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": string}
                                     for n in ("message_id", "sk", "day", "sk_time", "q_header_id")],
            # by_day: what a search filters on, the items themselves read by key; by_header_id: the keys
            "GlobalSecondaryIndexes": [
                {"IndexName": BY_DAY_INDEX, "KeySchema": _keys("day", "sk_time"),
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(FILTERED)}},
                {"IndexName": BY_HEADER_ID_INDEX, "KeySchema": _keys("q_header_id", "sk_time"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {  # see aws/backup_table.py for what each index answers
            "TableName": backup,
            "KeySchema": _keys("backup_id"),
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": string}
                                     for n in ("backup_id", "sk_time", *BACKUP_INDEXES)],
            "GlobalSecondaryIndexes": [{"IndexName": index, "KeySchema": _keys(attribute, "sk_time"),
                                        "Projection": {"ProjectionType": "ALL"}}
                                       for attribute, index in BACKUP_INDEXES.items()],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {  # Powertools idempotency's default layout
            "TableName": idempotency,
            "KeySchema": _keys("id"),
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": string}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ]


def settings_table_spec(name: str) -> dict[str, Any]:
    """Settings and audit trail (see aws/settings_table.py); the CDK construct declares the same keys."""
    return {
        "TableName": name,
        "KeySchema": _keys("pk", "sk"),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_settings_table(name: str) -> None:
    ddb = client("dynamodb")
    if name not in set(ddb.list_tables().get("TableNames", [])):
        ddb.create_table(**settings_table_spec(name))


def directory_table_spec(name: str) -> dict[str, Any]:
    """The directory cache (see aws/directory_table.py); the CDK construct declares the same keys."""
    return {**settings_table_spec(name), "TableName": name}


def create_directory_table(name: str) -> None:
    ddb = client("dynamodb")
    if name not in set(ddb.list_tables().get("TableNames", [])):
        ddb.create_table(**directory_table_spec(name))
        ddb.update_time_to_live(TableName=name,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})


def create_tables(events: str, backup: str, idempotency: str) -> None:
    ddb = client("dynamodb")
    existing = set(ddb.list_tables().get("TableNames", []))
    for spec in table_specs(events, backup, idempotency):
        if spec["TableName"] not in existing:
            ddb.create_table(**spec)
    ttl = {"Enabled": True, "AttributeName": "expires_at"}
    ddb.update_time_to_live(TableName=events, TimeToLiveSpecification=ttl)
    ddb.update_time_to_live(TableName=backup, TimeToLiveSpecification=ttl)
    ddb.update_time_to_live(TableName=idempotency,
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})


def create_bucket(name: str) -> None:
    s3 = client("s3")
    if name not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=name)


def create_queue(name: str, visibility_timeout: int, max_receive_count: int) -> tuple[str, str]:
    """A queue with its dead-letter queue; returns (url, arn)."""
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    import json  # noqa: PLC0415

    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}),
    })["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return str(url), str(arn)
