"""The shipped expressions on real mail: nothing in the ham folder of the development corpus is
flagged, and the known-bad edge samples are. The corpus is read where it lies; skipped when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailgate.message import parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scanners.base import ScanContext
from mailgate.scanners.content_filter.scanner import ContentFilterScanner

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("MAILGATE_CORPUS", ROOT.parent / "shared" / "corpus"))
needs_corpus = pytest.mark.skipif(not (CORPUS / "ham").is_dir(), reason=f"development corpus not at {CORPUS}")
CONTEXT = ScanContext(Envelope("sender@corpus.test", ("rcpt@corpus.test",)), "mx.corpus.test")


def _flagged(paths: list[Path]) -> dict[str, list[str]]:
    scanner = ContentFilterScanner()
    found: dict[str, list[str]] = {}
    for path in paths:
        result = scanner.scan(parse_message(path.read_bytes()), CONTEXT)
        if result.verdict == "violation":
            found[path.name] = [m["expression"] for m in result.details["matches"]]
    return found


@needs_corpus
def test_no_ham_message_is_flagged_by_the_defaults() -> None:
    assert _flagged(sorted((CORPUS / "ham").iterdir())) == {}


@needs_corpus
def test_the_malicious_edge_samples_are_flagged() -> None:
    names = ["edge-rspamd.exe_attm.eml.eml", "edge-rspamd.zip-doublebad.eml.eml", "edge-mailparser.mail_test_4.eml"]
    paths = [CORPUS / "edge" / name for name in names if (CORPUS / "edge" / name).exists()]
    flagged = _flagged(paths)
    assert set(flagged) == {p.name for p in paths}
    if "edge-rspamd.zip-doublebad.eml.eml" in flagged:
        assert flagged["edge-rspamd.zip-doublebad.eml.eml"] == ["Executables and scripts", "Double extension"]
