"""Re-scans in AWS: an EventBridge Scheduler one-time schedule (`at(...)`) that puts the request on the scan
queue when the hold ends and deletes itself afterwards.

Why not SQS's own delay: it reaches 15 minutes at most, and administrators hold uncertain spam for 30 minutes
to a few hours. Why not Step Functions: one state machine execution per held message costs more and adds a
service; a schedule is one API call, retried by the scheduler (with its own retry policy) when the queue
does not answer.
"""

from __future__ import annotations

import hashlib
import json

from mailgate.aws.clients import client
from mailgate.quarantine.rescan import RescanRequest


class EventBridgeRescanScheduler:
    def __init__(self, group: str, queue_arn: str, role_arn: str) -> None:
        self.group = group
        self.queue_arn = queue_arn
        self.role_arn = role_arn

    def __call__(self, request: RescanRequest) -> None:
        name = "rescan-" + hashlib.sha256(request.hold_key.encode()).hexdigest()[:40]
        try:
            client("scheduler").create_schedule(
                Name=name, GroupName=self.group,
                ScheduleExpression=f"at({request.due.strftime('%Y-%m-%dT%H:%M:%S')})",
                ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": self.queue_arn, "RoleArn": self.role_arn, "Input": json.dumps(request.to_body()),
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}},
                Description=f"mailgate: re-scan {request.message_id} held by rule {request.rule}"[:512])
        except client("scheduler").exceptions.ConflictException:
            return  # scheduled before by a retried invocation
