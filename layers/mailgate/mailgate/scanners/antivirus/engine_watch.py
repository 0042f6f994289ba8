"""Whether the Anti-Virus engine answers, as the scan function sees it: published for /health (the admin API
cannot reach clamd) and, when it stops answering, an `error` event and a metric the alarm watches.

Every message scanned while clamd is down is held with the verdict `error`; without this the gateway would
look healthy while it holds all mail. Pure: `observe` says what to publish and whether to log; the scan
service carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailgate.scan.report import ScannerResult

ENGINE_COMPONENT = "antivirus_engine"  # the status board's document for this engine
ENGINE = "clamd"
DOWN_TESTS = frozenset({"AV_ERROR_UNREACHABLE", "AV_ERROR_TIMEOUT", "AV_ERROR_ENGINE"})
PUBLISH_EVERY_SECONDS = 600.0  # a warm function confirms the state this often
ERROR_AGAIN_SECONDS = 3600.0  # an engine that stays down is logged again hourly per function


@dataclass(frozen=True)
class EngineOutcome:
    status: dict[str, Any] | None = None  # the engine's entry to publish, when due
    error: str | None = None  # one sentence for the event log when the engine went (or stays) down
    down: bool = False  # this message met an engine that did not answer


@dataclass
class EngineWatch:
    publish_every: float = PUBLISH_EVERY_SECONDS
    error_again: float = ERROR_AGAIN_SECONDS
    _state: str | None = field(default=None, init=False)
    _since: float = field(default=0.0, init=False)
    _published: float | None = field(default=None, init=False)
    _logged: float | None = field(default=None, init=False)

    def observe(self, result: ScannerResult | None, now: float) -> EngineOutcome:
        if result is None or result.verdict == "skipped":
            return EngineOutcome()
        failures = [r for r in result.reasons if r.test in DOWN_TESTS]
        state = "down" if failures else "up"
        if state != self._state:
            self._state, self._since, self._published = state, now, None
            if state == "up":
                self._logged = None
        address = str(result.details.get("clamd") or "")
        status = None
        if self._published is None or now - self._published >= self.publish_every:
            status = {"engine": ENGINE, "address": address, "state": state, "since": _iso(self._since),
                      "reported_at": _iso(now), "detail": failures[0].evidence[:300] if failures else ""}
            self._published = now
        error = None
        if failures and (self._logged is None or now - self._logged >= self.error_again):
            error = (f"the Anti-Virus engine ({ENGINE} at {address or 'its configured address'}) does not answer: "
                     f"{failures[0].evidence[:200]}; every message is held in Backup with the verdict 'error' "
                     "until it answers again")
            self._logged = now
        return EngineOutcome(status, error, bool(failures))


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def engine_warnings(scanner: str, entry: dict[str, Any] | None) -> list[str]:
    """What /health says about an engine the scan function last saw down."""
    if not entry or entry.get("state") != "down":
        return []
    return [f"{scanner}: {entry.get('engine')} at {entry.get('address')} has not answered since {entry.get('since')} "
            f"({entry.get('detail')}); mail is held in Backup"]
