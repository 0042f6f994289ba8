"""The directory cache on DynamoDB (partition `pk`, sort `sk`, both strings), swapped atomically.

- `connections` / `<id>`: each connection (JSON), so listing them is one query;
- `pointers` / `<id>`: the generation readers use, and how many chunks it has;
- `conn#<id>` / `gen#<generation>#<chunk>`: a snapshot, compressed, cut into chunks under the
  400 KB item limit;
- `conn#<id>` / `status`, `run#<sync id>` (expiring), `lease`.

A sync writes every chunk of a new generation first, then flips the pointer in a transaction
that also checks the pointer is still where the sync started and the connection still exists. A
sync that fails before the flip leaves chunks nobody points to; the next publish deletes them
with every generation but the current and the previous one (a reader that loaded the pointer
just before a flip can still read its generation).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import msgspec

from mailgate.aws import dynamo
from mailgate.directory.connection import Connection
from mailgate.directory.model import Snapshot
from mailgate.directory.status import SyncRun, SyncStatus
from mailgate.directory.store import GenerationMoved

CHUNK_BYTES = 350_000
RUN_RETENTION_SECONDS = 30 * 86400
CONNECTIONS, POINTERS = "connections", "pointers"


def _pk(connection_id: str) -> str:
    return f"conn#{connection_id}"


def _chunk_sk(generation: int, chunk: int) -> str:
    return f"gen#{generation:09d}#{chunk:05d}"


class DynamoDirectoryStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def _query_all(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- connections ------------------------------------------------------------------------

    def list_connections(self) -> list[Connection]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self._query_all(KeyConditionExpression=Key("pk").eq(CONNECTIONS), ConsistentRead=True)
        return [msgspec.json.decode(str(i["connection"]), type=Connection) for i in items]

    def get_connection(self, connection_id: str) -> Connection | None:
        item = self.table.get_item(Key={"pk": CONNECTIONS, "sk": connection_id}, ConsistentRead=True).get("Item")
        return msgspec.json.decode(str(item["connection"]), type=Connection) if item else None

    def put_connection(self, connection: Connection) -> None:
        self.table.put_item(Item={"pk": CONNECTIONS, "sk": connection.connection_id,
                                  "connection": msgspec.json.encode(connection).decode()})

    def delete_connection(self, connection_id: str) -> None:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        self.table.delete_item(Key={"pk": CONNECTIONS, "sk": connection_id})
        self.table.delete_item(Key={"pk": POINTERS, "sk": connection_id})
        items = self._query_all(KeyConditionExpression=Key("pk").eq(_pk(connection_id)),
                                ProjectionExpression="pk, sk")
        with self.table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    # --- generations --------------------------------------------------------------------------

    def generations(self) -> dict[str, int]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self._query_all(KeyConditionExpression=Key("pk").eq(POINTERS), ConsistentRead=True)
        return {str(i["sk"]): int(i["generation"]) for i in items}

    def current(self, connection_id: str) -> tuple[int, Snapshot | None]:
        for _attempt in range(3):  # the generation can be cleaned up between the two reads: read again
            pointer = self.table.get_item(Key={"pk": POINTERS, "sk": connection_id}, ConsistentRead=True).get("Item")
            if not pointer:
                return 0, None
            generation, chunks = int(pointer["generation"]), int(pointer["chunks"])
            blob = self._chunks(connection_id, generation, chunks)
            if blob is not None:
                return generation, Snapshot.decode(blob)
        raise RuntimeError(f"directory cache of {connection_id}: generation keeps changing while read")

    def _chunks(self, connection_id: str, generation: int, count: int) -> bytes | None:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self._query_all(
            KeyConditionExpression=Key("pk").eq(_pk(connection_id))
            & Key("sk").between(_chunk_sk(generation, 0), _chunk_sk(generation, count - 1)),
            ConsistentRead=True)
        if len(items) != count:
            return None
        return b"".join(bytes(i["data"].value if hasattr(i["data"], "value") else i["data"]) for i in items)

    def publish(self, snapshot: Snapshot, expected_generation: int) -> int:
        connection_id = snapshot.connection_id
        generation = max(expected_generation, self._highest_written(connection_id)) + 1
        blob = snapshot.encode()
        chunks = [blob[i:i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)] or [b""]
        with self.table.batch_writer() as batch:
            for index, chunk in enumerate(chunks):
                batch.put_item(Item={"pk": _pk(connection_id), "sk": _chunk_sk(generation, index), "data": chunk})
        self._flip(connection_id, generation, len(chunks), expected_generation, snapshot.read_at)
        self._clean(connection_id, keep={generation, expected_generation})
        return generation

    def _highest_written(self, connection_id: str) -> int:
        """Generations a failed sync wrote are never reused (their chunk count may differ)."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        page = self.table.query(KeyConditionExpression=Key("pk").eq(_pk(connection_id)) & Key("sk").begins_with("gen#"),
                                ScanIndexForward=False, Limit=1, ProjectionExpression="sk", ConsistentRead=True)
        items = page.get("Items", [])
        return int(str(items[0]["sk"]).split("#")[1]) if items else 0

    def _flip(self, connection_id: str, generation: int, chunks: int, expected: int, read_at: str) -> None:
        pointer: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {"pk": POINTERS, "sk": connection_id, "generation": generation, "chunks": chunks,
                     "published_at": read_at},
        }
        if expected == 0:
            pointer["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            pointer["ConditionExpression"] = "generation = :expected"
            pointer["ExpressionAttributeValues"] = {":expected": expected}
        still_there = {"TableName": self.table_name, "Key": {"pk": CONNECTIONS, "sk": connection_id},
                       "ConditionExpression": "attribute_exists(pk)"}
        client = self.table.meta.client
        try:
            client.transact_write_items(TransactItems=[{"ConditionCheck": still_there}, {"Put": pointer}])
        except client.exceptions.TransactionCanceledException as exc:
            raise GenerationMoved(connection_id) from exc

    def _clean(self, connection_id: str, keep: set[int]) -> None:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self._query_all(KeyConditionExpression=Key("pk").eq(_pk(connection_id)) & Key("sk").begins_with("gen#"),
                                ProjectionExpression="pk, sk")
        with self.table.batch_writer() as batch:
            for item in items:
                if int(str(item["sk"]).split("#")[1]) not in keep:
                    batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    # --- status, runs, lease ------------------------------------------------------------------

    def status(self, connection_id: str) -> SyncStatus | None:
        item = self.table.get_item(Key={"pk": _pk(connection_id), "sk": "status"}, ConsistentRead=True).get("Item")
        return msgspec.json.decode(str(item["status"]), type=SyncStatus) if item else None

    def save_status(self, status: SyncStatus) -> None:
        self.table.put_item(Item={"pk": _pk(status.connection_id), "sk": "status",
                                  "status": msgspec.json.encode(status).decode()})

    def get_run(self, connection_id: str, sync_id: str) -> SyncRun | None:
        item = self.table.get_item(Key={"pk": _pk(connection_id), "sk": f"run#{sync_id}"},
                                   ConsistentRead=True).get("Item")
        return msgspec.json.decode(str(item["run"]), type=SyncRun) if item else None

    def save_run(self, run: SyncRun) -> None:
        self.table.put_item(Item={"pk": _pk(run.connection_id), "sk": f"run#{run.sync_id}",
                                  "run": msgspec.json.encode(run).decode(),
                                  "expires_at": int(time.time()) + RUN_RETENTION_SECONDS})

    def acquire_lease(self, connection_id: str, owner: str, seconds: int) -> bool:
        now = int(time.time())
        client = self.table.meta.client
        try:
            self.table.put_item(Item={"pk": _pk(connection_id), "sk": "lease", "owner": owner,
                                      "lease_until": now + seconds},
                                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now",
                                ExpressionAttributeValues={":now": now})
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_lease(self, connection_id: str, owner: str) -> None:
        # A lease that expired and was taken by someone else is theirs to release.
        with contextlib.suppress(self.table.meta.client.exceptions.ConditionalCheckFailedException):
            self.table.delete_item(Key={"pk": _pk(connection_id), "sk": "lease"},
                                   ConditionExpression="#owner = :owner", ExpressionAttributeNames={"#owner": "owner"},
                                   ExpressionAttributeValues={":owner": owner})
