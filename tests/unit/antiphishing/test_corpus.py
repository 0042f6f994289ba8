"""Detection on real mail, network off: the phishing hold-out (a fixed 20 % of ../shared/corpus/phish,
chosen by the sha256 of the file name and never looked at while the tests were designed) and all ham.

The corpus is read where it lies, never copied; the test skips when it is absent.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mailgate.message import parse_message
from mailgate.scanners.antiphishing import AntiphishingScanner
from mailgate.scanners.authentication.received import infer_envelope_from_headers
from mailgate.scanners.base import ScanContext

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("MAILGATE_CORPUS", ROOT.parent / "shared" / "corpus"))
needs_corpus = pytest.mark.skipif(not (CORPUS / "phish").is_dir(), reason=f"development corpus not at {CORPUS}")
FLAGGED = ("phishing", "probable_phishing")
HOLD_OUT_BYTE = 52  # first sha256 byte below this: about 20 % of the files


def held_out(name: str) -> bool:
    return hashlib.sha256(name.encode()).digest()[0] < HOLD_OUT_BYTE


def flag_rate(paths: list[Path]) -> float:
    scanner = AntiphishingScanner()
    flagged = 0
    for path in paths:
        message = parse_message(path.read_bytes())
        context = ScanContext(infer_envelope_from_headers(message), "mx.corpus.test", ("corpus.test",))
        flagged += scanner.scan(message, context).verdict in FLAGGED
    return flagged / len(paths)


@needs_corpus
def test_most_held_out_phishing_is_flagged_by_anti_phishing_alone() -> None:
    paths = sorted(p for p in (CORPUS / "phish").iterdir() if p.is_file() and held_out(p.name))
    assert len(paths) > 300
    assert flag_rate(paths) >= 0.70  # measured 74.7 %; the spam verdicts add the rest of the 85 % target


@needs_corpus
def test_legitimate_mail_is_almost_never_flagged() -> None:
    paths = sorted(p for p in (CORPUS / "ham").iterdir() if p.is_file())
    assert flag_rate(paths) <= 0.003  # measured 0.18 %
