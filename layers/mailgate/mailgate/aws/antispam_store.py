"""An organisation's learned anti-spam counts: a gzip JSON document in S3, a versioned pointer in DynamoDB.

- S3 `models/antispam/<organisation>/<version>-<nonce>.json.gz`: the whole `StoredModel`. The nonce
  keeps two learners that both write version N from overwriting each other's object before the
  pointer decides between them.
- settings table `antispam-model` / `<organisation>`: version, object key, the counts summary,
  updated_at and updated_by. A save writes its object first, then swaps the pointer with a write
  conditional on the version it read; the loser gets `StaleModel` (and deletes its object), the
  winner deletes the object the pointer held before.

A reader that finds the pointer's object already deleted (a swap happened between its two reads)
reads the pointer again.
"""

from __future__ import annotations

import gzip
import json
import logging
import uuid
from typing import Any
from urllib.parse import quote

from mailgate.aws import dynamo
from mailgate.aws.clients import client
from mailgate.scanners.antispam.learning import OrganisationCounts, StaleModel, StoredModel, utc_now

logger = logging.getLogger(__name__)

POINTER_PARTITION = "antispam-model"
MODEL_PREFIX = "models/antispam/"
LOAD_ATTEMPTS = 3


class AntispamModelError(RuntimeError):
    """The pointer names an object that cannot be read, again and again: the message says which."""


def encode(stored: StoredModel) -> bytes:
    return gzip.compress(json.dumps(stored.to_dict(), separators=(",", ":")).encode(), mtime=0)


def decode(data: bytes) -> StoredModel:
    return StoredModel.from_dict(json.loads(gzip.decompress(data)))


class DynamoS3OrganisationStore:
    """`OrganisationStore` over the settings table (pointer) and the mail bucket (counts)."""

    def __init__(self, table_name: str, bucket: str, prefix: str = MODEL_PREFIX) -> None:
        self.table_name = table_name
        self.bucket = bucket
        self.prefix = prefix

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    @property
    def s3(self) -> Any:
        return client("s3")

    @staticmethod
    def _key(organisation: str) -> dict[str, str]:
        return {"pk": POINTER_PARTITION, "sk": organisation}

    def pointer(self, organisation: str) -> dict[str, Any] | None:
        """The pointer item as plain data (version, object_key, summary, updated_at, updated_by)."""
        item = self.table.get_item(Key=self._key(organisation), ConsistentRead=True).get("Item")
        return dynamo.from_dynamo(item) if item else None

    def version(self, organisation: str) -> int:
        item = self.table.get_item(Key=self._key(organisation), ConsistentRead=True,
                                   ProjectionExpression="version").get("Item")
        return int(item["version"]) if item else 0

    def load(self, organisation: str) -> StoredModel | None:
        object_key = ""
        for _attempt in range(LOAD_ATTEMPTS):
            pointer = self.pointer(organisation)
            if pointer is None:
                return None
            object_key = str(pointer["object_key"])
            try:
                data = self.s3.get_object(Bucket=self.bucket, Key=object_key)["Body"].read()
            except self.s3.exceptions.NoSuchKey:
                continue  # a newer version replaced it between the two reads
            return decode(data)
        raise AntispamModelError(f"the anti-spam model of {organisation!r} names an object that is gone "
                                 f"(s3://{self.bucket}/{object_key})")

    def save(self, organisation: str, counts: OrganisationCounts, expected_version: int, by: str) -> StoredModel:
        stored = StoredModel(counts.copy(), expected_version + 1, utc_now(), by)
        object_key = f"{self.prefix}{quote(organisation, safe='')}/{stored.version}-{uuid.uuid4().hex[:12]}.json.gz"
        self.s3.put_object(Bucket=self.bucket, Key=object_key, Body=encode(stored), ContentType="application/gzip")
        item = {**self._key(organisation), "version": stored.version, "object_key": object_key,
                **counts.summary(), "updated_at": stored.updated_at, "updated_by": by}
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"} if expected_version == 0 else
            {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": expected_version}}
        )
        try:
            previous = self.table.put_item(Item=item, ReturnValues="ALL_OLD", **condition).get("Attributes")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException as exc:
            self._delete(object_key)
            raise StaleModel(organisation, expected_version, self.version(organisation)) from exc
        if previous and previous.get("object_key") not in (None, object_key):
            self._delete(str(previous["object_key"]))
        return stored

    def _delete(self, object_key: str) -> None:
        """Best effort: a leftover old version costs storage, not correctness."""
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=object_key)
        except Exception:
            logger.warning("could not delete s3://%s/%s", self.bucket, object_key, exc_info=True)
