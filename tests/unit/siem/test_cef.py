"""CEF lines of event-log events: hostile values survive escaping, and nothing a sender writes adds a field."""

from __future__ import annotations

import json

import pytest

from mailgate.events.model import DECISION, RECEIVED, Event
from mailgate.siem import cef
from mailgate.siem.json_format import json_line

HOSTILE = "a|b=c\\d\re\nf | cs1=evil \\| x= \\"


def _event(**kw: object) -> Event:
    base: dict[str, object] = {"message_id": "m-1", "kind": DECISION, "summary": "Quarantined by rule X",
                               "sender": "eve@evil.test", "recipient": "bob@corp.test", "subject": HOSTILE,
                               "action": "quarantine", "verdicts": ("fail", "spam"),
                               "detail": {"decision": {"rule": "Block Spam"}}, "at": "2026-12-05T10:00:00.123456Z"}
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def test_hostile_subject_round_trips_and_adds_no_field() -> None:
    line = cef.cef_line(_event(), "1")
    assert "\r" not in line and "\n" not in line
    header, ext = cef.parse_cef(line)
    assert header == ["CEF:0", "mailgate", "mailgate", "1", "decision", "Decision", "6"]
    assert ext["cs3"] == HOSTILE
    assert ext["cs1"] == "block spam" and ext["cs1Label"] == "rule"
    assert ext["suser"] == "eve@evil.test" and ext["duser"] == "bob@corp.test"
    assert ext["act"] == "quarantine" and ext["cs2"] == "fail,spam"
    assert ext["externalId"] == "m-1" and ext["rt"] == "1796464800123"
    assert set(ext) == {"rt", "externalId", "suser", "duser", "msg", "act", "cs1Label", "cs1", "cs2Label", "cs2",
                        "cs3Label", "cs3", "cs4Label", "cs4"}


def test_extension_escaping_follows_the_spec() -> None:
    assert cef.escape_extension("a\\b=c\rd\ne|f") == "a\\\\b\\=c\\rd\\ne|f"
    assert cef.escape_header("a\\b|c=d\ne") == "a\\\\b\\|c=d e"


@pytest.mark.parametrize("raw", ["\x00nul", "esc\x1b[31m", "del\x7f", "lone \ud800 surrogate", "c1\x85"])
def test_other_control_characters_become_replacement_characters(raw: str) -> None:
    line = cef.cef_line(_event(subject=raw), "1")
    _, ext = cef.parse_cef(line)
    assert "\ufffd" in ext["cs3"]
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in line)
    line.encode("utf-8")  # no lone surrogate left


def test_a_huge_value_is_capped() -> None:
    line = cef.cef_line(_event(subject="=" * 1_000_000, summary="x" * 5000), "1")
    _, ext = cef.parse_cef(line)
    assert len(ext["cs3"]) == cef.MAX_VALUE and ext["cs3"].endswith("…")
    assert len(ext["msg"]) == cef.MAX_VALUE
    assert len(line) < 10_000


def test_severity_follows_kind_and_verdicts() -> None:
    assert cef.severity(_event(kind=RECEIVED, verdicts=())) == 1
    assert cef.severity(_event(verdicts=("virus",))) == 9
    assert cef.severity(_event(kind="error", verdicts=())) == 7


def test_received_event_carries_the_sender_ip() -> None:
    _, ext = cef.parse_cef(cef.cef_line(_event(kind=RECEIVED, detail={"sender_ip": "192.0.2.7"}), "1"))
    assert ext["src"] == "192.0.2.7" and "cs1" not in ext and "cs1Label" not in ext


def test_json_line_is_one_line_and_round_trips() -> None:
    line = json_line(_event(), "1")
    assert "\n" not in line and "\r" not in line and line.isascii()
    data = json.loads(line)
    assert data["subject"] == HOSTILE and data["rule"] == "block spam" and data["severity"] == 6
