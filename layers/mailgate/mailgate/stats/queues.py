"""The queues whose depth the dashboard shows: the scan and rules queues and their dead-letter queues."""

from __future__ import annotations

from dataclasses import dataclass

QUEUES: tuple[str, ...] = ("scan", "scan_dlq", "rules", "rules_dlq")


@dataclass(frozen=True)
class QueueDepth:
    visible: int  # ApproximateNumberOfMessages: waiting to be taken
    in_flight: int  # ApproximateNumberOfMessagesNotVisible: taken by a function, not yet done
