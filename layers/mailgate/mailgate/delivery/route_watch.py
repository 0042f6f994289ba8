"""Is a destination taking mail? What the rules function saw, for the `delivery_failing` application notice.

Each process remembers what it last wrote about a route and writes the status board only when its view changes
(a failure after a success, or the reverse), or at most every few minutes to re-assert it: never once per
message. A route is failing from the first failure after a success (kept across processes: a second process that
sees the same failure keeps the first one's time) until any process delivers through it again. A whole hand-over
that the server defers (connection refused, timeout, 4xx for every recipient) is a failure; a permanent refusal
or a delivery is the server taking part, so the route works.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mailgate.config import Route
from mailgate.delivery.base import Deliverer, DeliveryResult
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.ports import StatusBoard

COMPONENT_PREFIX = "route#"  # the status board's item per route: route#<label>
REASSERT_SECONDS = 300


def route_label(route: Route) -> str:
    """Names a destination as an administrator recognises it: `ses`, or its hosts as host:port."""
    if route.kind == "ses":
        return "ses"
    return ",".join(f"{h.host}:{h.port}" for h in route.hosts) or "smtp"


class RouteWatch:
    def __init__(self, board: StatusBoard, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._board, self._clock, self._now = board, clock, now
        self._written: dict[str, tuple[str, float]] = {}  # label → (state, when this process wrote it)
        self._lock = threading.Lock()

    def saw(self, label: str, failed: bool, error: str = "") -> None:
        """Never raises: the delivery's outcome does not depend on the note about it."""
        state = "failing" if failed else "ok"
        with self._lock:
            written = self._written.get(label)
            if written and written[0] == state and self._clock() - written[1] < REASSERT_SECONDS:
                return
            self._written[label] = (state, self._clock())
        try:
            self._write(label, state, error)
        except Exception:  # the board could not be written: try again on the next delivery
            with self._lock:
                self._written.pop(label, None)

    def _write(self, label: str, state: str, error: str) -> None:
        at = self._now().isoformat(timespec="seconds")
        component = COMPONENT_PREFIX + label
        if state == "ok":
            self._board.publish(component, {"route": label, "state": "ok", "at": at})
            return
        known = self._board.read(component) or {}
        since = str(known.get("failing_since") or "") if known.get("state") == "failing" else ""
        self._board.publish(component, {"route": label, "state": "failing", "failing_since": since or at,
                                        "at": at, "error": error[:300]})


class WatchedDeliverer:
    """A route's deliverer whose every hand-over tells the watch whether the route took part."""

    def __init__(self, inner: Deliverer, label: str, watch: RouteWatch) -> None:
        self.inner, self.label, self.watch = inner, label, watch

    def deliver(self, mail_from: str, recipients: Sequence[str], message: bytes) -> DeliveryResult:
        try:
            result = self.inner.deliver(mail_from, recipients, message)
        except TemporaryDeliveryError as exc:
            self.watch.saw(self.label, failed=True, error=str(exc))
            raise
        except PermanentDeliveryError:  # a refusal for good is the server answering
            self.watch.saw(self.label, failed=False)
            raise
        self.watch.saw(self.label, failed=False)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def failing_for(document: dict[str, Any] | None, now: datetime) -> timedelta | None:
    """How long a route has been failing by its status board note; None when it works (or nothing is known)."""
    if not document or document.get("state") != "failing":
        return None
    try:
        since = datetime.fromisoformat(str(document.get("failing_since")))
    except ValueError:
        return None
    return max(timedelta(0), now - (since if since.tzinfo else since.replace(tzinfo=UTC)))
