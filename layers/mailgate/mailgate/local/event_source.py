"""Lambda's SQS event source mapping, played locally: poll, invoke, delete what succeeded."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """One thread per queue, like one event source mapping with batch size 10.

    With `visibility_seconds` (the queue's visibility timeout) the messages of a running invocation are
    kept invisible for as long as it runs, and its context's remaining time ends when they would
    reappear had the worker died: each extension that lands moves that end along, so a long invocation
    keeps its idempotency records "in progress" (a worker that got the messages after an extension came
    late waits for them, rather than delivering the same recipients a second time). Lambda gets the same
    from a queue visibility of six times the function's timeout; here an invocation has no timeout, so a
    slow one must not be handed to a second worker while the first is still delivering, and a killed one
    must be retried soon.
    """

    def __init__(self, queue_url: str, queue_arn: str, handler: Callable[[dict[str, Any], Any], Any],
                 context: Any, region: str = "us-east-1", visibility_seconds: int | None = None) -> None:
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.handler = handler
        self.context = context
        self.region = region
        self.visibility_seconds = visibility_seconds
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
        received_at = time.monotonic()
        messages = reply.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [sqs_record(m, self.queue_arn, self.region) for m in messages]}
        self.invocations += 1
        context = self._invocation_context(received_at)
        try:
            with self._kept_invisible(sqs, messages, context):
                result = self.handler(event, context) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # a crashed invocation: every record is retried, as Lambda does
            log.exception("handler failed; the batch will be redelivered")
            return len(messages)
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _invocation_context(self, received_at: float) -> Any:
        invocation = getattr(self.context, "invocation", None)
        if invocation is None or not self.visibility_seconds:
            return self.context
        return invocation(received_at + self.visibility_seconds)

    @contextmanager
    def _kept_invisible(self, sqs: Any, messages: list[dict[str, Any]], context: Any) -> Iterator[None]:
        """Extend the messages' visibility every third of the timeout while the handler runs."""
        if not self.visibility_seconds:
            yield
            return
        done = threading.Event()
        visibility = self.visibility_seconds
        period = visibility / 3

        def extend() -> None:
            while not done.wait(period):
                sent_at, kept = time.monotonic(), True
                for message in messages:
                    try:
                        sqs.change_message_visibility(QueueUrl=self.queue_url,
                                                      ReceiptHandle=message["ReceiptHandle"],
                                                      VisibilityTimeout=visibility)
                    except Exception:  # deleted or already retried by the handler: nothing to keep
                        kept = False
                        log.debug("could not extend the visibility of %s", message["MessageId"])
                if kept and getattr(context, "deadline", None) is not None:
                    context.deadline = max(context.deadline, sent_at + visibility)

        keeper = threading.Thread(target=extend, name="keep-invisible", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling through transient errors, as the service does
                log.exception("polling %s failed", self.queue_url)
                self._stop.wait(1)
