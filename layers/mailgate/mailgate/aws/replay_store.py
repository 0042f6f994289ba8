"""Replay jobs in the events table, beside the counters: partition `replay#<job id>` (a gateway message id never
contains `#`), sort keys `job` (state, progress and counts), `proposed` (the proposed settings as JSON text),
`ids#0000` (the range's message ids, 1,000 per item), `page#000000` (the messages whose decision changes,
up to 100 per item) and, for a job fanned out to workers, `tally#0000` (one worker's part of the job, claimed
turn by turn: replay/parts.py). The items have no `day` and no `q_header_id`, so neither index of the table holds them
and `/events` never sees them; `expires_at` (the table's TTL) removes a job a week after it started.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from mailgate.aws import dynamo
from mailgate.config import GatewayConfig, parse_config

if TYPE_CHECKING:  # the event log imports the prefix: the replay code loads when a job is read
    from mailgate.replay.diff import MessageDiff
    from mailgate.replay.job import ReplayJob
    from mailgate.replay.parts import PartTicket, ReplayPart

REPLAY_PREFIX = "replay#"
KEEP_SECONDS = 7 * 24 * 3600


class DynamoReplayStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return dynamo.table(self.table_name)

    def _put(self, job_id: str, sort_key: str, expires_at: int, **attributes: Any) -> None:
        self.table.put_item(Item={"message_id": f"{REPLAY_PREFIX}{job_id}", "sk": sort_key,
                                  "expires_at": expires_at, **attributes})

    def _get(self, job_id: str, sort_key: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"message_id": f"{REPLAY_PREFIX}{job_id}", "sk": sort_key},
                                   ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def _expiry(self, job_id: str) -> int:
        item = self._get(job_id, "job")
        return int(item["expires_at"]) if item else int(time.time()) + KEEP_SECONDS

    def create(self, job: ReplayJob, proposed: GatewayConfig) -> None:
        expires = int(time.time()) + KEEP_SECONDS
        self._put(job.job_id, "proposed", expires, config=msgspec.json.encode(proposed).decode())
        self._put(job.job_id, "job", expires, job=json.dumps(job.to_dict()))

    def get(self, job_id: str) -> ReplayJob | None:
        if not job_id or "#" in job_id or "/" in job_id:
            return None
        from mailgate.replay.job import ReplayJob  # noqa: PLC0415

        item = self._get(job_id, "job")
        return ReplayJob.from_dict(json.loads(str(item["job"]))) if item else None

    def save(self, job: ReplayJob) -> None:
        self._put(job.job_id, "job", self._expiry(job.job_id), job=json.dumps(job.to_dict()))

    def proposed(self, job_id: str) -> GatewayConfig:
        item = self._get(job_id, "proposed")
        if item is None:
            raise LookupError(f"replay {job_id}: its proposed settings are gone")
        return parse_config(str(item["config"]))

    def put_ids(self, job_id: str, number: int, ids: Sequence[str]) -> None:
        self._put(job_id, f"ids#{number:04d}", self._expiry(job_id), ids=list(ids))

    def ids(self, job_id: str, number: int) -> list[str]:
        item = self._get(job_id, f"ids#{number:04d}")
        return [str(i) for i in item["ids"]] if item else []

    def put_page(self, job_id: str, number: int, diffs: Sequence[MessageDiff]) -> None:
        self._put(job_id, f"page#{number:06d}", self._expiry(job_id),
                  diffs=json.dumps([d.to_dict() for d in diffs]))

    def page(self, job_id: str, number: int) -> list[MessageDiff]:
        from mailgate.replay.diff import MessageDiff  # noqa: PLC0415

        item = self._get(job_id, f"page#{number:06d}")
        return [MessageDiff.from_dict(d) for d in json.loads(str(item["diffs"]))] if item else []

    def claim_part(self, ticket: PartTicket, until: int) -> ReplayPart | None:
        """One conditional write: the ticket's turn is this invocation's when the previous turn handed the part on
        (turn 0: no one has it yet), or when the turn's holder is past its deadline with the part still running."""
        from mailgate.replay.parts import ReplayPart  # noqa: PLC0415

        handed_on = "#turn = :previous" if ticket.turn else "attribute_not_exists(sk)"
        values: dict[str, Any] = {
            ":turn": ticket.turn, ":until": until, ":now": int(time.time()), ":running": "running",
            ":fresh": json.dumps(msgspec.to_builtins(ReplayPart(number=ticket.part))),
            ":expires": self._expiry(ticket.job_id)}
        if ticket.turn:
            values[":previous"] = ticket.turn - 1
        try:
            item = self.table.update_item(
                Key={"message_id": f"{REPLAY_PREFIX}{ticket.job_id}", "sk": _part_key(ticket.part)},
                UpdateExpression="SET #turn = :turn, #until = :until, #state = if_not_exists(#state, :running), "
                                 "#part = if_not_exists(#part, :fresh), expires_at = :expires",
                ConditionExpression=f"{handed_on} OR (#turn = :turn AND #until < :now AND #state = :running)",
                ExpressionAttributeNames=_PART_NAMES, ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if _conditional(exc):
                return None
            raise
        return _part(item["Attributes"])

    def save_part(self, job_id: str, part: ReplayPart, turn: int) -> bool:
        try:
            self.table.update_item(
                Key={"message_id": f"{REPLAY_PREFIX}{job_id}", "sk": _part_key(part.number)},
                UpdateExpression="SET #part = :part, #state = :state", ConditionExpression="#turn = :turn",
                ExpressionAttributeNames={n: _PART_NAMES[n] for n in ("#part", "#state", "#turn")},
                ExpressionAttributeValues={":part": json.dumps(msgspec.to_builtins(part)), ":state": part.state,
                                           ":turn": turn})
        except ClientError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def parts(self, job_id: str) -> list[ReplayPart]:
        """The parts claimed so far, in the order of their ids items."""
        query: dict[str, Any] = {"KeyConditionExpression": Key("message_id").eq(f"{REPLAY_PREFIX}{job_id}")
                                 & Key("sk").begins_with(_PART_PREFIX), "ConsistentRead": True}
        found = []
        while True:
            page = self.table.query(**query)
            found += [_part(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


_PART_PREFIX = "tally#"
_PART_NAMES = {"#turn": "turn", "#until": "lease_until", "#state": "state", "#part": "part"}


def _part_key(number: int) -> str:
    return f"{_PART_PREFIX}{number:04d}"


def _part(item: dict[str, Any]) -> ReplayPart:
    from mailgate.replay.parts import ReplayPart  # noqa: PLC0415

    return msgspec.convert(json.loads(str(item["part"])), ReplayPart)


def _conditional(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
