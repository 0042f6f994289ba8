"""Link scanning as one record: a malicious or phishing link → the rule's action for it. It reads the
anti-phishing settings (its list files, URI blocklists and disabled tests live there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.config import AntiphishingSettings
from mailgate.rules.requests import top_tests
from mailgate.rules.table import LinksModule
from mailgate.scanners.links.catalog import TESTS
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.aws.list_source import read_list  # noqa: PLC0415  # scan step only
    from mailgate.scanners.links.scanner import LinkScanner  # noqa: PLC0415

    return LinkScanner(deps.config.antiphishing, deps.resolver, read_list)


def judge(module: LinksModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    if judging.skipped(module.enabled, result):
        return []
    assert result is not None
    if result.verdict not in ("malicious_link", "phishing_link"):
        judging.note(result.verdict)
        return []
    options = module.malicious_link if result.verdict == "malicious_link" else module.phishing_link
    kind = "malicious" if result.verdict == "malicious_link" else "phishing"
    named = top_tests(result)
    return [judging.ask(result.verdict, options, f"the message links to a {kind} site{named}",
                        f"score {result.score:g}{named}")]


PLUGIN = ScannerPlugin(name="links", label="Link scanning", module=LinksModule, tests=TESTS, build=build,
                       judge=judge, settings=AntiphishingSettings, settings_field="antiphishing")
