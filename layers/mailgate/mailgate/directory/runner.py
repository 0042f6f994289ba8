"""Running a sync for one connection: the lease, the read, the atomic publish, the status.

A failed or partial sync changes nothing readers see: the new generation is published only
after everything was read; until then the last good one stays current and the status says
since when it is stale. Two runs of one connection never overlap (a lease in the store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mailgate.directory.connection import SYNC_TICK_MINUTES, Connection
from mailgate.directory.discovery import SrvResolver, endpoints
from mailgate.directory.errors import SyncFailed
from mailgate.directory.index import DirectoryIndex
from mailgate.directory.reader import open_session
from mailgate.directory.status import SyncRun, SyncStatus, new_sync_id
from mailgate.directory.store import DirectoryStore, GenerationMoved
from mailgate.directory.sync import SessionOpener, read_directory

LEASE_SECONDS = 15 * 60  # longer than the function's 10-minute timeout: a crashed run's lease expires
SCHEDULE_SLACK = timedelta(minutes=5)  # a tick that fires a little early still counts


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncEnvironment:
    """What a sync needs from outside: storage, the password, DNS, and (for tests) a clock."""

    store: DirectoryStore
    password_of: Callable[[str], str]  # secret name → password
    resolver: SrvResolver | None = None
    opener: SessionOpener = open_session
    clock: Callable[[], datetime] = field(default=utc_now)


def is_due(connection: Connection, status: SyncStatus | None, now: datetime) -> bool:
    if status is None or status.last_attempt is None:
        return True
    period = timedelta(minutes=max(connection.schedule_minutes, SYNC_TICK_MINUTES))
    return now - datetime.fromisoformat(status.last_attempt) >= period - SCHEDULE_SLACK


def run_sync(connection: Connection, env: SyncEnvironment, run: SyncRun | None = None) -> SyncRun:
    """Synchronise one connection; always returns the run record (also saved), never raises SyncFailed."""
    now = env.clock()
    run = run or SyncRun(sync_id=new_sync_id(), connection_id=connection.connection_id, trigger="schedule",
                         requested_at=now.isoformat())
    store = env.store
    if not store.acquire_lease(connection.connection_id, run.sync_id, LEASE_SECONDS):
        run.state, run.finished_at = "skipped", now.isoformat()
        run.errors.append("another sync of this connection is running; this one was skipped")
        run.error_kind = "busy"
        store.save_run(run)
        return run
    try:
        run.state, run.started_at = "running", now.isoformat()
        store.save_run(run)
        _synchronise(connection, env, run, now)
    finally:
        store.release_lease(connection.connection_id, run.sync_id)
    return run


def _password(env: SyncEnvironment, connection: Connection) -> str:
    try:
        return env.password_of(connection.password_secret)
    except Exception as exc:
        raise SyncFailed("credentials", f"cannot read the bind password from {connection.password_secret}: "
                                        f"{exc}") from exc


def _synchronise(connection: Connection, env: SyncEnvironment, run: SyncRun, now: datetime) -> None:
    store = env.store
    status = store.status(connection.connection_id) or SyncStatus(connection_id=connection.connection_id)
    run.previous_state, run.previous_duplicates = status.state, status.duplicates
    status.last_attempt = now.isoformat()
    try:
        generation, previous = store.current(connection.connection_id)
        outcome = read_directory(connection, _password(env, connection), endpoints(connection, env.resolver),
                                 previous, now, env.opener)
        try:
            status.generation = store.publish(outcome.snapshot, generation)
        except GenerationMoved as exc:
            raise SyncFailed("busy", "another sync published meanwhile; this result was not applied") from exc
    except SyncFailed as failed:
        run.state, run.error_kind = "failed", failed.kind
        run.errors.append(failed.message)
        status.state, status.error_kind, status.last_error = "failed", failed.kind, failed.message
        status.stale_since = status.stale_since or now.isoformat()
    except Exception as exc:  # a bug must not leave the run "running" forever
        run.state, run.error_kind = "failed", "internal"
        run.errors.append(f"internal error: {type(exc).__name__}: {exc}")
        status.state, status.error_kind, status.last_error = "failed", "internal", run.errors[-1]
        status.stale_since = status.stale_since or now.isoformat()
        raise
    else:
        counts = outcome.snapshot.counts()
        duplicates = len(DirectoryIndex([outcome.snapshot]).duplicates)
        run.state, run.mode, run.full_reason = "succeeded", outcome.mode, outcome.full_reason or None
        run.server, run.counts, run.changed = outcome.snapshot.server, counts, outcome.changed
        run.duplicates = duplicates
        run.errors += [f"failed over: {f}" for f in outcome.failovers]
        run.warnings = list(outcome.warnings)
        status.state = "warning" if outcome.warnings else "ok"
        status.error_kind, status.last_error, status.stale_since = None, None, None
        status.warnings = list(outcome.warnings)
        status.last_success, status.mode, status.server = now.isoformat(), outcome.mode, outcome.snapshot.server
        status.counts, status.duplicates = counts, duplicates
    finally:
        run.finished_at = env.clock().isoformat()
        store.save_run(run)
        store.save_status(status)


def run_due(env: SyncEnvironment) -> list[SyncRun]:
    """The scheduled run: every connection whose schedule is due, each independently."""
    now = env.clock()
    runs: list[SyncRun] = []
    for connection in env.store.list_connections():
        if is_due(connection, env.store.status(connection.connection_id), now):
            runs.append(run_sync(connection, env))
    return runs
