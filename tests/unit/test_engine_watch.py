"""The scan function's view of clamd: published on change and every ten minutes, an error logged when it
stops answering (again hourly while it stays down), nothing logged while it answers."""

from __future__ import annotations

from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.antivirus.engine_watch import EngineWatch, engine_warnings

ADDRESS = "127.0.0.1:3310"


def result(*tests: str) -> ScannerResult:
    reasons = tuple(Contribution(t, 0.0, "", "connection refused") for t in tests)
    return ScannerResult("antivirus", "error" if tests else "clean", reasons=reasons, details={"clamd": ADDRESS})


def test_down_is_published_and_logged_once_an_hour_and_up_again_is_published_at_once() -> None:
    watch = EngineWatch()
    first = watch.observe(result(), 1000.0)
    assert first.status is not None and first.status["state"] == "up" and first.error is None
    assert watch.observe(result(), 1010.0).status is None  # nothing new

    down = watch.observe(result("AV_ERROR_UNREACHABLE"), 1020.0)
    assert down.down and down.status is not None and down.status["state"] == "down"
    assert down.error is not None and ADDRESS in down.error and "held in Backup" in down.error
    again = watch.observe(result("AV_ERROR_UNREACHABLE"), 1030.0)
    assert again.down and again.status is None and again.error is None
    assert watch.observe(result("AV_ERROR_TIMEOUT"), 1020.0 + 3600).error is not None

    back = watch.observe(result(), 5000.0)
    assert not back.down and back.status is not None and back.status["state"] == "up" and back.error is None
    assert engine_warnings("antivirus", back.status) == []
    assert engine_warnings("antivirus", down.status)[0].startswith(f"antivirus: clamd at {ADDRESS}")


def test_a_skipped_scanner_says_nothing_about_its_engine() -> None:
    skipped = ScannerResult("antivirus", "skipped")
    assert EngineWatch().observe(skipped, 1.0).status is None
    assert EngineWatch().observe(None, 1.0).status is None
