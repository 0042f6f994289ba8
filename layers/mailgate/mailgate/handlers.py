"""What the queue-driven handlers share: the SQS batch loop with partial failures and backoff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from mailgate.aws.queue import retry_later


def is_sqs_event(event: dict[str, Any]) -> bool:
    records = event.get("Records")
    return isinstance(records, list) and bool(records) and records[0].get("eventSource") == "aws:sqs"


def process_sqs_batch(event: dict[str, Any], context: Any, work: Callable[[SQSRecord, int], None],
                      retry_delay: Callable[[int], int]) -> dict[str, Any]:
    """Run `work(record, attempt)` per record; failed records go back to the queue with backoff."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(record: SQSRecord) -> None:
        attempt = int(record.attributes.approximate_receive_count or 1)
        try:
            work(record, attempt)
        except Exception:
            retry_later(record.raw_event, retry_delay(attempt))
            raise

    response = process_partial_response(event=event, record_handler=handle, processor=processor,
                                        context=context)
    return dict(response)
