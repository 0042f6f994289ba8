"""Backup metadata in DynamoDB, keyed for the searches administrators and users make.

Items of one table (partition `backup_id`):
- the entry: the record, plus `day`, `sk_time` (created_at#backup_id) and lower-cased search copies;
- one pointer per recipient (`<id>#to#<address>`, carrying `entry` and `q_recipient`), so a recipient's mail
  is one index partition although an entry lists many recipients;
- per-day counters (`#counts#<day>`: entries per HeldBy reason) and the totals (`#totals`: entries, bytes),
  updated atomically as entries come and go, so counts and the size limit never read the entries.

Global secondary indexes, all sorted by `sk_time` (newest first):
  by_day (day)          a time range: one partition range per day
  by_sender (q_sender)  by_message_id (q_message_id)  by_sender_ip (sender_ip)  on the entries
  by_reason (q_reason_day: <held_by>#<day>)           one reason, one partition range per day
  by_recipient (q_recipient)                          on the pointers (their entries by BatchGetItem)
  by_request (q_request: "pending")                   entries whose release a user asked for (sparse)
Subject substring, reason, rule and released filter within the one index partition range a search reads.
Key attributes are left out when empty (DynamoDB refuses an empty index key) and bounded (a sender writes them).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from mailgate.aws import dynamo
from mailgate.backup.model import HISTORY_KEPT, RELEASE_PENDING, BackupRecord, HeldBy, HistoryEntry
from mailgate.backup.search import BackupQuery, normalise_message_id
from mailgate.errors import InvalidPageToken
from mailgate.safe_text import bounded_record

BY_DAY_INDEX = "by_day"
INDEXES = {"day": BY_DAY_INDEX, "q_sender": "by_sender", "q_message_id": "by_message_id",
           "sender_ip": "by_sender_ip", "q_recipient": "by_recipient", "q_reason_day": "by_reason",
           "q_request": "by_request"}
PENDING = RELEASE_PENDING
POINTER = "#to#"
TOTALS_KEY = "#totals"
COUNTS_PREFIX = "#counts#"
MAX_POINTERS = 1000  # recipients of one entry that a recipient search finds; the entry lists them all anyway
MAX_KEY_TEXT = 500  # characters of a sender-written index key (DynamoDB allows 2048 bytes)
FILTERED_PAGE = 200
QUERY_BUDGET = 25  # index queries per request: a sparse filter answers a short page and a cursor
_ENTRY_KEYS = ("backup_id", "day", "sk_time", "q_sender", "q_message_id", "sender_ip", "q_reason_day", "object_key",
               "created_at")


def _day(created_at: str) -> str:
    return created_at[:10] if len(created_at) >= 10 else "0000-00-00"


def _sk_time(record: BackupRecord) -> str:
    return f"{record.created_at}#{record.backup_id}"


class DynamoBackupIndex:
    def __init__(self, table_name: str, retention_days: int = 30, ttl_grace_days: int = 7) -> None:
        """`expires_at` (the table's TTL) is the age limit plus a grace: the retention sweep deletes on time and
        says so; TTL only catches what a sweep that did not run left behind."""
        self.table_name = table_name
        self.retention_days = retention_days
        self.ttl_grace_days = ttl_grace_days

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    # writing

    def _expires(self, record: BackupRecord) -> int:
        try:
            created = datetime.fromisoformat(record.created_at.replace("Z", "+00:00"))
        except ValueError:
            created = datetime.now(UTC)
        return int((created + timedelta(days=self.retention_days + self.ttl_grace_days)).timestamp())

    def _entry_item(self, record: BackupRecord) -> dict[str, Any]:
        data = {k: v for k, v in record.to_dict().items() if v is not None}
        searchable = {
            "day": _day(record.created_at), "sk_time": _sk_time(record),
            "q_reason_day": f"{record.held_by}#{_day(record.created_at)}",
            "q_sender": record.sender.strip().lower()[:MAX_KEY_TEXT],
            "q_subject": record.subject.lower()[:2000],
            "q_recipients": [r.strip().lower() for r in record.recipients[:MAX_POINTERS]],
            "q_message_id": normalise_message_id(record.header_message_id),
            "sender_ip": record.sender_ip[:64], "released": record.released, "expires_at": self._expires(record),
        }
        item = {**data, **{k: v for k, v in searchable.items() if v != ""}}
        if not item.get("sender_ip"):
            item.pop("sender_ip", None)
        return dynamo.to_dynamo(bounded_record(item, keys=_ENTRY_KEYS))  # type: ignore[no-any-return]

    def put(self, record: BackupRecord) -> None:
        """Idempotent: the entry of a retried keep already exists and stays as it is (with its history)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            self.table.put_item(Item=self._entry_item(record), ConditionExpression="attribute_not_exists(backup_id)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return
        expires = self._expires(record)
        with self.table.batch_writer() as batch:
            for recipient in dict.fromkeys(r.strip().lower() for r in record.recipients[:MAX_POINTERS]):
                if recipient and len(recipient) <= MAX_KEY_TEXT:
                    batch.put_item(Item={"backup_id": f"{record.backup_id}{POINTER}{recipient}",
                                         "entry": record.backup_id, "q_recipient": recipient,
                                         "sk_time": _sk_time(record), "expires_at": expires})
        self._count(record, +1)

    def _count(self, record: BackupRecord, sign: int) -> None:
        held_by = record.held_by if record.held_by in HeldBy.__members__.values() else HeldBy.RULE
        self.table.update_item(Key={"backup_id": f"{COUNTS_PREFIX}{_day(record.created_at)}"},
                               UpdateExpression="ADD #n :one", ExpressionAttributeNames={"#n": f"n_{held_by}"},
                               ExpressionAttributeValues={":one": sign})
        self.table.update_item(Key={"backup_id": TOTALS_KEY}, UpdateExpression="ADD entries :one, #b :size",
                               ExpressionAttributeNames={"#b": "bytes"},
                               ExpressionAttributeValues={":one": sign, ":size": sign * record.size})

    def add_history(self, backup_id: str, entry: HistoryEntry, released_to: tuple[str, ...] = (),
                    request: str | None = None) -> BackupRecord | None:
        """Appends to the entry's sending history (and marks addresses released); None when it is gone.
        `request`: "pending" lists the entry among the release requests, "" takes it off, None leaves it.
        Optimistic on the entry's `changes` count, so two releases at once both land."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        for _ in range(8):
            item = self.table.get_item(Key={"backup_id": backup_id}).get("Item") if self._ours(backup_id) else None
            if not item:
                return None
            record, changes = _record(item), int(item.get("changes", 0))
            history = (*record.history, entry)[-HISTORY_KEPT:]
            released = tuple(dict.fromkeys((*record.released_to, *(a.lower() for a in released_to))))
            update = "SET history = :h, released_to = :r, released = :x, changes = :next"
            values: dict[str, Any] = {}
            if request:
                update += ", q_request = :q, release_requested_by = :by"
                values = {":q": request, ":by": entry.actor}
            elif request == "":
                update += ", release_requested_by = :by REMOVE q_request"
                values = {":by": ""}
            try:
                self.table.update_item(
                    Key={"backup_id": backup_id},
                    UpdateExpression=update,
                    ConditionExpression="attribute_exists(backup_id) AND "
                                        "(attribute_not_exists(changes) OR changes = :n)",
                    ExpressionAttributeValues={":h": dynamo.to_dynamo([h.to_dict() for h in history]),
                                               ":r": list(released), ":x": bool(released), ":n": changes,
                                               ":next": changes + 1, **values})
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                continue
            requested = record.release_requested_by if request is None else entry.actor if request else ""
            return msgspec.structs.replace(record, history=history, released_to=released,
                                           release_requested_by=requested)
        raise RuntimeError(f"the history of Backup entry {backup_id} changed too often to add to it")

    @staticmethod
    def _ours(backup_id: str) -> bool:
        """An entry's id, not a pointer's or a counter's (ids come from URLs)."""
        return bool(backup_id) and POINTER not in backup_id and not backup_id.startswith("#")

    def delete(self, backup_id: str) -> BackupRecord | None:
        """The entry, its pointers and its counts; the deleted record (its object is the caller's), or None."""
        if not self._ours(backup_id):
            return None
        old = self.table.delete_item(Key={"backup_id": backup_id}, ReturnValues="ALL_OLD").get("Attributes")
        if not old:
            return None
        record = _record(old)
        with self.table.batch_writer() as batch:
            for recipient in dict.fromkeys(r.strip().lower() for r in record.recipients[:MAX_POINTERS]):
                batch.delete_item(Key={"backup_id": f"{backup_id}{POINTER}{recipient}"})
        self._count(record, -1)
        return record

    # reading

    def get(self, backup_id: str) -> BackupRecord | None:
        if not self._ours(backup_id):
            return None
        item = self.table.get_item(Key={"backup_id": backup_id}).get("Item")
        return _record(item) if item else None

    def recent(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]:
        """The last retention period's entries, newest first."""
        return self.search(BackupQuery.last_days(self.retention_days + self.ttl_grace_days), limit, token)

    def search(self, query: BackupQuery, limit: int = 50,
               token: str | None = None) -> tuple[list[BackupRecord], str | None]:
        """Entries matching `query`, newest first within each partition read (see the module's docstring)."""
        attribute, partitions = _partitions(query)
        if attribute in ("day", "q_reason_day"):  # one counter read skips the days that hold nothing
            held = {(reason, day) for day, counts in self._day_counts(query.days()).items()
                    for reason, count in counts.items() if count > 0}
            partitions = [p for p in partitions if _held_on(p, held)]
        index, exclusive = _resume(token, partitions, attribute)
        condition = _filter_condition(query, attribute)  # pointers carry no attributes: filtered here, after
        server_side = None if attribute == "q_recipient" else condition
        found: list[BackupRecord] = []
        for _ in range(QUERY_BUDGET):
            if index >= len(partitions) or len(found) >= limit:
                break
            want = limit - len(found)
            kwargs = self._query(attribute, partitions[index], query)
            # a filter drops items after DynamoDB read them: read more than wanted then
            kwargs["Limit"] = want if condition is None else max(want, FILTERED_PAGE)
            if server_side is not None:
                kwargs["FilterExpression"] = server_side
            if exclusive:
                kwargs["ExclusiveStartKey"] = exclusive
            page = self.table.query(**kwargs)
            exclusive = page.get("LastEvaluatedKey")
            items = page.get("Items", [])
            records = self._entries(items) if attribute == "q_recipient" else [_record(i) for i in items]
            kept = [(item, r) for item, r in zip(items, records, strict=True) if r is not None and query.matches(r)]
            if len(kept) > want:  # resume right after the last item returned, not after the page
                kept = kept[:want]
                last = kept[-1][0]
                exclusive = {k: last[k] for k in ("backup_id", "sk_time", attribute) if k in last}
            found.extend(r for _, r in kept if r is not None)
            if not exclusive:
                index, exclusive = index + 1, None
        next_token = None
        if index < len(partitions):
            next_token = dynamo.encode_token({"p": partitions[index], "key": exclusive})
        return found, next_token

    def _query(self, attribute: str, partition: str, query: BackupQuery) -> dict[str, Any]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        return {"IndexName": INDEXES[attribute], "ScanIndexForward": False,
                "KeyConditionExpression": Key(attribute).eq(partition)
                & Key("sk_time").between(query.start, f"{query.end}#")}

    def _entries(self, pointers: list[dict[str, Any]]) -> list[BackupRecord | None]:
        ids = [str(p.get("entry", "")) for p in pointers]
        found: dict[str, BackupRecord] = {}
        client = self.table.meta.client
        wanted = [i for i in dict.fromkeys(ids) if i]
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {self.table_name: {"Keys": [{"backup_id": i} for i in wanted[start:start + 100]]}}
            while request:
                answer = client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    record = _record(item)
                    found[record.backup_id] = record
                request = answer.get("UnprocessedKeys") or {}
        return [found.get(i) for i in ids]

    def pending_requests(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]:
        """Entries whose release a user asked for and nobody answered yet, newest first."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        kwargs: dict[str, Any] = {"IndexName": INDEXES["q_request"], "ScanIndexForward": False, "Limit": limit,
                                  "KeyConditionExpression": Key("q_request").eq(PENDING)}
        if token:
            _, key = _resume(token, [PENDING])
            if key:
                kwargs["ExclusiveStartKey"] = key
        page = self.table.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return ([_record(i) for i in page.get("Items", [])],
                dynamo.encode_token({"p": PENDING, "key": last}) if last else None)

    def counts(self, query: BackupQuery) -> dict[str, int]:
        """Entries kept per reason on the query's days (whole days: the counters are per day)."""
        totals: dict[str, int] = {h.value: 0 for h in HeldBy}
        for per_reason in self._day_counts(query.days()).values():
            for reason, count in per_reason.items():
                totals[reason] += count
        return {k: max(v, 0) for k, v in totals.items()}

    def _day_counts(self, days: list[str]) -> dict[str, dict[str, int]]:
        """day → reason → entries, from the per-day counters (days without entries are left out)."""
        client = self.table.meta.client
        found: dict[str, dict[str, int]] = {}
        for start in range(0, len(days), 100):
            keys = [{"backup_id": f"{COUNTS_PREFIX}{d}"} for d in days[start:start + 100]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys}}
            while request:
                answer = client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    plain = dynamo.from_dynamo(item)
                    found[str(plain["backup_id"])[len(COUNTS_PREFIX):]] = {
                        name[2:]: int(value) for name, value in plain.items()
                        if name.startswith("n_") and name[2:] in HeldBy.__members__.values()}
                request = answer.get("UnprocessedKeys") or {}
        return found

    def totals(self) -> tuple[int, int]:
        """(entries, bytes) now in Backup."""
        item = dynamo.from_dynamo(self.table.get_item(Key={"backup_id": TOTALS_KEY}).get("Item") or {})
        return max(int(item.get("entries", 0)), 0), max(int(item.get("bytes", 0)), 0)

    def oldest(self, first_day: date, last_day: date) -> Iterator[BackupRecord]:
        """Entries from the oldest day on, oldest first: what retention removes first."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        day = first_day
        while day <= last_day:
            kwargs: dict[str, Any] = {"IndexName": BY_DAY_INDEX, "ScanIndexForward": True,
                                      "KeyConditionExpression": Key("day").eq(day.isoformat())}
            while True:
                page = self.table.query(**kwargs)
                yield from (_record(i) for i in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            day += timedelta(days=1)


def _record(item: dict[str, Any]) -> BackupRecord:
    return BackupRecord.from_dict(dynamo.from_dynamo(item))


def _partitions(query: BackupQuery) -> tuple[str, list[str]]:
    """The index attribute and the partitions (newest first) one search reads."""
    if query.owners:
        owners = list(dict.fromkeys(o.strip().lower() for o in query.owners if o.strip()))
        if query.recipient:
            wanted = query.recipient.strip().lower()
            return "q_recipient", [wanted] if wanted in owners else []
        return "q_recipient", owners
    key = query.key()
    if key is not None:
        return key[0], [key[1]]
    if len(query.held_by) == 1:
        return "q_reason_day", [f"{query.held_by[0]}#{day}" for day in query.days()]
    return "day", query.days()


def _held_on(partition: str, held: set[tuple[str, str]]) -> bool:
    """Whether the counters say a day (or a reason's day) partition holds entries."""
    reason, _, day = partition.rpartition("#")
    return any(d == day for _, d in held) if not reason else (reason, day) in held


def _resume(token: str | None, partitions: list[str],
            attribute: str | None = None) -> tuple[int, dict[str, Any] | None]:
    """Where a page token continues; one we did not write for this query is refused (400), before DynamoDB
    sees a start key that is not of the index read."""
    if not token:
        return 0, None
    state = dynamo.decode_token(token)
    if not isinstance(state, dict) or state.get("p") not in partitions:
        raise InvalidPageToken
    key = state.get("key")
    if key is not None:
        wanted = {"backup_id", "sk_time", attribute} if attribute else {"backup_id", "sk_time", "q_request"}
        partition = attribute or "q_request"
        if (not isinstance(key, dict) or set(key) != wanted or not all(isinstance(v, str) for v in key.values())
                or key[partition] != state["p"]):
            raise InvalidPageToken
    return partitions.index(state["p"]), key


def _filter_condition(query: BackupQuery, attribute: str) -> Any:
    """What the index key (`attribute`) does not already select, for DynamoDB to filter within the range read."""
    from boto3.dynamodb.conditions import Attr  # noqa: PLC0415

    parts: list[Any] = []
    if query.subject:
        parts.append(Attr("q_subject").contains(query.subject.lower()))
    if query.held_by and attribute != "q_reason_day":
        parts.append(Attr("held_by").is_in([str(h) for h in query.held_by]))
    if query.rule:
        parts.append(Attr("rule").eq(query.rule))
    if query.released is not None:
        parts.append(Attr("released").eq(query.released))
    if query.sender and attribute != "q_sender":
        parts.append(Attr("q_sender").eq(query.sender.strip().lower()))
    if query.sender_ip and attribute != "sender_ip":
        parts.append(Attr("sender_ip").eq(query.sender_ip))
    if query.recipient and attribute != "q_recipient":
        parts.append(Attr("q_recipients").contains(query.recipient.strip().lower()))
    return functools.reduce(operator.and_, parts) if parts else None
