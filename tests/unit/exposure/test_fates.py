"""Each recipient's fate from a message's events, and its Backup entries as they are now."""

from __future__ import annotations

from mailgate.backup.model import BackupRecord
from mailgate.events import model as ev
from mailgate.events.model import Event
from mailgate.exposure.fates import exposed, fates_of
from mailgate.exposure.model import ExposureHit

RECIPIENTS = ("bob@example.org", "carol@example.org", "dave@example.org")


def _event(kind: str, recipient: str | None = None, **detail: str) -> Event:
    return Event("m1", kind, f"{kind} happened", recipient, detail=dict(detail), action="deliver"
                 if kind == ev.DECISION else None)


def test_each_recipient_ends_where_its_last_event_says() -> None:
    events = [_event(ev.RECEIVED), _event(ev.SCANNED), _event(ev.DECISION, "bob@example.org"),
              _event(ev.DELIVERED, "bob@example.org"), _event(ev.BACKUP, "carol@example.org, dave@example.org",
                                                              backup_id="b1"),
              _event(ev.RELEASED, "Dave@example.org")]
    fates = {f.recipient: (f.state, f.action) for f in fates_of(events, RECIPIENTS)}
    assert fates == {"bob@example.org": ("delivered", "deliver"), "carol@example.org": ("in_backup", ""),
                     "dave@example.org": ("released", "")}
    assert {f.state for f in fates_of([_event(ev.RECEIVED)], RECIPIENTS)} == {"received"}


def test_backup_entries_are_read_as_they_are_now() -> None:
    record = BackupRecord("b1", "m1", ("carol@example.org",), "eve@bad.example", "hi", "phishing", "backup/b1",
                          released_to=("carol@example.org",))
    hit = ExposureHit("m1", "2026-12-05T10:00:00Z", "eve@bad.example", "hi", RECIPIENTS, 3)
    events = [_event(ev.BACKUP, "carol@example.org", backup_id="b1"), _event(ev.BACKUP, "dave@example.org",
                                                                              backup_id="gone")]
    found = exposed(hit, events, {"b1": record}.get)
    assert [(b.backup_id, b.present, b.released_to) for b in found.backup] == [
        ("b1", True, ("carol@example.org",)), ("gone", False, ())]
    assert found.events == 2
