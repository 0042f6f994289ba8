"""What the scan function publishes about ClamAV's signatures, and when it warns that they are stale."""

from __future__ import annotations

from mailgate.scan.report import ScannerResult
from mailgate.scanners.antivirus.signature_watch import SignatureWatch

DAY = 86_400.0


def result(version: int = 27500, age: float = 3.0, stale: bool = False) -> ScannerResult:
    return ScannerResult("antivirus", "clean", details={"clamd": "127.0.0.1:3310", "signatures": {
        "engine": "ClamAV 1.4.6", "database_version": version, "database_date": "2026-11-28T06:00:00+00:00",
        "age_hours": age, "max_age_hours": 48, "stale": stale}})


def test_the_first_report_is_published_then_refreshed_every_ten_minutes_not_per_message():
    watch = SignatureWatch()
    first = watch.observe(result(), 1000.0)
    assert first.status is not None
    assert first.status["database_version"] == 27500
    assert first.status["clamd"] == "127.0.0.1:3310"
    assert first.status["reported_at"] == "1970-01-01T00:16:40+00:00"
    assert first.warning is None
    assert watch.observe(result(), 1000.0 + 599).status is None
    assert watch.observe(result(), 1000.0 + 600).status is not None


def test_a_new_database_version_is_published_at_once():
    watch = SignatureWatch()
    watch.observe(result(27500), 0.0)
    assert watch.observe(result(27501), 5.0).status["database_version"] == 27501  # type: ignore[index]


def test_stale_signatures_warn_once_per_version_and_again_a_day_later():
    watch = SignatureWatch()
    warning = watch.observe(result(age=50.0, stale=True), 0.0).warning
    assert warning is not None and "50 h old" in warning and "limit 48 h" in warning
    assert watch.observe(result(age=51.0, stale=True), 3600.0).warning is None
    assert watch.observe(result(age=75.0, stale=True), DAY).warning is not None
    assert watch.observe(result(27501, age=49.0, stale=True), DAY + 1).warning is not None


def test_no_clamd_answer_means_nothing_to_publish():
    watch = SignatureWatch()
    assert watch.observe(None, 0.0).status is None
    assert watch.observe(ScannerResult("antivirus", "skipped"), 0.0).status is None
    unknown_age = ScannerResult("antivirus", "clean", details={"signatures": {
        "engine": "ClamAV 1.4.6", "database_version": None, "age_hours": None, "max_age_hours": 48, "stale": True}})
    assert "unknown age" in (watch.observe(unknown_age, 0.0).warning or "")
