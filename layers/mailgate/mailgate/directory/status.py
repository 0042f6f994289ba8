"""What the administrator reads about synchronisation: each connection's state, and each run."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from mailgate.documents import MutableDocument

RunState = Literal["queued", "running", "succeeded", "failed", "skipped"]


STATUS_VERSION = 1


def new_sync_id() -> str:
    return uuid.uuid4().hex


class SyncStatus(MutableDocument, kw_only=True):
    """A connection's standing. `stale_since` is set from the first failed run after the last success
    until the next success: the cache then still serves the last good data, and says since when.
    `warning`: the last run worked but found something to look at (no users in a full directory)."""

    connection_id: str
    state: Literal["never", "ok", "warning", "failed"] = "never"
    last_success: str | None = None
    last_attempt: str | None = None
    stale_since: str | None = None
    error_kind: str | None = None
    last_error: str | None = None
    warnings: list[str] = msgspec.field(default_factory=list)  # of the last successful run
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    duplicates: int = 0
    mode: str | None = None  # full or incremental
    server: str | None = None
    generation: int = 0
    version: int = STATUS_VERSION


class SyncRun(MutableDocument, kw_only=True):
    """One synchronisation, scheduled or requested through the API (its id is the sync id). Like SyncStatus,
    changed in place while the run goes on, so not frozen."""

    sync_id: str
    connection_id: str
    trigger: Literal["schedule", "api"]
    state: RunState = "queued"
    requested_at: str
    started_at: str | None = None
    finished_at: str | None = None
    mode: str | None = None
    full_reason: str | None = None
    server: str | None = None
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    changed: int = 0
    duplicates: int = 0
    errors: list[str] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)  # a run that worked but needs a look
    error_kind: str | None = None
    previous_state: str | None = None  # the connection's state before this run (what changed is news)
    previous_duplicates: int = 0
    version: int = STATUS_VERSION
