"""`mailgate serve` prints one line per message it has decided, read back from the event log:

    <gateway id> from <sender> to <recipients>: <scanner>=<verdict> ... => <recipient(s)> <action>[+backup]; ...

and keeps Powertools' metrics quiet: local mode has no CloudWatch, so each invocation's "No application
metrics to publish" warning says nothing (the functions themselves are not changed for local mode).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from mailgate.events import model as ev

Handler = Callable[[dict[str, Any], Any], Any]
log = logging.getLogger(__name__)


def quiet_metrics() -> None:
    """Powertools warns on every invocation that published no metric; local mode publishes none."""
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


class LineWriter:
    """Writes whole lines from several threads; once the reader has gone (`mailgate serve | head`), writes
    nothing more instead of failing the worker that decided the message."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()
        self.closed = False

    def write(self, line: str) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except (BrokenPipeError, ValueError, OSError):  # the pipe's reader is gone, or stdout closed
                self.closed = True


def message_line(message_id: str, events: Sequence[ev.Event]) -> str | None:
    """The line for the message's latest pass (a re-scan after a hold is a pass of its own); None before
    anything was decided."""
    received = [i for i, e in enumerate(events) if e.kind == ev.RECEIVED]
    latest = events[received[-1]:] if received else events
    decisions = [e for e in latest if e.kind == ev.DECISION]
    if not decisions:
        return None
    sender = (latest[0].sender if received else None) or decisions[0].sender or "<>"
    recipients = ", ".join(e.recipient or "?" for e in decisions)
    verdicts = " ".join(f"{e.detail['result']['scanner']}={e.detail['result']['verdict']}"
                        for e in latest if e.kind == ev.SCANNED and isinstance(e.detail.get("result"), dict))
    actions = "; ".join(f"{e.recipient or '?'} {e.action}" + ("+backup" if _backup(e) else "") for e in decisions)
    return f"{message_id} from {sender} to {recipients}: {verdicts} => {actions}"


def _backup(decision: ev.Event) -> bool:
    return bool((decision.detail.get("decision") or {}).get("backup"))


def announcing(handler: Handler, events_for: Callable[[str], Sequence[ev.Event]], writer: LineWriter) -> Handler:
    """The rules handler, and after each invocation a line for each message it finished (not those it
    hands back to the queue to be retried)."""

    def handle(event: dict[str, Any], context: Any) -> Any:
        result = handler(event, context)
        failed = {f.get("itemIdentifier") for f in (result or {}).get("batchItemFailures", [])}
        for record in event.get("Records", []):
            if record.get("messageId") in failed:
                continue
            try:
                message_id = str(json.loads(record["body"])["message_id"])
                line = message_line(message_id, sorted(events_for(message_id), key=lambda e: (e.at, e.seq)))
            except Exception:  # a line is a courtesy: never fail the batch for it
                log.debug("no line for %s", record.get("messageId"), exc_info=True)
                continue
            if line:
                writer.write(line)
        return result

    return handle


def event_log_reader() -> Callable[[str], Sequence[ev.Event]]:
    """The gateway's event log, as the functions' environment names it."""
    from mailgate.wiring import stores  # noqa: PLC0415

    return lambda message_id: stores.event_log().for_message(message_id)
