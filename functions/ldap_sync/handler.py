"""Lambda `ldap_sync`: the directory synchronisation.

Two shapes of event: the EventBridge schedule (every 30 minutes; anything without a connection id)
synchronises every connection whose own schedule is due; the admin API's on-demand request
`{"connection_id": ..., "sync_id": ...}` synchronises that one connection under that sync id.
Runs of one connection never overlap (a lease in the directory table); the logic is in
mailgate.directory.runner. Afterwards the SES Mail Manager address list (MAIL_MANAGER_ADDRESS_LIST), when there is
one, is made equal to the directory's recipients (mailgate.directory.address_list).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from mailgate.directory.runner import SyncEnvironment, new_sync_id, run_due, run_sync, utc_now
from mailgate.directory.status import SyncRun
from mailgate.directory.sync_events import sync_events
from mailgate.environment import require
from mailgate.tracing import function_tracer
from mailgate.wiring import application_notices
from mailgate.wiring import ldap_sync as wiring
from mailgate.wiring.process import settings

require("ldap_sync")  # a missing variable stops the cold start, not the first call

logger = Logger(service="mailgate-ldap-sync")
tracer = function_tracer("mailgate-ldap-sync")


def _report(run: SyncRun) -> None:
    """Each run is an application event in the function's log; duplicates and failures as warnings."""
    fields = {"connection_id": run.connection_id, "sync_id": run.sync_id, "state": run.state, "mode": run.mode,
              "counts": run.counts, "duplicates": run.duplicates, "errors": run.errors, "warnings": run.warnings}
    if run.state != "succeeded":
        logger.warning("directory sync did not succeed; the cache keeps its last good data", extra=fields)
    elif run.warnings:
        logger.warning("directory synchronised, but it needs a look: see the connection's status", extra=fields)
    elif run.duplicates:
        logger.warning("directory duplicates found: see GET /directory/duplicates", extra=fields)
    else:
        logger.info("directory synchronised", extra=fields)


def _log_events(env: SyncEnvironment, runs: list[SyncRun]) -> None:
    """Failures, recoveries and new duplicates go to the event log; losing them never fails the sync."""
    names = {c.connection_id: c.name for c in env.store.list_connections()}
    events = [e for run in runs for e in sync_events(run, names.get(run.connection_id, run.connection_id))]
    if not events:
        return
    try:
        wiring.event_log().append(events)
    except Exception:
        logger.exception("could not write the directory events to the event log")


def _keep_address_list(env: SyncEnvironment, runs: list[SyncRun]) -> dict[str, Any] | None:
    """The Mail Manager address list follows the directory; a list that cannot be changed never fails the sync."""
    try:
        report = wiring.address_list(env.store, runs)
    except Exception:
        logger.exception("could not bring the Mail Manager address list up to date; the next sync tries again")
        return None
    if report is None:
        return None
    fields = report.to_dict()
    if report.errors:
        logger.warning("Mail Manager address list not fully up to date; the next sync tries again", extra=fields)
    else:
        logger.info("Mail Manager address list up to date", extra=fields)
    return fields


@logger.inject_lambda_context(correlation_id_path="sync_id")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    if not settings().directory_table:
        logger.info("no DIRECTORY_TABLE configured; nothing to synchronise")
        return {"runs": [], "synchronised": 0}
    env = wiring.environment()
    connection_id = str((event or {}).get("connection_id") or "")
    if not connection_id:
        runs = run_due(env)
    else:
        sync_id = str((event or {}).get("sync_id") or new_sync_id())
        connection = env.store.get_connection(connection_id)
        if connection is None:
            logger.warning("sync requested for a connection that no longer exists",
                           extra={"connection_id": connection_id})
            return {"runs": [], "error": f"no directory connection {connection_id}"}
        run = env.store.get_run(connection_id, sync_id) or SyncRun(
            sync_id=sync_id, connection_id=connection_id, trigger="api", requested_at=utc_now().isoformat())
        runs = [run_sync(connection, env, run)]
    for run in runs:
        _report(run)
    _log_events(env, runs)
    application_notices.directory_runs(runs, {c.connection_id: c.name for c in env.store.list_connections()})
    address_list = _keep_address_list(env, runs)
    return {"runs": [r.to_dict() for r in runs], "synchronised": sum(r.state == "succeeded" for r in runs),
            **({"address_list": address_list} if address_list else {})}
