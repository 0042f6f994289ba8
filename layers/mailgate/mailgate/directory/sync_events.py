"""What a directory sync tells the event log: news an administrator must act on, once, not every
30 minutes: a connection that starts failing (the cache keeps its last good data) or recovers, a sync
that worked but found nothing to protect (no users in a search base full of entries), and duplicates
that appear or change (they switch protections off for the names concerned)."""

from __future__ import annotations

from mailgate.directory.status import SyncRun
from mailgate.events import model as ev

APPLICATION_DIRECTORY = "application:directory"  # the event log's "message id" for directory events


def sync_events(run: SyncRun, connection_name: str) -> list[ev.Event]:
    detail = {"connection_id": run.connection_id, "sync_id": run.sync_id, "state": run.state,
              "counts": run.counts, "duplicates": run.duplicates, "errors": run.errors[:5]}
    events: list[ev.Event] = []
    if run.state == "failed" and run.previous_state != "failed":
        why = run.errors[0] if run.errors else run.error_kind or "unknown error"
        events.append(ev.Event(APPLICATION_DIRECTORY, ev.WARNING,
                               f"directory sync of {connection_name!r} failed ({run.error_kind}): {why}; "
                               "the cache keeps its last good data", detail=detail))
    if run.state == "succeeded" and run.previous_state == "failed":
        events.append(ev.Event(APPLICATION_DIRECTORY, ev.WARNING,
                               f"directory sync of {connection_name!r} works again; the cache is current",
                               detail=detail))
    if run.state == "succeeded" and run.warnings and run.previous_state != "warning":
        events.append(ev.Event(APPLICATION_DIRECTORY, ev.WARNING,
                               f"directory sync of {connection_name!r} needs a look: {run.warnings[0]}",
                               detail={**detail, "warnings": run.warnings[:5]}))
    if run.state == "succeeded" and run.duplicates != run.previous_duplicates and run.duplicates:
        events.append(ev.Event(APPLICATION_DIRECTORY, ev.WARNING,
                               f"directory {connection_name!r} has {run.duplicates} duplicate name(s) or "
                               "address(es): spoofing protection is off for duplicated display names, personal "
                               "Backup and personal lists for duplicated accounts; see GET /directory/duplicates",
                               detail=detail))
    return events
