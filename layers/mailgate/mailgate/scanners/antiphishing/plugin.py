"""Anti-Phishing as one record: the scanner's score, or the rule's own thresholds over it → the rule's
actions for phishing and probable phishing. An allow entry may skip it (lists.allow_skips_antiphishing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.config import AntiphishingSettings
from mailgate.rules.requests import top_tests
from mailgate.rules.table import AntiphishingModule
from mailgate.scanners.antiphishing.catalog import TESTS
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.scanners.antiphishing.scanner import AntiphishingScanner  # noqa: PLC0415  # scan step only

    names = deps.directory.spoofing_names if deps.directory else None
    return AntiphishingScanner(deps.config.antiphishing, names)


def judge(module: AntiphishingModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    if judging.skipped(module.enabled, result, judging.lists.skip_antiphishing):
        return []
    assert result is not None
    verdict = result.verdict
    if module.phishing_threshold is not None or module.probable_threshold is not None:
        high = module.phishing_threshold if module.phishing_threshold is not None else 7.0
        probable = module.probable_threshold if module.probable_threshold is not None else 4.0
        verdict = "phishing" if result.score >= high else "probable_phishing" if result.score >= probable \
            else "not_phishing"
        judging.note(f"the rule's thresholds {probable:g}/{high:g} read score {result.score:g} "
                     f"as {verdict} (the scanner said {result.verdict})")
    if verdict not in ("phishing", "probable_phishing"):
        judging.note(verdict)
        return []
    options = module.phishing if verdict == "phishing" else module.probable_phishing
    words = "phishing" if verdict == "phishing" else "probable phishing"
    named = top_tests(result)
    return [judging.ask(verdict, options, f"{words} (score {result.score:g}{named})",
                        f"score {result.score:g}{named}")]


PLUGIN = ScannerPlugin(name="antiphishing", label="Anti-Phishing", module=AntiphishingModule, tests=TESTS,
                       build=build, judge=judge, settings=AntiphishingSettings, settings_field="antiphishing")
