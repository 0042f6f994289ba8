"""Local mode's stand-in for EventBridge Scheduler: held messages' re-scan requests wait here and go to the
local scan queue when due (checked every second). `end_holds` sends them early, for a test or an
administrator who does not want to wait."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from mailgate.quarantine.rescan import RescanRequest


class LocalRescanScheduler:
    def __init__(self, send: Callable[[dict[str, Any]], None], clock: Callable[[], float] = time.time,
                 tick_seconds: float = 1.0) -> None:
        self.send = send
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._due: list[tuple[float, int, RescanRequest]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rescan-schedule", daemon=True)

    def __call__(self, request: RescanRequest) -> None:
        with self._lock:
            if any(held.hold_key == request.hold_key for _, _, held in self._due):
                return  # scheduled before by a retried invocation
            heapq.heappush(self._due, (request.due.timestamp(), next(self._order), request))

    def pending(self) -> list[RescanRequest]:
        with self._lock:
            return [request for _, _, request in sorted(self._due)]

    def end_holds(self, now: float | None = None) -> int:
        """Send every request due by `now` (default: all of them); how many were sent."""
        limit = float("inf") if now is None else now
        with self._lock:
            ready = []
            while self._due and self._due[0][0] <= limit:
                ready.append(heapq.heappop(self._due)[2])
        for request in ready:
            self.send(request.to_body())
        return len(ready)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            self.end_holds(self.clock())

    def start(self) -> LocalRescanScheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
