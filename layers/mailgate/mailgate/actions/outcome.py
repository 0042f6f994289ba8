"""What became of one group of recipients: a typed structure with a status enum, which the metrics count
and the idempotency record stores (as JSON, read back by `Outcome.from_dict`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import msgspec


class OutcomeStatus(StrEnum):
    DELIVERED = "delivered"  # the destination took the copy (for some recipients, maybe not all)
    REFUSED = "refused"  # the destination refused every recipient, some for now: they are retried
    REJECTED = "rejected"  # refused by a rule or for good by the destination: bounced when that is safe
    DELETED = "deleted"  # not delivered on purpose (the original may be in Backup)
    HELD = "held"  # in the Anti-Spam Quarantine until its re-scan
    DECIDED = "decided"  # the quarantine could not hold it: decided at once (see the nested outcomes)
    BACKUP = "backup"  # not delivered after every attempt, or a failure: the original is in Backup


class Outcome(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One group's outcome. Only the fields its status uses are set; the JSON form leaves the others out."""

    status: OutcomeStatus
    recipients: tuple[str, ...] = ()
    decision: dict[str, Any] | None = None  # Decision.to_dict() of the group
    backup_id: str | None = None  # the original kept in Backup for these recipients
    error: str | None = None
    delivered: tuple[str, ...] = ()  # the recipients the destination took
    retry_recipients: tuple[str, ...] = ()  # refused for now: tried again as a group of their own
    removed_parts: tuple[str, ...] = ()  # the parts Delete attachment cut out of the delivered copy
    bounce: Outcome | None = None  # the bounce for recipients the destination refused for good
    reason: str | None = None  # why it was rejected
    bounced: bool | None = None  # whether the sender was told (None: no rejection)
    bounce_error: str | None = None
    due_at: str | None = None  # held: when the re-scan is due
    hold_key: str | None = None
    not_held: str | None = None  # decided at once: why the quarantine could not hold it
    outcomes: tuple[Outcome, ...] = ()  # decided at once: the outcomes of that decision

    def with_group(self, recipients: Sequence[str], decision: Mapping[str, Any], backup_id: str | None) -> Outcome:
        """The outcome with the group it is for; a backup id the action itself kept wins."""
        return msgspec.structs.replace(self, recipients=tuple(recipients), decision=dict(decision),
                                       backup_id=self.backup_id or backup_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outcome:
        return msgspec.convert(data, cls, strict=False)


def delivery_failures(outcomes: Sequence[Outcome]) -> int:
    """Groups that could not be delivered after every attempt (held in Backup with the error)."""
    return sum(1 for o in outcomes if o.status == OutcomeStatus.BACKUP and o.error)
