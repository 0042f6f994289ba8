"""Signature freshness made visible: the scan function publishes what clamd reports (the admin API
cannot reach clamd) and warns once when the database is older than the threshold.

Pure: `observe` takes the Anti-Virus result and the time and says what to publish and whether to warn;
the scan service carries that out through its ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailgate.scan.report import ScannerResult

STATUS_COMPONENT = "antivirus"
PUBLISH_EVERY_SECONDS = 600.0  # a warm function refreshes the published age this often
WARN_AGAIN_SECONDS = 86_400.0  # a database that stays stale is warned about once a day per function


@dataclass(frozen=True)
class WatchOutcome:
    status: dict[str, Any] | None = None  # the document to publish, when it is due
    warning: str | None = None  # one sentence for the event log, when the signatures are stale
    signatures: dict[str, Any] | None = None  # what clamd reported, as the scanner's details carry it


@dataclass
class SignatureWatch:
    publish_every: float = PUBLISH_EVERY_SECONDS
    warn_again: float = WARN_AGAIN_SECONDS
    _published: tuple[tuple[Any, ...], float] | None = field(default=None, init=False)
    _warned: tuple[Any, float] | None = field(default=None, init=False)

    def observe(self, result: ScannerResult | None, now: float) -> WatchOutcome:
        signatures = (result.details.get("signatures") if result is not None else None) or None
        if not isinstance(signatures, dict):
            return WatchOutcome()
        identity = (signatures.get("engine"), signatures.get("database_version"),
                    signatures.get("database_date"), signatures.get("stale"))
        status = None
        if self._published is None or self._published[0] != identity or now - self._published[1] >= self.publish_every:
            status = {**signatures, "clamd": result.details.get("clamd") if result else None,
                      "reported_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")}
            self._published = (identity, now)
        warning = None
        version = signatures.get("database_version")
        if signatures.get("stale") and (self._warned is None or self._warned[0] != version
                                        or now - self._warned[1] >= self.warn_again):
            warning = stale_sentence(signatures)
            self._warned = (version, now)
        return WatchOutcome(status, warning, signatures)


def stale_sentence(signatures: dict[str, Any]) -> str:
    age = signatures.get("age_hours")
    limit = signatures.get("max_age_hours")
    version = signatures.get("database_version")
    if age is None:
        return (f"ClamAV signatures are of unknown age (no versioned database loaded; limit {limit} h): "
                "check the signature refresh")
    return (f"ClamAV signatures are {age:g} h old (database version {version}; limit {limit} h): "
            "check the signature refresh")
