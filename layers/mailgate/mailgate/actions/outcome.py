"""What became of one group of recipients: the status every outcome carries, as data the metrics count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class OutcomeStatus(StrEnum):
    DELIVERED = "delivered"  # the destination took the copy (for some recipients, maybe not all)
    REFUSED = "refused"  # the destination refused every recipient, some for now: they are retried
    REJECTED = "rejected"  # refused by a rule or for good by the destination: bounced when that is safe
    DELETED = "deleted"  # not delivered on purpose (the original may be in Backup)
    HELD = "held"  # in the Anti-Spam Quarantine until its re-scan
    DECIDED = "decided"  # the quarantine could not hold it: decided at once (see the nested outcomes)
    BACKUP = "backup"  # not delivered after every attempt, or a failure: the original is in Backup


def delivery_failures(outcomes: Sequence[Mapping[str, Any]]) -> int:
    """Groups that could not be delivered after every attempt (held in Backup with the error)."""
    return sum(1 for o in outcomes if o.get("status") == OutcomeStatus.BACKUP and o.get("error"))
