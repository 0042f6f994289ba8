"""What a sync writes to the event log: news once, not the same warning every 30 minutes."""

from __future__ import annotations

from mailgate.directory.status import SyncRun
from mailgate.directory.sync_events import APPLICATION_DIRECTORY, sync_events


def run(state: str, previous_state: str | None = "ok", duplicates: int = 0, previous_duplicates: int = 0,
        errors: tuple[str, ...] = ()) -> SyncRun:
    return SyncRun(sync_id="s1", connection_id="c1", trigger="schedule", requested_at="2026-11-28T10:00:00Z",
                   state=state, previous_state=previous_state, duplicates=duplicates,  # type: ignore[arg-type]
                   previous_duplicates=previous_duplicates, errors=list(errors),
                   error_kind="credentials" if state == "failed" else None)


def test_a_connection_that_starts_failing_is_warned_about_once():
    [event] = sync_events(run("failed", errors=("invalid credentials for svc-mailgate",)), "Corp AD")
    assert event.message_id == APPLICATION_DIRECTORY and event.kind == "warning"
    assert "'Corp AD' failed (credentials): invalid credentials" in event.summary
    assert "last good data" in event.summary
    assert sync_events(run("failed", previous_state="failed"), "Corp AD") == []


def test_recovery_is_news_too():
    [event] = sync_events(run("succeeded", previous_state="failed"), "Corp AD")
    assert "works again" in event.summary


def test_duplicates_are_warned_about_when_they_appear_or_change_not_on_every_sync():
    [event] = sync_events(run("succeeded", duplicates=2), "Corp AD")
    assert "2 duplicate" in event.summary and "GET /directory/duplicates" in event.summary
    assert sync_events(run("succeeded", duplicates=2, previous_duplicates=2), "Corp AD") == []
    assert len(sync_events(run("succeeded", duplicates=3, previous_duplicates=2), "Corp AD")) == 1
    assert sync_events(run("succeeded", duplicates=0, previous_duplicates=2), "Corp AD") == []
