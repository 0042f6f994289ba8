"""From the summed score to the verdict word, the SCL rating and the X-Mailgate-Spam-* headers.

Verdict words are a stable interface (the rule table and the benchmark match on them):
`blacklisted` (a configured DNS blocklist lists the sender or a link), `spam`, `probable_spam`,
`mass_mailing` (a newsletter that nothing else accuses), `not_spam`.
"""

from __future__ import annotations

from typing import Final

from mailgate.config import AntispamSettings
from mailgate.scan.report import ScannerResult

SPAM: Final = "spam"
PROBABLE_SPAM: Final = "probable_spam"
MASS_MAILING: Final = "mass_mailing"
BLACKLISTED: Final = "blacklisted"
NOT_SPAM: Final = "not_spam"
VERDICTS = (SPAM, PROBABLE_SPAM, MASS_MAILING, BLACKLISTED, NOT_SPAM)
FLAGGED = frozenset({SPAM, PROBABLE_SPAM})
SCL_HEADER = "X-MS-Exchange-Organization-SCL"


def decide(score: float, blacklisted: bool, newsletter: bool, settings: AntispamSettings,
           authenticated: bool = False) -> str:
    """The most severe word that applies: a blocklist hit, then spam, then bulk, then probable spam.

    A recognised newsletter is mass mailing rather than probable spam when its From domain passed DMARC
    (marketing wording is what newsletters are made of, and an accountable sender sent it) or when its
    score stays below probable spam. Without that pass, bulk headers cost a spammer two lines, so they
    never turn a probable spam score into mass mailing.
    """
    if blacklisted:
        return BLACKLISTED
    if score >= settings.spam_threshold:
        return SPAM
    probable = score >= settings.probable_threshold
    if newsletter and (authenticated or not probable):
        return MASS_MAILING
    return PROBABLE_SPAM if probable else NOT_SPAM


def scl(verdict: str, score: float, settings: AntispamSettings) -> int:
    """Exchange's Spam Confidence Level: 0-1 not spam, 5 probable, 6-9 spam by confidence.

    -1 (trusted, skip filtering) is never produced by the content scan: it belongs to allow rules.
    """
    if verdict == BLACKLISTED:
        return 9
    if verdict == SPAM:
        over = (score - settings.spam_threshold) / settings.spam_threshold
        return min(9, 6 + int(over * 3))
    if verdict == PROBABLE_SPAM:
        return 5
    return 0 if score < 0 else 1


def spam_headers(result: ScannerResult) -> dict[str, str]:
    """The header fields delivery adds for this anti-spam result (from a stored report too)."""
    tests = ",".join(f"{c.test}={c.score:g}" for c in result.reasons if c.score)
    flagged = result.verdict in FLAGGED or result.verdict == BLACKLISTED
    headers = {
        "X-Mailgate-Spam-Verdict": result.verdict,
        "X-Mailgate-Spam-Flag": "YES" if flagged else "NO",
        "X-Mailgate-Spam-Score": f"{result.score:.2f}",
        "X-Mailgate-Spam-Tests": tests[:900] or "none",
    }
    if "scl" in result.details:
        headers[SCL_HEADER] = str(result.details["scl"])
    if result.details.get("bulk"):
        headers["X-Mailgate-Spam-Bulk"] = "; ".join(result.details["bulk"])[:300]
    return headers
