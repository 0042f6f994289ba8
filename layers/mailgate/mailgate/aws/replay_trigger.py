"""Carry a replay job on: an asynchronous invocation of the api function by itself (mailgate.replay.job)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mailgate.aws.clients import client

if TYPE_CHECKING:
    from mailgate.replay.parts import PartTicket

JOB_EVENT_KEY = "replay_job"  # the api handler's event of a replay job, beside requests and schedules
PART_EVENT_KEY = "replay_part"  # with JOB_EVENT_KEY: a worker of a fanned-out job (its ids item)
TURN_EVENT_KEY = "replay_turn"  # and the worker's turn (replay/parts.py)


def part_event(ticket: PartTicket) -> dict[str, Any]:
    return {JOB_EVENT_KEY: ticket.job_id, PART_EVENT_KEY: ticket.part, TURN_EVENT_KEY: ticket.turn}


class LambdaReplayTrigger:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def __call__(self, job_id: str) -> None:
        self._invoke({JOB_EVENT_KEY: job_id})

    def part(self, ticket: PartTicket) -> None:
        self._invoke(part_event(ticket))

    def _invoke(self, event: dict[str, Any]) -> None:
        client("lambda").invoke(FunctionName=self.function_name, InvocationType="Event",
                                Payload=json.dumps(event).encode())
