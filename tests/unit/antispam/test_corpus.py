"""The shipped model on the held-out 20 % of the development corpus, network off, within the targets.

Reads ../shared/corpus (never copied into the repository); skips when it is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailgate.config import AntispamSettings
from mailgate.message import parse_message
from mailgate.scanners.antispam.training import corpus_files, is_validation, split
from mailgate.scanners.antispam.verdict import FLAGGED
from mailgate.scanners.authentication.received import infer_envelope_from_headers
from mailgate.scanners.base import ScanContext
from tests.unit.antispam.helpers import scanner

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("MAILGATE_CORPUS", ROOT.parent / "shared" / "corpus"))
needs_corpus = pytest.mark.skipif(not (CORPUS / "ham").is_dir(), reason=f"development corpus not at {CORPUS}")


def flag_rate(folder: str) -> tuple[int, int]:
    antispam = scanner(settings=AntispamSettings())
    flagged = 0
    _, held_out = split(corpus_files(CORPUS, folder))
    for path in held_out:
        message = parse_message(path.read_bytes())
        envelope = infer_envelope_from_headers(message)
        result = antispam.scan(message, ScanContext(envelope, "mx.example.test"))
        flagged += result.verdict in FLAGGED
    return flagged, len(held_out)


@needs_corpus
def test_held_out_ham_is_flagged_at_most_three_in_a_thousand() -> None:
    flagged, total = flag_rate("ham")
    assert total > 500
    assert flagged / total <= 0.003, f"{flagged} of {total} held-out ham flagged"


@needs_corpus
def test_held_out_spam_is_flagged_at_least_97_percent() -> None:
    flagged, total = flag_rate("spam")
    assert total > 200
    assert flagged / total >= 0.97, f"{flagged} of {total} held-out spam flagged"


@needs_corpus
def test_held_out_modern_ham_lists_notifications_and_receipts_are_flagged_at_most_three_in_a_thousand() -> None:
    if not (CORPUS / "modern-ham").is_dir():
        pytest.skip("no modern-ham/ in the corpus")
    flagged, total = flag_rate("modern-ham")
    assert total > 400
    assert flagged / total <= 0.003, f"{flagged} of {total} held-out modern ham flagged"


def test_the_split_is_a_function_of_the_file_name_alone() -> None:
    names = [f"sa-public.easy-ham-1.{n:05d}.eml" for n in range(2000)]
    held = [n for n in names if is_validation(n)]
    assert held == [n for n in names if is_validation(n)]
    assert 0.17 < len(held) / len(names) < 0.23


def test_importing_the_scanner_does_not_load_the_model() -> None:
    code = ("import mailgate.scanners.registry, mailgate.scanners.antispam.model as m; "
            "assert m._loaded is None, 'model loaded at import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
