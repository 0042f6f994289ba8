"""A proposal's Anti-Spam thresholds and disabled tests read the stored score again, as the scanner would have."""

from __future__ import annotations

import msgspec

from mailgate.config import AntispamSettings, GatewayConfig
from mailgate.replay.deciding import Decider, read_antispam
from mailgate.scan.report import Contribution, ScannerResult
from tests.unit.rules.build import report, spam


def test_higher_thresholds_read_a_probable_spam_score_as_not_spam():
    stored = report(spam("probable_spam", 4.0))
    read = read_antispam(stored, AntispamSettings(probable_threshold=5.0, spam_threshold=8.0))
    result = read.result("antispam")
    assert result is not None and (result.verdict, result.details["thresholds"]) == (
        "not_spam", {"probable_spam": 5.0, "spam": 8.0})
    assert read_antispam(stored, AntispamSettings()) is stored  # the scan's own settings: nothing read again


def test_a_disabled_test_no_longer_counts():
    result = ScannerResult("antispam", "spam", 7.0, (Contribution("BAYES_99", 5.0, "the model"),
                                                    Contribution("SUBJ_ALL_CAPS", 2.0, "shouting")),
                           {"thresholds": {"probable_spam": 3.0, "spam": 6.0}})
    read = read_antispam(report(result), AntispamSettings(disabled_tests=("subj_all_caps",))).result("antispam")
    assert read is not None and (read.verdict, read.score, [c.test for c in read.reasons]) == (
        "probable_spam", 5.0, ["BAYES_99"])


def test_a_blocklist_hit_and_a_failed_scan_stay_as_they_are():
    for stored in (report(spam("blacklisted", 9.0)), report(ScannerResult("antispam", "error"))):
        assert read_antispam(stored, AntispamSettings(probable_threshold=50.0, spam_threshold=60.0)) is stored


def test_the_decider_decides_with_its_own_reading_of_the_score():
    stored = report(spam("spam", 7.0), recipients=("bob@example.test",))
    live = Decider(GatewayConfig(authserv_id="mx.example.test"))
    lenient = Decider(msgspec.structs.replace(live.config, antispam=AntispamSettings(probable_threshold=20.0,
                                                                                     spam_threshold=30.0)))
    [(_, today)] = live.sides(stored)
    [(_, proposed)] = lenient.sides(stored)
    assert today.verdict_class == "spam" and proposed.verdict_class != "spam"
