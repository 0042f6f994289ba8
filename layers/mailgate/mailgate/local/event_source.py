"""Lambda's SQS event source mapping, played locally: poll, invoke, delete what succeeded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from mailgate.aws.clients import client

log = logging.getLogger(__name__)


def sqs_record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


class QueuePoller:
    """One thread per queue, like one event source mapping with batch size 10."""

    def __init__(self, queue_url: str, queue_arn: str, handler: Callable[[dict[str, Any], Any], Any],
                 context: Any, region: str = "us-east-1") -> None:
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.handler = handler
        self.context = context
        self.region = region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"poll-{queue_arn.rsplit(':', 1)[-1]}",
                                        daemon=True)
        self.invocations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def poll_once(self, wait_seconds: int = 1) -> int:
        sqs = client("sqs")
        reply = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                    WaitTimeSeconds=wait_seconds, AttributeNames=["All"])
        messages = reply.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [sqs_record(m, self.queue_arn, self.region) for m in messages]}
        self.invocations += 1
        try:
            result = self.handler(event, self.context) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # a crashed invocation: every record is retried, as Lambda does
            log.exception("handler failed; the batch will be redelivered")
            return len(messages)
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling through transient errors, as the service does
                log.exception("polling %s failed", self.queue_url)
                self._stop.wait(1)
