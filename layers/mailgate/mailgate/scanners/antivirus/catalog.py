"""The named tests of the anti-virus scanner and the verdicts they imply.

A verdict is never `clean` because something went wrong: an engine that cannot answer is `error`,
content clamd could not fully see is `unscannable`, and the administrator's rule decides what
either leads to (Backup by default).
"""

from __future__ import annotations

from mailgate.scan.report import Contribution
from mailgate.scanners.plugin import Test, by_verdict

INFECTED, ERROR, UNSCANNABLE, CLEAN, SKIPPED = "infected", "error", "unscannable", "clean", "skipped"
PRECEDENCE = (INFECTED, ERROR, UNSCANNABLE, CLEAN)  # strongest first: the message takes its strongest part

_IMPLYING: dict[str, tuple[Test, ...]] = {
    INFECTED: (
        Test("AV_INFECTED", 10.0, "clamd found a threat"),
        Test("AV_PUA", 10.0, "clamd found a potentially unwanted application (riskware, adware, remote admin)"),
    ),
    UNSCANNABLE: (
        Test("AV_UNSCANNABLE_ENCRYPTED", 0.0, "an encrypted or password-protected archive or document"),
        Test("AV_UNSCANNABLE_TOO_LARGE", 0.0, "larger than the bytes one clamd stream may carry"),
        Test("AV_UNSCANNABLE_LIMIT", 0.0, "clamd stopped at one of its limits (size, nesting, files, time)"),
        Test("AV_UNSCANNABLE_ARCHIVE_BOMB", 0.0, "an archive that expands like a decompression bomb"),
        Test("AV_UNSCANNABLE_TRUNCATED", 0.0, "the part was cut by a decoding bound: not all of it was seen"),
        Test("AV_UNSCANNABLE_INCOMPLETE", 0.0, "a parsing bound stopped inspection: parts may be unseen"),
        Test("AV_UNSCANNABLE_CORRUPTED", 0.0, "a damaged file or archive that cannot be read whole"),
    ),
    ERROR: (
        Test("AV_ERROR_UNREACHABLE", 0.0, "clamd could not be reached"),
        Test("AV_ERROR_TIMEOUT", 0.0, "clamd did not answer in time"),
        Test("AV_ERROR_SIZE_LIMIT", 0.0, "clamd refused the stream as too long (its StreamMaxLength)"),
        Test("AV_ERROR_ENGINE", 0.0, "clamd answered with an error or dropped the connection"),
    ),
    SKIPPED: (Test("AV_SKIPPED", 0.0, "anti-virus is not configured (no clamd address)"),),
}
TESTS, _VERDICT = by_verdict(_IMPLYING)
SKIPPED_TEST = TESTS["AV_SKIPPED"].hit()


def hit(test: str, evidence: str) -> Contribution:
    return TESTS[test].hit(evidence)


def verdict_of(test: str) -> str:
    return _VERDICT[test]


def strongest(verdicts: list[str] | tuple[str, ...]) -> str:
    """infected > error > unscannable > clean; no verdicts at all is clean."""
    return next((v for v in PRECEDENCE if v in verdicts), CLEAN)
