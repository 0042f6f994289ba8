"""Local mode's event source keeps a running invocation's messages to itself and tells it when they would
be handed to another worker: the deadline Powertools idempotency takes for an "in progress" record."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from mailgate.aws.clients import client
from mailgate.delivery.base import DeliveryResult
from mailgate.local.event_source import QueuePoller
from mailgate.local.functions import LocalLambdaContext

VISIBILITY = 2


@pytest.fixture
def queue(aws) -> tuple[str, str]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="rules", Attributes={"VisibilityTimeout": str(VISIBILITY)})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"message_id": "m1"}))
    return url, arn


def test_a_slow_invocation_is_not_handed_to_a_second_worker_and_knows_its_deadline(queue) -> None:
    url, arn = queue
    seen: dict[str, Any] = {}

    def slow_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen["remaining"] = context.get_remaining_time_in_millis()
        time.sleep(VISIBILITY * 2.5)  # longer than the visibility timeout
        seen["meanwhile"] = client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
        seen["later"] = context.get_remaining_time_in_millis()
        return {"batchItemFailures": []}

    poller = QueuePoller(url, arn, slow_handler, LocalLambdaContext("mailgate-rules"),
                         visibility_seconds=VISIBILITY)
    assert poller.poll_once(wait_seconds=0) == 1
    assert seen["meanwhile"] == []  # another worker polling meanwhile gets nothing
    assert 0 < seen["remaining"] <= VISIBILITY * 1000  # its record expires when the message could reappear
    assert 0 < seen["later"] <= VISIBILITY * 1000  # ... which each extension moved along, so it still runs
    assert client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []  # done


def test_a_context_without_a_deadline_is_a_direct_call_with_the_function_timeout() -> None:
    context = LocalLambdaContext("mailgate-rules")
    assert context.get_remaining_time_in_millis() == 300_000
    invocation = context.invocation(time.monotonic() + 1.5)
    assert 0 < invocation.get_remaining_time_in_millis() <= 1500
    assert invocation.aws_request_id != context.aws_request_id
    assert context.invocation(time.monotonic() - 1).get_remaining_time_in_millis() == 0


def test_a_recorded_delivery_reads_back_as_it_was_made() -> None:
    result = DeliveryResult(host="mx.example.test", port=25, tls=True, accepted=("a@example.test",),
                            refused={"b@example.test": (450, "try later"), "c@example.test": (550, "no such user")},
                            reply="250 2.0.0 Ok: queued as X1", queue_id="X1")
    again = DeliveryResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.temporary == {"b@example.test": (450, "try later")}
