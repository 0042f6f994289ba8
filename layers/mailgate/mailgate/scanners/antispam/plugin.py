"""Anti-Spam as one record: the scanner's verdict, or the rule's own thresholds over its score → the rule's
actions for spam, probable spam, mass mailing and blacklisted. A deny entry makes any message blacklisted;
an allow entry skips Anti-Spam."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.config import AntispamSettings
from mailgate.rules.requests import top_tests
from mailgate.rules.table import AntispamModule, VerdictAction
from mailgate.scanners.antispam.authenticated import AUTH_KNOWN_SENDER
from mailgate.scanners.antispam.details import AntispamDetails
from mailgate.scanners.antispam.rules import BULK_MAIL, RULES
from mailgate.scanners.antispam.verdict import decide
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin, catalog

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner

# the named rules; the classifier (BAYES_*), learned counts (LEARNED_*) and blocklists (by zone) name
# their contributions as they score them
TESTS = catalog(*(rule.test for rule in RULES), BULK_MAIL, AUTH_KNOWN_SENDER)


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.scanners.antispam.scanner import AntispamScanner  # noqa: PLC0415  # scan step only

    return AntispamScanner(deps.resolver, deps.config.antispam, deps.organisation)


def judge(module: AntispamModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    lists = judging.lists
    if module.enabled and lists.blacklisted:  # a deny entry decides whatever the message scores
        return [judging.ask("blacklisted", module.blacklisted, lists.blacklisted, lists.blacklisted)]
    if module.enabled and lists.skip_antispam:
        return judging.not_applied(lists.skip_antispam)
    if judging.skipped(module.enabled, result):
        return []
    assert result is not None
    verdict = _spam_class(module, result, judging)
    options: VerdictAction | None = getattr(module, verdict, None) \
        if verdict in ("spam", "probable_spam", "mass_mailing", "blacklisted") else None
    if options is None:
        judging.note(f"{verdict} (score {result.score:g})")
        return []
    words = verdict.replace("_", " ")
    listed = AntispamDetails.of(result.details).blocklists.hits
    hits = "; " + "; ".join(listed[:3]) if verdict == "blacklisted" and listed else top_tests(result)
    return [judging.ask(verdict, options, f"{words} (score {result.score:g}{hits})", f"score {result.score:g}{hits}")]


def _spam_class(module: AntispamModule, result: ScannerResult, judging: Judging) -> str:
    """The scanner's word, or the rule's own reading of the score when the rule sets thresholds: the
    scanner's `decide` with the rule's thresholds, so a blocklist hit stays blacklisted and bulk mail is
    read as mass mailing exactly as the scanner reads it."""
    if (module.spam_threshold is None and module.probable_threshold is None) or result.verdict == "blacklisted":
        return result.verdict
    details = AntispamDetails.of(result.details)
    high = module.spam_threshold if module.spam_threshold is not None else details.thresholds.spam
    probable = module.probable_threshold if module.probable_threshold is not None \
        else details.thresholds.probable_spam
    newsletter = result.verdict == "mass_mailing" or bool(details.bulk)
    thresholds = AntispamSettings(probable_threshold=probable, spam_threshold=high)
    verdict = decide(result.score, False, newsletter, thresholds, details.authenticated_from is not None)
    judging.note(f"the rule's thresholds {probable:g}/{high:g} read score {result.score:g} as {verdict} "
                 f"(the scanner said {result.verdict})")
    return verdict


PLUGIN = ScannerPlugin(name="antispam", label="Anti-Spam", module=AntispamModule, tests=TESTS, build=build,
                       judge=judge, settings=AntispamSettings, settings_field="antispam")
