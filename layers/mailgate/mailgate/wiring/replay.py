"""Replay jobs and shadow mode wired to their adapters: the api function's replay ports and job runs, the rules
function's shadow recorder (docs/replay.md)."""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

from mailgate.aws.replay_store import DynamoReplayStore
from mailgate.aws.replay_trigger import JOB_EVENT_KEY, PART_EVENT_KEY, TURN_EVENT_KEY, LambdaReplayTrigger, part_event
from mailgate.aws.shadow_settings import DynamoShadowStore
from mailgate.directory.index import DirectoryIndex
from mailgate.replay import job
from mailgate.replay.parts import PartTicket
from mailgate.replay.shadow import ShadowRecorder
from mailgate.rules.personal_source import PersonalListSource
from mailgate.wiring import stores
from mailgate.wiring.process import config, settings

__all__ = ["JOB_EVENT_KEY", "replay_ports", "run_job", "shadow_recorder", "shadow_store"]


def _start(job_id: str) -> None:
    """In Lambda the function invokes itself asynchronously; elsewhere (local mode, tests: no
    AWS_LAMBDA_FUNCTION_NAME) a thread of this process runs the job, as local mode runs an on-demand sync."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if name:
        LambdaReplayTrigger(name)(job_id)
        return
    threading.Thread(target=run_job, args=({JOB_EVENT_KEY: job_id},), name=f"replay-{job_id[:8]}",
                     daemon=True).start()


def _start_part(ticket: PartTicket) -> None:
    """A worker of a fanned-out job, started as the job is: at most FAN_OUT of a job's run at once, because each
    worker starts only the next of its own chain."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if name:
        LambdaReplayTrigger(name).part(ticket)
        return
    threading.Thread(target=run_job, args=(part_event(ticket),),
                     name=f"replay-{ticket.job_id[:8]}-{ticket.part}", daemon=True).start()


def _directory() -> DirectoryIndex | None:
    from mailgate.wiring.api import directory_admin  # noqa: PLC0415 - wiring.api imports this module

    admin = directory_admin()
    return admin.index() if admin is not None else None


def replay_ports() -> job.ReplayPorts | None:
    """None without an events table (no job can be kept)."""
    from mailgate.wiring.api import mail_store, personal_lists, stored_report  # noqa: PLC0415 - it imports this one

    s = settings()
    if not s.events_table:
        return None
    personal = personal_lists()
    return job.ReplayPorts(store=DynamoReplayStore(s.events_table), events=stores.event_log, report=stored_report,
                           live=config, start=_start, start_part=_start_part, directory=_directory,
                           personal=PersonalListSource(personal.lists) if personal is not None else None,
                           original=store.get_bytes if (store := mail_store()) is not None else None)


def run_job(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The api function's replay invocation: the job carried on until done or its time runs short."""
    ports = replay_ports()
    if ports is None:
        return {"replay_job": event.get(JOB_EVENT_KEY), "state": "no events table"}
    remaining = context.get_remaining_time_in_millis if context is not None else (lambda: 10**9)
    if PART_EVENT_KEY in event:  # a worker of a fanned-out job
        ticket = PartTicket(job_id=str(event[JOB_EVENT_KEY]), part=int(event[PART_EVENT_KEY]),
                            turn=int(event.get(TURN_EVENT_KEY, 0)))
        part = job.run_part(ticket, ports, remaining)
        return {"replay_job": ticket.job_id, "part": ticket.part, "turn": ticket.turn,
                "state": part.state if part else "not this invocation's turn", "done": part.done if part else 0}
    found = job.run(str(event[JOB_EVENT_KEY]), ports, remaining)
    return {"replay_job": event.get(JOB_EVENT_KEY), "state": found.state if found else "unknown",
            "done": found.done if found else 0}


@cache
def shadow_store() -> DynamoShadowStore | None:
    table = settings().settings_table
    return DynamoShadowStore(table) if table else None


def shadow_recorder() -> ShadowRecorder | None:
    """The rules step's shadow port; None without a settings table (no candidate can be set)."""
    store = shadow_store()
    return ShadowRecorder(store.get, stores.event_log(), config) if store is not None else None
