"""The last resort when processing keeps failing: keep the original in Backup and say why."""

from __future__ import annotations

from collections.abc import Sequence

from mailgate.backup.keeper import BackupKeeper
from mailgate.backup.model import HeldBy, Holding
from mailgate.events import model as ev
from mailgate.events.log import EventLog

LISTED = 100  # recipients per Backup entry and event


def hold_after_failure(backup: BackupKeeper, events: EventLog, message_id: str,
                       raw_location: dict[str, str], recipients: Sequence[str], sender: str,
                       error: str) -> None:
    """Nothing is dropped: a message we cannot process ends in Backup with the error recorded, one entry per
    hundred recipients (each entry and event stays small whatever the envelope)."""
    error = error[:2000]
    chunks = [tuple(recipients[i:i + LISTED]) for i in range(0, len(recipients), LISTED)] or [()]
    log = [ev.Event(message_id, ev.ERROR, f"processing failed: {error}")]
    for chunk in chunks:
        record = backup.keep(message_id, raw_location, chunk, sender, "", "processing failed", error,
                             holding=Holding(held_by=HeldBy.PROCESSING_ERROR))
        log.append(ev.Event(message_id, ev.BACKUP, "original kept in Backup after processing failed",
                            ", ".join(chunk), {"backup_id": record.backup_id, "error": error}))
    events.append(log)
