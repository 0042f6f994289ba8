"""Scan reports and rule tables as an administrator would write them, for the rules tests."""

from __future__ import annotations

from typing import Any

from mailgate.rules.matching import CompiledTable, compile_table
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult, ScanReport


def report(*results: ScannerResult, sender: str = "alice@partner.test", client_ip: str | None = "198.51.100.7",
           recipients: tuple[str, ...] = ("bob@example.test",)) -> ScanReport:
    return ScanReport("m1", {"bucket": "b", "key": "k"},
                      Envelope(sender, tuple(recipients), client_ip), {}, results)


def spam(verdict: str, score: float, bulk: tuple[str, ...] = (),
         authenticated_from: str | None = None) -> ScannerResult:
    return ScannerResult("antispam", verdict, score, (Contribution("BAYES_99", score, "the model is sure"),),
                         {"bulk": list(bulk), "thresholds": {"probable_spam": 3.0, "spam": 6.0},
                          "blocklists": {"hits": ["zen.example: 198.51.100.7"] if verdict == "blacklisted" else []},
                          "authenticated_from": authenticated_from})


def phishing(verdict: str, score: float) -> ScannerResult:
    return ScannerResult("antiphishing", verdict, score, (Contribution("BRAND_LOOKALIKE", score, "a brand"),))


def links(verdict: str) -> ScannerResult:
    return ScannerResult("links", verdict, 5.0, (Contribution("LINK_LIST_PHISHING", 5.0, "listed"),))


def authentication(dmarc: dict[str, Any] | None = None, spf: str = "pass", dkim: tuple[str, ...] = ("pass",),
                   verdict: str | None = None) -> ScannerResult:
    dmarc = dmarc if dmarc is not None else {"result": "pass", "from_domain": "partner.test"}
    return ScannerResult("authentication", verdict or str(dmarc.get("result")), details={
        "dmarc": dmarc, "spf": {"result": spf, "domain": "partner.test"},
        "dkim": [{"domain": "partner.test", "result": r} for r in dkim]})


def table(*rules: dict[str, Any]) -> CompiledTable:
    return compile_table({"rules": [*rules, {"name": "Default"}]})
