"""The api function's scheduled jobs in local mode, as EventBridge Scheduler runs them in AWS: the same handler,
the same event (Backup's retention every hour; the digest daily at its hour, mailgate.local.digest_cli; the
summary reports daily at theirs)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate.local.functions import LocalLambdaContext

logger = logging.getLogger(__name__)
JOBS_EVERY_MINUTES = {"backup_retention": 60.0, "application_checks": 5.0}


class LocalJobSchedule:
    """Runs each job on its interval until `stop()`; `run(job)` runs one now."""

    def __init__(self, api_handler: Callable[[dict[str, Any], Any], Any],
                 every_minutes: dict[str, float] | None = None) -> None:
        self.handler = api_handler
        self.every_minutes = every_minutes or JOBS_EVERY_MINUTES
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._repeat, args=(job, minutes * 60), name=f"job-{job}",
                                          daemon=True) for job, minutes in self.every_minutes.items()]
        self._threads.append(threading.Thread(target=self._daily_digest, name="job-backup_digest", daemon=True))
        self._threads.append(threading.Thread(target=self._daily_reports, name="job-summary_reports", daemon=True))

    def _daily_digest(self) -> None:
        from mailgate.local.digest_cli import JOB, daily  # noqa: PLC0415

        daily(lambda: self.run(JOB), self._stop)

    def _daily_reports(self) -> None:
        """The summary reports' run daily at reports.hour in reports.time_zone (read again after each run)."""
        from mailgate.local.digest_cli import seconds_until_next  # noqa: PLC0415
        from mailgate.wiring.process import config  # noqa: PLC0415

        def wait() -> float:
            try:
                return seconds_until_next(config().reports.hour, config().reports.time_zone)
            except Exception:  # settings that cannot be read now: look again in an hour
                logger.exception("local report schedule: cannot read the reports' settings")
                return 3600.0

        while not self._stop.wait(wait()):
            try:
                self.run("summary_reports")
            except Exception:  # tried again the next day, as the schedule would
                logger.exception("local scheduled job summary_reports failed")

    def run(self, job: str) -> Any:
        return self.handler({SCHEDULED_JOB_KEY: job}, LocalLambdaContext("mailgate-api"))

    def _repeat(self, job: str, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.run(job)
            except Exception:  # a failed run is logged and tried again next time, as the schedule would
                logger.exception("local scheduled job %s failed", job)

    def start(self) -> LocalJobSchedule:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
