"""Carry a replay job on: an asynchronous invocation of the api function by itself (mailgate.replay.job)."""

from __future__ import annotations

import json

from mailgate.aws.clients import client

JOB_EVENT_KEY = "replay_job"  # the api handler's event of a replay job, beside requests and schedules


class LambdaReplayTrigger:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def __call__(self, job_id: str) -> None:
        client("lambda").invoke(FunctionName=self.function_name, InvocationType="Event",
                                Payload=json.dumps({JOB_EVENT_KEY: job_id}).encode())
