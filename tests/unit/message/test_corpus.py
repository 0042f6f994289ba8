"""Real mail: every edge case and a sample of ham, spam and phishing parse into a consistent model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailgate.message import Message, parse_message

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"


def corpus_files(folder: str, every: int = 1) -> list[Path]:
    directory = CORPUS / folder
    if not directory.is_dir():
        return []
    return sorted(directory.iterdir())[::every]


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def assert_consistent(message: Message, raw: bytes) -> None:
    assert message.raw == raw
    assert message.size == len(raw)
    json.dumps(message.facts())  # the ScanReport stores it as JSON
    for name, value in message.headers:
        assert "\r" not in value and "\n" not in value, name
    assert message.parts_count <= 500
    assert message.max_depth_seen <= 20
    assert all(a.size == len(a.content) for a in message.attachments)
    assert len({(u.url, u.source) for u in message.urls}) == len(message.urls)
    assert not any(d.startswith("parser failure") for d in message.defects)


EDGE = corpus_files("edge")
SAMPLE = corpus_files("ham", 10) + corpus_files("spam", 10) + corpus_files("phish", 10)


@pytest.mark.skipif(not EDGE, reason=f"the shared corpus is not beside the checkout ({CORPUS})")
@pytest.mark.parametrize("path", EDGE, ids=_ids(EDGE))
def test_every_edge_case_parses_into_a_consistent_model(path: Path) -> None:
    raw = path.read_bytes()
    assert_consistent(parse_message(raw), raw)


@pytest.mark.skipif(not SAMPLE, reason=f"the shared corpus is not beside the checkout ({CORPUS})")
@pytest.mark.parametrize("path", SAMPLE, ids=_ids(SAMPLE))
def test_sampled_real_mail_parses_into_a_consistent_model(path: Path) -> None:
    raw = path.read_bytes()
    assert_consistent(parse_message(raw), raw)
