"""Defects carry a kind (mailgate.message.defects.DefectKind), counted in full even when their texts are
no longer kept; scanners decide on kinds, so a cut after the 200th text still makes the message
incomplete for every scanner (issue 12 items 20, 21)."""

from __future__ import annotations

import base64

from mailgate.config import AntivirusSettings
from mailgate.message import DefectKind, parse_message
from mailgate.message.state import MAX_DEFECTS
from mailgate.scan.envelope import Envelope
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.antivirus.client import StreamAnswer
from mailgate.scanners.base import ScanContext

from .build import PE_EXECUTABLE, raw_mail, with_attachment, zip_of

CONTEXT = ScanContext(Envelope("alice@example.test", ("bob@example.test",)), "mx.example.test")


def duplicate_content_types(parts: int) -> bytes:
    part = b"--b\r\nContent-Type: text/plain\r\nContent-Type: text/plain\r\n\r\nnote\r\n"
    return (b"From: a@example.test\r\nSubject: notes\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + part * parts + b"--b--\r\n")


def smuggled_after_header_limit(fields: int) -> bytes:
    fillers = "".join(f"X-Note-{n}: filler\r\n" for n in range(fields)).encode()
    return (b"From: a@example.test\r\nSubject: invoice\r\n" + fillers
            + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            + b"--b\r\nContent-Type: application/octet-stream; name=invoice.exe\r\n"
            + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PE_EXECUTABLE) + b"--b--\r\n")


class _Clamd:
    """clamd that finds nothing: what is left to decide comes from the parser."""

    def instream(self, data: bytes) -> StreamAnswer:
        return StreamAnswer("ok")

    def version(self) -> str:
        return "ClamAV 1.0.0/1/Thu Jan  1 00:00:00 2026"


def antivirus_verdict(raw: bytes) -> tuple[str, list[str]]:
    scanner = AntivirusScanner(AntivirusSettings(clamd="127.0.0.1:3310"))
    scanner.client = _Clamd()  # type: ignore[assignment]
    result = scanner.scan(parse_message(raw), CONTEXT)
    return result.verdict, [c.test for c in result.reasons]


def test_every_defect_is_counted_by_kind_and_a_cut_is_said_whatever_came_before():
    message = parse_message(duplicate_content_types(520))
    # 200 ordinary texts, the part limit's (after them, kept anyway), then "N further defects not recorded"
    assert len(message.defects) == MAX_DEFECTS + 2
    assert message.defects[-1].endswith("further defects not recorded")
    assert message.defect_kinds[DefectKind.DUPLICATE_FIELD] >= 499
    assert message.defect_kinds[DefectKind.STRUCTURE_CUT] == 1  # the part limit, after the 200th text
    assert any("part limit" in text for text in message.defects)
    assert message.incomplete and message.content_hidden


def test_a_part_limit_cut_after_the_kept_texts_is_unscannable_for_anti_virus():
    verdict, tests = antivirus_verdict(duplicate_content_types(520))
    assert verdict == "unscannable"
    assert "AV_UNSCANNABLE_INCOMPLETE" in tests
    assert antivirus_verdict(duplicate_content_types(20))[0] == "clean"  # duplicates alone hide nothing


def test_a_content_type_past_the_header_limit_is_a_structure_cut():
    message = parse_message(smuggled_after_header_limit(1000))
    assert message.attachments == ()  # the multipart was never seen: read as one text part
    assert message.defect_kinds.get(DefectKind.STRUCTURE_CUT) == 1
    assert message.content_hidden
    assert antivirus_verdict(smuggled_after_header_limit(1000))[0] == "unscannable"
    within = parse_message(smuggled_after_header_limit(900))
    assert [a.filename for a in within.attachments] == ["invoice.exe"]
    assert not within.incomplete and not within.defect_kinds


def test_archive_nesting_is_an_archive_cut_that_hides_no_mime_content():
    data = zip_of({"deep.exe": PE_EXECUTABLE})
    for level in range(5):
        data = zip_of({f"level{level}.zip": data})
    message = parse_message(with_attachment(data, "nested.zip", "application/zip"))
    assert message.defect_kinds == {DefectKind.ARCHIVE_CUT: 1}
    assert message.incomplete and not message.content_hidden  # clamd unpacks archives itself


def test_a_damaged_archive_is_known_by_its_kind():
    message = parse_message(with_attachment(b"PK\x03\x04" + b"\x00" * 64, "broken.zip", "application/zip"))
    [attachment] = message.attachments
    assert DefectKind.ARCHIVE_DAMAGED in attachment.defect_kinds
    assert antivirus_verdict(with_attachment(b"PK\x03\x04" + b"\x00" * 64, "broken.zip", "application/zip")) \
        [1] == ["AV_UNSCANNABLE_CORRUPTED"]


def test_malformations_have_their_stdlib_like_kinds():
    head = ("From: a@example.test", "Subject: x")
    cases = {
        DefectKind.NO_BOUNDARY: raw_mail(*head, "Content-Type: multipart/mixed", body="text"),
        DefectKind.START_BOUNDARY_NOT_FOUND: raw_mail(*head, "Content-Type: multipart/mixed; boundary=b",
                                                      body="no delimiter here"),
        DefectKind.CLOSE_BOUNDARY_NOT_FOUND: raw_mail(*head, "Content-Type: multipart/mixed; boundary=b",
                                                      body="--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"),
        DefectKind.TRANSFER_ENCODING: raw_mail(*head, "Content-Transfer-Encoding: base64", body="!!!not*base64"),
        DefectKind.CHARSET: raw_mail(*head, "Content-Type: text/plain; charset=x-martian", body="hi"),
        DefectKind.DUPLICATE_FIELD: raw_mail(*head, "Subject: y", body="hi"),
    }
    for kind, raw in cases.items():
        message = parse_message(raw)
        assert kind in message.defect_kinds, (kind, message.defects)
        assert not message.incomplete, kind  # malformed, read leniently: nothing was cut
    assert parse_message(b"").defect_kinds == {DefectKind.EMPTY_MESSAGE: 1}


def test_the_facts_name_the_kinds():
    facts = parse_message(duplicate_content_types(520)).facts()
    assert facts["defect_kinds"]["structure_cut"] == 1
    assert facts["incomplete"] is True
