"""The SQS hand-offs between functions (scan → rules), and redelivery with backoff."""

from __future__ import annotations

import json
from typing import Any

from mailgate.aws.clients import client


class SqsQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = client("sqs")
        return self._sqs

    def send(self, body: dict[str, Any]) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Push a failed record's next delivery out: the queue's own exponential backoff."""
        self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle,
                                           VisibilityTimeout=max(0, min(seconds, 43200)))


def retry_later(record: dict[str, Any], seconds: int) -> bool:
    """Best effort: delay the redelivery of a failed SQS record. The queue redelivers it anyway."""
    arn = str(record.get("eventSourceARN") or "")
    if not arn.startswith("arn:") or not record.get("receiptHandle"):
        return False
    try:
        url = client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        SqsQueue(url).delay_retry(str(record["receiptHandle"]), seconds)
    except Exception:
        return False
    return True
