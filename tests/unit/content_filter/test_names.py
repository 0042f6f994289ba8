"""The default expressions against the name tricks attachments use to look harmless."""

from __future__ import annotations

import pytest

from mailgate.scanners.content_filter.names import name_forms
from tests.unit.message.build import PE_EXECUTABLE

from .helpers import default_scanner, mail, matched, scan, triggered

TEXT = b"just some words\n"


def _verdict(filename: str, data: bytes = TEXT) -> list[str]:
    return triggered(scan(mail(attachments=((data, filename, "application/octet-stream"),)), default_scanner()))


def test_a_double_extension_is_caught() -> None:
    assert _verdict("invoice.pdf.exe") == ["Executables and scripts", "Double extension"]
    assert "Double extension" in _verdict("invoice.pdf                               .exe")
    assert "Double extension" in _verdict("scan.JPG.js")


def test_a_right_to_left_override_does_not_hide_the_real_extension() -> None:
    # Shown as "invoiceexe.pdf" by a bidi-aware mail program; Windows runs "invoicefdp.exe".
    name = "invoice\u202efdp.exe"
    assert name_forms(name)[1] == "invoicefdp.exe"
    assert _verdict(name) == ["Executables and scripts"]
    # Shown as "photo_gpj.scr"... reversed: the real extension is what counts.
    assert "Executables and scripts" in _verdict("photo_\u202egpj.scr")


def test_invisible_characters_inside_the_extension_are_removed() -> None:
    assert _verdict("report.e\u200bx\u200de") == ["Executables and scripts"]
    assert _verdict("report.\u2066js\u2069") == ["Executables and scripts"]


def test_trailing_dots_and_spaces_are_dropped_as_windows_drops_them() -> None:
    assert _verdict("setup.exe. . .") == ["Executables and scripts"]
    assert _verdict("setup.vbs . .") == ["Executables and scripts"]


def test_unicode_lookalikes_of_an_extension_are_caught() -> None:
    assert _verdict("invoice.\uff45\uff58\uff45") == ["Executables and scripts"]  # full-width "exe"
    assert _verdict("invoice.\u0435x\u0435") == ["Executables and scripts"]  # Cyrillic small ie for each e
    assert _verdict("invoice\u2024pdf\u2024exe") == ["Executables and scripts", "Double extension"]  # one-dot leaders


def test_a_program_named_like_a_document_is_caught_by_its_bytes() -> None:
    result = scan(mail(attachments=((PE_EXECUTABLE, "CV Maria.pdf", "application/pdf"),)), default_scanner())
    assert triggered(result) == ["Executables and scripts"]
    assert matched(result) == [("executables", "CV Maria.pdf")]


def test_a_script_with_a_harmless_name_is_caught_by_its_content() -> None:
    assert _verdict("readme.txt", b'<?xml version="1.0"?>\n<job id="a"><script language="JScript">') \
        == ["Executables and scripts"]
    assert _verdict("notes.txt", b"#@~^XAAAAA==encoded script") == ["Executables and scripts"]
    assert _verdict("page.html", b"<html><head><HTA:APPLICATION id=x></head></html>") == ["Executables and scripts"]


def test_unix_scripts_and_internet_shortcuts_pass_the_defaults() -> None:
    # Both were in the ham corpus: scripts developers mail each other, a 2002 browser bookmark.
    assert _verdict("swasort", b"#!/bin/tcsh -f\n# Sorts all folders\n") == []
    assert _verdict("Liberalism in America.url", b"[InternetShortcut]\nURL=http://x.test/\n") == []
    assert _verdict("start.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(64)) == ["Executables and scripts"]
    assert _verdict("photo.jpg", b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(64)) == ["Executables and scripts"]


@pytest.mark.parametrize("name", ["report.pdf", "photo.jpg", "budget.xlsx", "notes - v2.final.docx", "a.b.c.txt",
                                  "Счёт-фактура.pdf", "会议记录.docx", "dots...in...name.pdf", "example.com.pdf"])
def test_ordinary_names_pass(name: str) -> None:
    assert _verdict(name) == []
