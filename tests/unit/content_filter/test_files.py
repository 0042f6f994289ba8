"""Inside archives, Office documents and compound objects: programs, macros, encryption, disk images."""

from __future__ import annotations

import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import msgspec
import pytest

from mailgate.config import DEFAULT_CONTENT_DICTIONARIES, ContentDictionary, ContentFilterSettings
from mailgate.scanners.content_filter.scanner import ContentFilterScanner
from tests.unit.message.build import PE_EXECUTABLE, encrypted_zip, tar_gz_of, zip_of

from .helpers import condition, default_scanner, expression, mail, matched, scan, scanner, triggered
from .ole import compound_file

CLAM_TESTFILES = Path("/usr/share/clamav-testfiles")
CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def _category_scanner(dictionary: str) -> ContentFilterScanner:
    return scanner(expression(dictionary, condition("attachment_type", "dictionary", dictionary=dictionary)),
                   dictionaries=DEFAULT_CONTENT_DICTIONARIES)


def _attached(data: bytes, filename: str) -> bytes:
    return mail(attachments=((data, filename, "application/octet-stream"),))


def _word(macros: bool) -> bytes:
    members = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"}
    if macros:
        members["word/vbaProject.bin"] = compound_file({"VBA/_VBA_PROJECT": b"\xcc\x61", "VBA/dir": b"\x01"})
    return zip_of(members)


def test_a_program_inside_a_zip_is_caught_by_name_and_by_type() -> None:
    result = scan(_attached(zip_of({"docs/setup.exe": b"text", "docs/tool.dat": PE_EXECUTABLE}), "docs.zip"),
                  default_scanner())
    assert triggered(result) == ["Executables and scripts"]
    assert set(matched(result)) == {("setup.exe", "docs.zip/docs/setup.exe"), ("executables", "docs.zip/docs/tool.dat")}
    assert result.details["parts"] == ["2"]


def test_a_program_two_archives_deep_is_caught() -> None:
    inner = zip_of({"payload.scr": PE_EXECUTABLE})
    outer = zip_of({"inner.zip": tar_gz_of({"readme.txt": b"hi"}), "second/inner2.zip": inner})
    result = scan(_attached(outer, "outer.zip"), default_scanner())
    assert ("payload.scr", "outer.zip/second/inner2.zip/payload.scr") in matched(result)


def test_a_script_in_a_tarball_is_caught() -> None:
    result = scan(_attached(tar_gz_of({"run.ps1": b"Invoke-WebRequest http://x.test"}), "logs.tar.gz"),
                  default_scanner())
    assert ("run.ps1", "logs.tar.gz/run.ps1") in matched(result)


def test_an_encrypted_zip_is_flagged_and_its_member_names_still_count() -> None:
    data = encrypted_zip("invoice.js", b"var x")
    assert triggered(scan(_attached(data, "invoice.zip"), default_scanner())) == ["Executables and scripts"]
    encrypted = scan(_attached(encrypted_zip("report.pdf", b"%PDF-1.4"), "report.zip"),
                     _category_scanner("Encrypted archives and documents"))
    assert ("encrypted", "report.zip") in matched(encrypted)


def test_the_encrypted_attachment_default_only_tags_when_enabled() -> None:
    settings = ContentFilterSettings()
    enabled = tuple(msgspec.structs.replace(e, enabled=e.enabled or e.name == "Encrypted attachments")
                    for e in settings.expressions)
    filter_ = ContentFilterScanner(ContentFilterSettings(expressions=enabled, dictionaries=settings.dictionaries))
    result = scan(_attached(encrypted_zip("report.pdf", b"%PDF-1.4"), "report.zip"), filter_)
    assert triggered(result) == ["Encrypted attachments"]
    assert result.details["action"] == "skip"
    assert result.details["header_changes"]["set"] == {"X-Mailgate-Encrypted-Attachment": "yes"}
    assert triggered(scan(_attached(encrypted_zip("report.pdf", b"%PDF-1.4"), "report.zip"), default_scanner())) == []


@pytest.mark.skipif(shutil.which("7z") is None, reason="7z (p7zip-full) not installed")
def test_7z_archives_are_archives_and_header_encrypted_ones_are_encrypted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello")
    plain, locked = tmp_path / "plain.7z", tmp_path / "locked.7z"
    subprocess.run(["7z", "a", "-bd", str(plain), str(tmp_path / "a.txt")], check=True, capture_output=True)
    subprocess.run(["7z", "a", "-bd", "-psecret", "-mhe=on", str(locked), str(tmp_path / "a.txt")], check=True,
                   capture_output=True)
    assert ("archives", "plain.7z") in matched(scan(_attached(plain.read_bytes(), "plain.7z"),
                                                    _category_scanner("Archives")))
    flagged = scan(_attached(locked.read_bytes(), "locked.7z"), _category_scanner("Encrypted archives and documents"))
    assert ("encrypted", "locked.7z") in matched(flagged)


def test_disk_images_are_caught_by_signature_and_by_name() -> None:
    iso = bytearray(0x8800)
    iso[0x8001:0x8006] = b"CD001"
    assert triggered(scan(_attached(bytes(iso), "photos.dat"), default_scanner())) == ["Disk images"]
    assert triggered(scan(_attached(bytes(2048), "backup.img"), default_scanner())) == ["Disk images"]


def test_ooxml_macros_are_found_from_the_vba_project() -> None:
    macros = _category_scanner("Office documents with macros")
    assert ("office_macros", "offer.docx") in matched(scan(_attached(_word(macros=True), "offer.docx"), macros))
    assert scan(_attached(_word(macros=False), "offer.docx"), macros).verdict == "clean"


def test_a_macro_document_inside_a_zip_is_found() -> None:
    result = scan(_attached(zip_of({"offer.docm": _word(macros=True)}), "offer.zip"),
                  _category_scanner("Office documents with macros"))
    assert ("office_macros", "offer.zip/offer.docm") in matched(result)


def test_ole_macros_are_found_from_the_vba_storage() -> None:
    document = compound_file({"WordDocument": b"\xec\xa5", "Macros/VBA/_VBA_PROJECT": b"\xcc\x61",
                              "Macros/VBA/dir": b"\x01", "Macros/PROJECT": b'ID="{1}"'})
    macros = _category_scanner("Office documents with macros")
    assert ("office_macros", "order.doc") in matched(scan(_attached(document, "order.doc"), macros))
    plain = compound_file({"WordDocument": b"\xec\xa5", "1Table": b"\x00"})
    assert scan(_attached(plain, "order.doc"), macros).verdict == "clean"


@pytest.mark.skipif(not (CLAM_TESTFILES / "clam.ole.doc").exists(), reason="clamav-testfiles not installed")
def test_a_real_word_97_document_is_an_office_document_without_macros() -> None:
    data = (CLAM_TESTFILES / "clam.ole.doc").read_bytes()
    office = ContentDictionary(name="Office", type="file_types", categories=("office_documents",))
    documents = scanner(expression("Docs", condition("attachment_type", "dictionary", dictionary="Office")),
                        dictionaries=(office,))
    assert ("office_documents", "clam.doc") in matched(scan(_attached(data, "clam.doc"), documents))
    assert scan(_attached(data, "clam.doc"), _category_scanner("Office documents with macros")).verdict == "clean"


def test_macros_from_outside_is_an_expression_the_administrator_enables() -> None:
    settings = ContentFilterSettings()
    [macros] = [e for e in settings.expressions if e.name == "Office macros from outside"]
    assert macros.enabled is False
    filter_ = ContentFilterScanner(ContentFilterSettings(
        expressions=(msgspec.structs.replace(macros, enabled=True),),
        dictionaries=settings.dictionaries))
    outside = mail(sender="x@outside.test", attachments=((_word(macros=True), "offer.docm", "application/zip"),))
    assert triggered(scan(outside, filter_, mail_from="x@outside.test")) == ["Office macros from outside"]
    inside = mail(sender="x@example.com", attachments=((_word(macros=True), "offer.docm", "application/zip"),))
    assert triggered(scan(inside, filter_, mail_from="x@example.com")) == []


def test_attachments_of_an_attached_outlook_message_are_seen() -> None:
    msg = compound_file({
        "__substg1.0_0037001F": "Invoice".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_3707001F": "statement.pdf.exe".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_37010102": PE_EXECUTABLE,
    })
    result = scan(_attached(msg, "fwd.msg"), default_scanner())
    assert triggered(result) == ["Executables and scripts", "Double extension"]
    assert ("executables", "fwd.msg/statement.pdf.exe") in matched(result)


def test_a_program_packaged_inside_a_word_document_is_seen() -> None:
    native = b"\x00\x00\x00\x00\x02\x00" + b"invoice.pdf.exe\x00" + b"C:\\Users\\a\\invoice.pdf.exe\x00" + bytes(8)
    document = compound_file({"WordDocument": b"\xec\xa5", "ObjectPool/_1712/\x01Ole10Native": native})
    result = scan(_attached(document, "letter.doc"), default_scanner())
    assert ("invoice.pdf.exe", "letter.doc/invoice.pdf.exe") in matched(result)
    assert result.details["parts"] == ["2"]


def test_attachments_of_an_attached_mime_message_have_their_own_parts() -> None:
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("see attachment")
    inner.add_attachment(PE_EXECUTABLE, maintype="application", subtype="octet-stream", filename="tool.exe")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "a@partner.test", "bob@corp.test", "fwd"
    outer.set_content("below")
    outer.add_attachment(inner)
    result = scan(outer.as_bytes(), default_scanner())
    assert result.details["parts"] == ["2.2"]
