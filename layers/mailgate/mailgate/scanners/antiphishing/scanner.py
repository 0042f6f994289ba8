"""The anti-phishing scanner: runs the named test groups over one MessageView and sums them."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from mailgate.config import AntiphishingSettings
from mailgate.directory.names import fold_name
from mailgate.scan.report import ScannerResult
from mailgate.scanners.antiphishing.brand import brand_hits
from mailgate.scanners.antiphishing.catalog import hit, verdict_for
from mailgate.scanners.antiphishing.content import attachment_hits, form_hits, lure_hits, shape_hits
from mailgate.scanners.antiphishing.linktests import link_hits
from mailgate.scanners.antiphishing.sender import sender_hits
from mailgate.scanners.antiphishing.view import MessageView

if TYPE_CHECKING:
    from mailgate.message.model import Message
    from mailgate.scanners.base import ScanContext


HAM_LOG_ODDS = -4.0  # the classifier's log-odds at or below which the wording counts as legitimate


def _hammy_text(context: ScanContext) -> str | None:
    """Weak structural signals (a mismatched anchor, an IP link) are common in ordinary mail; when
    the statistical classifier is confident the wording is legitimate, they weigh less. Strong
    evidence (forms, look-alike domains, brand in the name with links elsewhere) still decides."""
    antispam = context.earlier_result("antispam")
    if antispam is None:
        return None
    classifier = next((c for c in antispam.reasons if c.test.startswith("BAYES_")), None)
    if classifier is None or classifier.score > HAM_LOG_ODDS:
        return None
    return f"{classifier.test} (log-odds {classifier.score:+.1f})"


class AntiphishingScanner:
    """Scanner protocol: verdict `phishing`, `probable_phishing` or `not_phishing`, with reasons."""

    name = "antiphishing"

    def __init__(self, settings: AntiphishingSettings | None = None,
                 directory_names: Callable[[], Mapping[str, str] | None] | None = None) -> None:
        self.settings = settings or AntiphishingSettings()
        self.disabled = frozenset(self.settings.disabled_tests)
        self.directory_names = directory_names  # folded unique display name → account (mailgate.directory)
        self._configured = {fold_name(n): n for n in self.settings.protected_names if fold_name(n)}

    def _protected(self) -> Mapping[str, str]:
        """The directory's unique names when a directory is available, else the configured names."""
        names = self.directory_names() if self.directory_names else None
        return self._configured if names is None else names

    def scan(self, message: Message, context: ScanContext) -> ScannerResult:
        started = time.perf_counter()
        view = MessageView(message, context.accepted_domains)
        found: dict[str, str] = {}
        groups = (brand_hits(view), sender_hits(view, self._protected()), link_hits(view),
                  lure_hits(view), form_hits(view), attachment_hits(view), shape_hits(view))
        for group in groups:
            for test, evidence in group:
                if test not in self.disabled:
                    found.setdefault(test, evidence)
        if found and "TEXT_LIKE_LEGITIMATE_MAIL" not in self.disabled and (hammy := _hammy_text(context)):
            found["TEXT_LIKE_LEGITIMATE_MAIL"] = hammy
        reasons = tuple(hit(test, evidence) for test, evidence in found.items())
        score = round(sum(c.score for c in reasons), 3)
        return ScannerResult(
            scanner=self.name,
            verdict=verdict_for(score, self.settings.probable_threshold, self.settings.phishing_threshold),
            score=score,
            reasons=reasons,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
