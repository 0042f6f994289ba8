"""How many messages wait in the scan and rules queues and their dead-letter queues: SQS GetQueueAttributes.

A queue that is not configured or cannot be read (no permission, deleted, SQS unreachable) is None, logged: the
dashboard shows it as unknown, never fails for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from mailgate.aws.clients import client
from mailgate.stats.queues import QueueDepth

logger = logging.getLogger(__name__)

ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")


class SqsQueueDepths:
    def __init__(self, urls: Mapping[str, str], sqs: Any | None = None) -> None:
        """`urls`: queue name (mailgate.stats.queues.QUEUES) → queue URL; an empty URL is not configured."""
        self.urls = dict(urls)
        self._sqs = sqs

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = client("sqs")
        return self._sqs

    def depths(self) -> dict[str, QueueDepth | None]:
        return {name: self._depth(name, url) for name, url in self.urls.items()}

    def _depth(self, name: str, url: str) -> QueueDepth | None:
        if not url:
            return None
        try:
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(ATTRIBUTES))["Attributes"]
            return QueueDepth(visible=int(attributes.get(ATTRIBUTES[0], 0)),
                              in_flight=int(attributes.get(ATTRIBUTES[1], 0)))
        except Exception:
            logger.warning("the %s queue's depth cannot be read (%s)", name, url, exc_info=True)
            return None
