"""Delete attachment: the named parts leave, a notice arrives, every other part is byte-for-byte intact."""

from __future__ import annotations

import email
import email.policy
import random
from email.message import EmailMessage

import pytest

from mailgate.delivery.part_removal import CannotRemoveParts, removal_notice, remove_parts
from mailgate.message import parse_message
from tests.unit.message.build import PE_EXECUTABLE, base64_lines, many_parts, zip_of

NOTICE = removal_notice([("invoice.exe", "Content Filtering: Executables and scripts")])
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def _business_mail() -> EmailMessage:
    """Text in UTF-8 quoted-printable with an HTML alternative, a PDF and a program attached."""
    message = EmailMessage()
    message["From"] = "Jürgen <juergen@partner.test>"
    message["To"] = "ap@corp.test"
    message["Subject"] = "Rechnung März"
    message.set_content("Guten Tag,\nanbei die Rechnung für März - mit Grüßen.\n", cte="quoted-printable")
    message.add_alternative("<p>Guten Tag, anbei die Rechnung f&uuml;r M&auml;rz.</p>", subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="rechnung.pdf")
    message.add_attachment(PE_EXECUTABLE, maintype="application", subtype="octet-stream", filename="invoice.exe")
    return message


def _part_of(raw: bytes, filename: str) -> str:
    return next(a.part_path for a in parse_message(raw).attachments if a.filename == filename)


def _stdlib(raw: bytes) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    for part in parsed.walk():
        assert not [d for d in part.defects if "Boundary" in type(d).__name__ or "Multipart" in type(d).__name__], \
            part.defects
    return parsed


def _notices(parsed: email.message.EmailMessage) -> list[str]:
    return [part.get_content() for part in parsed.walk()
            if part.get_content_type() == "text/plain" and "removed the following attachments" in part.get_content()]


def test_removing_a_program_keeps_body_and_pdf_and_adds_one_notice() -> None:
    raw = _business_mail().as_bytes()
    result = remove_parts(raw, {_part_of(raw, "invoice.exe")}, NOTICE)

    message = parse_message(result)
    assert [a.filename for a in message.attachments] == ["rechnung.pdf"]
    assert "invoice.exe: Content Filtering" in message.text_body  # the notice reads as body text
    pdf = parse_message(raw).attachments[0]
    assert message.attachments[0].sha256 == pdf.sha256
    assert "Rechnung für März - mit Grüßen" in message.text_body
    assert "Rechnung für März" in message.html_text
    parsed = _stdlib(result)
    assert parsed["Subject"] == "Rechnung März"
    [notice] = _notices(parsed)
    assert "invoice.exe: Content Filtering: Executables and scripts" in notice
    notice_part = next(p for p in parsed.walk() if p.get_content_type() == "text/plain" and "invoice.exe" in
                       p.get_content())
    assert notice_part.get_content_charset() == "utf-8"
    assert notice_part.get_content_disposition() == "inline"
    assert b"invoice.exe\"" not in result.split(b"removed the following")[0]  # the program's headers are gone


def test_remaining_parts_keep_their_exact_bytes() -> None:
    latin1 = "Grüße aus Köln".encode("latin-1")
    raw = (b"From: a@partner.test\r\nTo: b@corp.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\npreamble\r\n'
           b"--outer\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           + latin1 + b"\r\n"
           b"--outer\r\nContent-Type: application/octet-stream; name=run.exe\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(PE_EXECUTABLE).encode() + b"\r\n"
           b"--outer\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64_lines(PDF).encode() + b"\r\n--outer--\r\nepilogue\r\n")
    result = remove_parts(raw, {"2"}, NOTICE)

    text_part = raw[raw.index(b"--outer\r\nContent-Type: text/plain"):raw.index(b"--outer\r\nContent-Type: app")]
    pdf_part = raw[raw.index(b"--outer\r\nContent-Type: application/pdf"):raw.index(b"--outer--")]
    assert text_part in result
    assert pdf_part in result
    assert b"run.exe" not in result
    assert result.startswith(raw[:raw.index(b"--outer\r\n")])  # headers and preamble untouched
    assert result.endswith(b"--outer--\r\nepilogue\r\n")
    message = parse_message(result)
    assert message.text_body.startswith("Grüße aus Köln")
    assert [a.filename for a in message.attachments] == ["a.pdf"]
    assert not [d for d in message.defects if "boundary" in d]


def test_a_single_part_attachment_message_becomes_the_notice() -> None:
    raw = (b"From: a@partner.test\r\nTo: b@corp.test\r\nSubject: scan\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: application/octet-stream; name="scan.exe"\r\nContent-Transfer-Encoding: base64\r\n'
           b'Content-Disposition: attachment; filename="scan.exe"\r\n\r\n' + base64_lines(PE_EXECUTABLE).encode()
           + b"\r\n")
    assert _part_of(raw, "scan.exe") == "1"
    result = remove_parts(raw, {"1"}, NOTICE)

    parsed = _stdlib(result)
    assert parsed["Subject"] == "scan"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert "invoice.exe" in parsed.get_content()
    assert parse_message(result).attachments == ()
    assert result.count(b"Content-Type") == 1


def test_a_top_level_that_is_not_mixed_is_wrapped_beside_the_notice() -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@partner.test", "b@corp.test", "newsletter"
    message.set_content("<p>Hello <img src='cid:logo'></p>", subtype="html")
    message.add_related(PE_EXECUTABLE, maintype="image", subtype="png", cid="<logo>", filename="logo.png")
    raw = message.as_bytes()
    assert message.get_content_type() == "multipart/related"
    result = remove_parts(raw, {_part_of(raw, "logo.png")}, NOTICE)

    parsed = _stdlib(result)
    assert parsed.get_content_type() == "multipart/mixed"
    first, notice = parsed.iter_parts()
    assert first.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/html"]
    assert "invoice.exe" in notice.get_content()
    assert parsed["Subject"] == "newsletter"
    assert parse_message(result).html_text == "Hello"


def test_an_attachment_inside_an_attached_message_goes_and_the_attached_text_stays() -> None:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "c@third.test", "forwarded"
    inner.set_content("the forwarded words")
    inner.add_attachment(zip_of({"a.exe": PE_EXECUTABLE}), maintype="application", subtype="zip",
                         filename="a.zip")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "a@partner.test", "b@corp.test", "fwd"
    outer.set_content("see below")
    outer.add_attachment(inner)
    raw = outer.as_bytes()
    path = _part_of(raw, "a.zip")
    assert path == "2.2"
    result = remove_parts(raw, {path}, NOTICE)

    message = parse_message(result)
    assert "the forwarded words" in message.text_body
    assert "see below" in message.text_body
    assert message.attachments == ()
    forwarded = next(p for p in _stdlib(result).walk() if p.get_content_type() == "message/rfc822")
    assert forwarded.get_content()["Subject"] == "forwarded"


def test_a_multipart_left_empty_goes_with_its_last_part() -> None:
    raw = (b"From: a@partner.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
           b"--o\r\nContent-Type: text/plain\r\n\r\nbody text\r\n"
           b"--o\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
           b"--i\r\nContent-Type: application/x-msdownload; name=a.exe\r\n\r\nMZ1\r\n"
           b"--i\r\nContent-Type: application/x-msdownload; name=b.exe\r\n\r\nMZ2\r\n--i--\r\n"
           b"--o--\r\n")
    message = parse_message(raw)
    paths = {a.part_path for a in message.attachments}
    assert paths == {"2.1", "2.2"}
    result = remove_parts(raw, paths, NOTICE)

    assert b"boundary=i" not in result
    parsed = _stdlib(result)
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/plain"]
    assert parse_message(result).text_body.startswith("body text")


def test_lf_only_messages_stay_lf_only() -> None:
    raw = _business_mail().as_bytes().replace(b"\r\n", b"\n")
    assert b"\r" not in raw
    result = remove_parts(raw, {_part_of(raw, "invoice.exe")}, NOTICE)
    assert b"\r" not in result
    assert len(_notices(_stdlib(result))) == 1


def test_an_unclosed_multipart_gets_the_notice_and_a_close_delimiter() -> None:
    raw = (b"From: a@partner.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
           b"--o\r\nContent-Type: text/plain\r\n\r\nbody text\r\n"
           b"--o\r\nContent-Type: application/octet-stream; name=a.exe\r\n\r\nMZ\r\n")
    result = remove_parts(raw, {"2"}, NOTICE)
    assert result.rstrip().endswith(b"--o--")
    message = parse_message(result)
    assert message.text_body.startswith("body text")
    assert not [d for d in message.defects if "close boundary" in d]
    assert len(_notices(_stdlib(result))) == 1


def test_a_notice_line_that_reads_like_the_boundary_is_encoded_safely() -> None:
    raw = (b"From: a@partner.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
           b"--o\r\nContent-Type: text/plain\r\n\r\nbody\r\n--o\r\nContent-Type: application/zip; name=a.zip\r\n"
           b"\r\nPK\r\n--o--\r\n")
    result = remove_parts(raw, {"2"}, "removed:\n--o--\nthat was a boundary line\n")
    parsed = _stdlib(result)
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/plain"]
    assert "--o--\nthat was a boundary line" in list(parsed.iter_parts())[1].get_content()


def test_removing_half_of_two_thousand_parts() -> None:
    raw = many_parts(2000)
    odd = {str(index) for index in range(1, 2001, 2)}
    result = remove_parts(raw, odd, NOTICE)
    parsed = _stdlib(result)
    texts = [p.get_content().strip() for p in parsed.iter_parts()]
    assert texts[:-1] == [f"part {index}" for index in range(1, 2000, 2)]
    assert "invoice.exe" in texts[-1]


def test_a_path_the_message_does_not_have_is_refused() -> None:
    raw = _business_mail().as_bytes()
    with pytest.raises(CannotRemoveParts, match="no part 9"):
        remove_parts(raw, {"9"}, NOTICE)
    with pytest.raises(CannotRemoveParts):
        remove_parts(raw, set(), NOTICE)


def test_a_part_inside_a_base64_encoded_attached_message_is_refused_but_the_whole_message_can_go() -> None:
    inner = b"From: c@third.test\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\nhi\r\n" \
            b"--i\r\nContent-Type: application/octet-stream; name=a.exe\r\n\r\nMZ\r\n--i--\r\n"
    raw = (b"From: a@partner.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
           b"--o\r\nContent-Type: text/plain\r\n\r\nouter\r\n"
           b"--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64_lines(inner).encode() + b"\r\n--o--\r\n")
    assert _part_of(raw, "a.exe") == "2.2"
    with pytest.raises(CannotRemoveParts, match="encoded attached message"):
        remove_parts(raw, {"2.2"}, NOTICE)
    result = remove_parts(raw, {"2"}, NOTICE)
    assert parse_message(result).text_body.startswith("outer")
    assert b"message/rfc822" not in result


def test_damaged_messages_end_in_a_result_or_a_refusal_never_another_error() -> None:
    original = _business_mail().as_bytes()
    path = _part_of(original, "invoice.exe")
    generator = random.Random(2045)
    outcomes = {"removed": 0, "refused": 0}
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(generator.randint(1, 20)):
            at = generator.randrange(len(damaged))
            damaged[at:at + generator.randint(0, 40)] = generator.randbytes(generator.randint(0, 10))
        try:
            result = remove_parts(bytes(damaged), {path}, NOTICE)
        except CannotRemoveParts:
            outcomes["refused"] += 1
            continue
        outcomes["removed"] += 1
        parse_message(result)
    assert outcomes["removed"] > 0
    assert outcomes["refused"] > 0
