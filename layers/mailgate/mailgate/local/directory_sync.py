"""ldap_sync in local mode: on demand in a background thread, and every 30 minutes, as in the cloud.

Runs the real `functions/ldap_sync/handler.py`, with the same events EventBridge Scheduler and
the admin API's asynchronous invocation send.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from mailgate.directory.connection import SYNC_TICK_MINUTES
from mailgate.local.functions import LocalLambdaContext, load_function

logger = logging.getLogger(__name__)


def _invoke(event: dict[str, Any]) -> None:
    try:
        load_function("ldap_sync").handler(event, LocalLambdaContext("mailgate-ldap-sync"))
    except Exception:
        logger.exception("local ldap_sync run failed")


class LocalSyncTrigger:
    """The admin API's on-demand sync: an asynchronous 'invocation' in a thread of this process."""

    def __call__(self, connection_id: str, sync_id: str) -> None:
        threading.Thread(target=_invoke, args=({"connection_id": connection_id, "sync_id": sync_id},),
                         name=f"ldap-sync-{sync_id}", daemon=True).start()


class LocalSchedule:
    """Every 30 minutes, like the EventBridge schedule; `stop()` ends it."""

    def __init__(self, minutes: float = SYNC_TICK_MINUTES) -> None:
        self.interval = minutes * 60
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ldap-sync-schedule", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            _invoke({})

    def start(self) -> LocalSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
