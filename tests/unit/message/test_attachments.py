"""Attachments: real types from bytes, hashes, archives listed without expanding them."""

from __future__ import annotations

import gzip
import hashlib
import tracemalloc
from email.message import EmailMessage

from mailgate.message import ParseLimits, parse_message
from mailgate.message.model import Attachment

from .build import (
    PE_EXECUTABLE,
    MiB,
    encrypted_zip,
    raw_mail,
    tar_gz_of,
    with_attachment,
    zeros_zip,
    zip_of,
)


def only_attachment(raw: bytes, limits: ParseLimits | None = None) -> Attachment:
    message = parse_message(raw, limits) if limits else parse_message(raw)
    assert len(message.attachments) == 1, message.attachments
    return message.attachments[0]


def test_an_executable_renamed_pdf_is_detected_by_its_bytes() -> None:
    attachment = only_attachment(with_attachment(PE_EXECUTABLE, "invoice.pdf", "application/pdf"))
    assert attachment.filename == "invoice.pdf"
    assert attachment.declared_type == "application/pdf"
    assert attachment.extension_type == "application/pdf"
    assert attachment.detected_type == "application/vnd.microsoft.portable-executable"
    assert attachment.content == PE_EXECUTABLE
    assert attachment.size == len(PE_EXECUTABLE)
    assert attachment.sha256 == hashlib.sha256(PE_EXECUTABLE).hexdigest()
    assert attachment.md5 == hashlib.md5(PE_EXECUTABLE).hexdigest()


def test_trailing_dots_and_spaces_do_not_hide_an_extension() -> None:
    attachment = only_attachment(with_attachment(PE_EXECUTABLE, "report.exe. ."))
    assert attachment.extension_type == "application/vnd.microsoft.portable-executable"


def test_rfc2231_filenames_are_decoded() -> None:
    raw = raw_mail(
        "From: a@example.test", "Content-Type: multipart/mixed; boundary=b", body=(
            "--b\r\nContent-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf\r\n\r\n%PDF-1.7\r\n"
            "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;\r\n"
            " filename*0*=iso-8859-1''r%E9sum%E9;\r\n filename*1=\".txt\"\r\n\r\nCV\r\n"
            "--b\r\nContent-Type: application/octet-stream;\r\n name=\"=?utf-8?B?0YHRh9GR0YIuZG9j?=\"\r\n"
            "\r\ndata\r\n--b--\r\n"))
    names = [a.filename for a in parse_message(raw).attachments]
    assert names == ["€ rates.pdf", "résumé.txt", "счёт.doc"]


def test_inline_images_are_attachments_marked_inline() -> None:
    message = EmailMessage()
    message["From"] = "a@example.test"
    message.set_content("text")
    message.add_alternative("<p>hi <img src='cid:logo'></p>", subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n" + bytes(50), "image", "png", cid="<logo>")
    parsed = parse_message(message.as_bytes())
    assert parsed.text_body.strip() == "text"
    assert [(a.detected_type, a.is_inline) for a in parsed.attachments] == [("image/png", True)]


def test_a_zip_is_listed_with_member_types() -> None:
    archive = zip_of({"docs/readme.txt": b"hello", "setup.exe": PE_EXECUTABLE})
    attachment = only_attachment(with_attachment(archive, "files.zip", "application/zip"))
    assert attachment.archive_kind == "zip"
    assert attachment.detected_type == "application/zip"
    members = {m.name: m for m in attachment.archive_members}
    assert members["setup.exe"].detected_type == "application/vnd.microsoft.portable-executable"
    assert members["setup.exe"].size == len(PE_EXECUTABLE)
    assert members["docs/readme.txt"].depth == 1
    assert not attachment.encrypted and not attachment.archive_bomb


def test_nested_archives_are_flattened_with_their_paths() -> None:
    inner = zip_of({"payload.exe": PE_EXECUTABLE})
    outer = zip_of({"inner.zip": inner, "note.txt": b"open inner.zip"})
    attachment = only_attachment(with_attachment(outer, "outer.zip", "application/zip"))
    names = {m.name: m.depth for m in attachment.archive_members}
    assert names == {"inner.zip": 1, "note.txt": 1, "inner.zip/payload.exe": 2}


def test_archives_nested_beyond_the_limit_are_not_opened() -> None:
    archive = zip_of({"payload.exe": PE_EXECUTABLE})
    for level in range(4):
        archive = zip_of({f"level{level}.zip": archive})
    message = parse_message(with_attachment(archive, "matryoshka.zip", "application/zip"))
    names = [m.name for m in message.attachments[0].archive_members]
    assert names == ["level3.zip", "level3.zip/level2.zip", "level3.zip/level2.zip/level1.zip"]
    assert any("archive nesting limit 3 reached" in d for d in message.defects)
    assert message.incomplete


def test_a_zip_bomb_is_flagged_from_its_listing_without_expanding_it() -> None:
    bomb = zeros_zip("zeros.bin", 100 * MiB)
    assert len(bomb) < MiB
    raw = with_attachment(bomb, "report.zip", "application/zip")
    tracemalloc.start()
    try:
        attachment = only_attachment(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert attachment.archive_bomb
    assert attachment.archive_members[0].size == 100 * MiB
    assert any(d.startswith("archive bomb: zip expands") for d in attachment.defects)
    assert peak < 10 * MiB  # nothing near the 100 MiB was inflated


def test_a_bomb_inside_another_zip_is_flagged() -> None:
    outer = zip_of({"invoice.zip": zeros_zip("zeros.bin", 100 * MiB)}, compression=0)
    attachment = only_attachment(with_attachment(outer, "outer.zip", "application/zip"))
    assert attachment.archive_bomb
    assert "invoice.zip/zeros.bin" in {m.name for m in attachment.archive_members}


def test_a_gzip_bomb_is_flagged_from_its_trailer_and_bounded_inflation() -> None:
    bomb = gzip.compress(bytes(64 * MiB), compresslevel=9)
    attachment = only_attachment(with_attachment(bomb, "data.gz", "application/gzip"))
    assert attachment.archive_kind == "gzip"
    assert attachment.archive_bomb
    assert [m.name for m in attachment.archive_members] == ["data"]


def test_an_encrypted_zip_is_flagged() -> None:
    archive = encrypted_zip("invoice.exe", PE_EXECUTABLE)
    attachment = only_attachment(with_attachment(archive, "invoice.zip", "application/zip"))
    assert attachment.encrypted
    member = attachment.archive_members[0]
    assert (member.name, member.encrypted, member.detected_type) == ("invoice.exe", True, None)


def test_an_encrypted_zip_inside_a_zip_flags_the_attachment() -> None:
    outer = zip_of({"locked.zip": encrypted_zip("a.exe", PE_EXECUTABLE)})
    attachment = only_attachment(with_attachment(outer, "outer.zip", "application/zip"))
    assert attachment.encrypted


def test_a_tar_gz_is_listed_as_one_archive() -> None:
    archive = tar_gz_of({"bin/tool": b"\x7fELF" + bytes(60), "README": b"read me"})
    attachment = only_attachment(with_attachment(archive, "tool.tar.gz", "application/gzip"))
    assert attachment.archive_kind == "gzip"
    members = {m.name: m.detected_type for m in attachment.archive_members}
    assert members == {"bin/tool": "application/x-executable", "README": "text/plain"}


def test_a_docx_is_a_document_whose_parts_are_listed() -> None:
    document = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                       "word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    attachment = only_attachment(with_attachment(document, "offer.docx", "application/octet-stream"))
    assert attachment.detected_type == "application/vnd.ms-word.document.macroEnabled.12"
    assert "word/vbaProject.bin" in {m.name for m in attachment.archive_members}


def test_an_encrypted_pdf_is_flagged() -> None:
    pdf = b"%PDF-1.6\n1 0 obj <<>> endobj\ntrailer << /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF\n"
    attachment = only_attachment(with_attachment(pdf, "statement.pdf", "application/pdf"))
    assert attachment.detected_type == "application/pdf"
    assert attachment.encrypted


def test_seven_zip_and_rar_are_recognised_and_encrypted_headers_flagged() -> None:
    rar4_locked = b"Rar!\x1a\x07\x00" + b"\x00\x00\x73\x80\x00\x0d\x00" + bytes(20)
    attachment = only_attachment(with_attachment(rar4_locked, "x.rar"))
    assert (attachment.archive_kind, attachment.encrypted) == ("rar", True)
    rar5_locked = b"Rar!\x1a\x07\x01\x00" + bytes(4) + b"\x01\x04" + bytes(20)  # archive encryption header
    assert only_attachment(with_attachment(rar5_locked, "y.rar")).encrypted
    # Start header: signature, version, CRC, then where the (here plain) next header lies.
    next_header = b"\x01\x04\x06\x00\x01\x09\x06\xf1\x07\x01"  # ... coder id 06F10701 = AES
    seven = (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(4) + (0).to_bytes(8, "little")
             + len(next_header).to_bytes(8, "little") + bytes(4) + next_header)
    attachment = only_attachment(with_attachment(seven, "x.7z"))
    assert attachment.archive_kind == "7z"
    assert attachment.detected_type == "application/x-7z-compressed"
    assert attachment.encrypted


def rar5_with_file_extra(extra: bytes) -> bytes:
    main_body = bytes([1, 0, 0])  # type 1 (main archive header), no flags
    file_body = bytes([2, 3, len(extra), 10, 0, 5, 0, 0, 0, 1]) + b"a" + extra  # type 2 (file), name "a"
    return (b"Rar!\x1a\x07\x01\x00" + bytes(4) + bytes([len(main_body)]) + main_body
            + bytes(4) + bytes([len(file_body)]) + file_body + bytes(10))


def test_encryption_of_the_first_file_in_a_rar_is_seen() -> None:
    locked = rar5_with_file_extra(b"\x03\x01\x00\x00")  # extra record type 1: file encryption
    plain = rar5_with_file_extra(b"\x03\x02\x00\x00")  # type 2: file hash
    assert only_attachment(with_attachment(locked, "a.rar")).encrypted
    assert not only_attachment(with_attachment(plain, "b.rar")).encrypted
    rar4 = (b"Rar!\x1a\x07\x00" + b"\x00\x00\x73\x00\x00\x0d\x00" + bytes(6)
            + b"\x00\x00\x74\x04\x00\x20\x00" + bytes(40))  # file header flagged encrypted (0x04)
    assert only_attachment(with_attachment(rar4, "c.rar")).encrypted


def test_damaged_archives_are_reported_not_raised() -> None:
    attachment = only_attachment(with_attachment(b"PK\x03\x04" + bytes(100), "broken.zip"))
    assert attachment.archive_kind == "zip"
    assert attachment.archive_members == ()
    assert any(d.startswith("unreadable zip") for d in attachment.defects)


def test_member_listing_is_bounded() -> None:
    archive = zip_of({f"f{index}.txt": b"x" for index in range(50)})
    raw = with_attachment(archive, "many.zip", "application/zip")
    message = parse_message(raw, ParseLimits(max_archive_members=20))
    assert len(message.attachments[0].archive_members) == 20
    assert any("archive member limit 20 reached" in d for d in message.defects)


def test_content_stays_out_of_repr_and_equality() -> None:
    attachment = only_attachment(with_attachment(PE_EXECUTABLE, "a.exe"))
    assert "content=" not in repr(attachment)
