"""The warning and disclaimers inside real MIME structures: every part parsed and checked afterwards."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailgate.config import Disclaimer, ModificationSettings
from mailgate.delivery.body_edit import CannotModifyBody, Insertion, insert
from mailgate.delivery.modifications import modify
from mailgate.rules.decision import DELIVER, Decision

WARNING = Insertion("Caution: <script>alert(1)</script> suspicious.", "<p class=w>Caution</p>", "top")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "ham"


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def shape(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def alternative_with_attachment() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "b@example.test", "Report"
    msg.set_content("Grüße, here is the report.\n", charset="iso-8859-1", cte="quoted-printable")
    msg.add_alternative("<html><body bgcolor=white><p>Grüße, here is the report.</p></body></html>\n",
                        subtype="html", charset="utf-8", cte="base64")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment("notes in an attached text file\n", filename="notes.txt")
    return msg


def test_warning_on_top_of_text_and_html_and_attachments_untouched() -> None:
    original = alternative_with_attachment()
    out = parse(insert(original.as_bytes(policy=email.policy.SMTP), WARNING))
    assert shape(out) == shape(original)
    plain, html_part = out.get_body(("plain",)), out.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content().startswith("Caution: <script>alert(1)</script> suspicious.\r\n\r\nGrüße")
    assert plain.get_content_charset() == "iso-8859-1" and plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert html_part.get_content().startswith("<html><body bgcolor=white><p class=w>Caution</p><p>Grüße")
    assert html_part["Content-Transfer-Encoding"] == "base64"
    attachments = {a.get_filename(): a.get_content() for a in out.iter_attachments()}
    sent = parse(original.as_bytes(policy=email.policy.SMTP))
    assert attachments == {a.get_filename(): a.get_content() for a in sent.iter_attachments()}
    assert attachments["report.pdf"] == PDF


def test_charset_that_cannot_hold_the_text_becomes_utf8() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "b@example.test", "Hi"
    msg.set_content("plain ascii body\n", charset="us-ascii", cte="7bit")
    out = parse(insert(msg.as_bytes(policy=email.policy.SMTP), Insertion("Внимание: проверьте отправителя",
                                                                         "", "top")))
    body = out.get_body(("plain",))
    assert body is not None
    assert body.get_content_charset() == "utf-8" and body["Content-Transfer-Encoding"] == "quoted-printable"
    assert body.get_content().startswith("Внимание: проверьте отправителя")
    assert body.get_content().endswith("\r\n\r\nplain ascii body\r\n")


def test_lf_single_part_html_without_body_tag_and_bottom_position() -> None:
    raw = (b"From: a@sender.test\nTo: b@example.test\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n")
    out = insert(raw, Insertion("Sent from Example Corp", "<p>Example Corp</p>", "bottom"))
    assert b"\r" not in out
    assert parse(out).get_content() == "<p>Hello</p>\n<p>Example Corp</p>\n"
    top = insert(raw, WARNING)
    assert parse(top).get_content().startswith("<p class=w>Caution</p><p>Hello</p>")


def test_related_root_is_changed_and_the_inline_image_is_not() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@sender.test", "b@example.test", "Newsletter"
    msg.set_content('<html><body><img src="cid:logo"></body></html>\n', subtype="html")
    msg.add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<logo>")
    out = parse(insert(msg.as_bytes(policy=email.policy.SMTP), WARNING))
    assert shape(out) == ["multipart/related", "text/html", "image/png"]
    parts = list(out.walk())
    assert parts[1].get_content().startswith("<html><body><p class=w>Caution</p><img")
    assert parts[2].get_content() == b"\x89PNG\r\n\x1a\nfake"


def test_attached_message_and_signed_bodies_are_left_alone() -> None:
    inner = alternative_with_attachment()
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "a@sender.test", "b@example.test", "Fwd"
    outer.set_content("see the forwarded message\n")
    outer.add_attachment(inner)
    out = parse(insert(outer.as_bytes(policy=email.policy.SMTP), WARNING))
    assert shape(out) == shape(outer)
    attached = next(out.iter_attachments()).get_content()
    assert "Caution" not in str(attached.get_body(("plain",)).get_content())
    assert out.get_body(("plain",)).get_content().startswith("Caution")
    signed = (b"From: a@sender.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
              b'protocol="application/pkcs7-signature"; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
              b"signed text\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n--b--\r\n")
    with pytest.raises(CannotModifyBody, match="no text body"):
        insert(signed, WARNING)


def test_wrong_or_unknown_charset_takes_ascii_text_byte_for_byte() -> None:
    raw = (b"From: a@sender.test\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\nbody with \xff\xfe bytes\r\n")
    out = insert(raw, Insertion("Caution", "", "top"))
    assert out.endswith(b"\r\n\r\nCaution\r\n\r\nbody with \xff\xfe bytes\r\n")
    with pytest.raises(CannotModifyBody, match="cannot be read"):
        insert(raw, Insertion("Внимание", "", "top"))


def test_malformed_base64_and_no_text_body_are_clear_errors() -> None:
    raw = (b"From: a@sender.test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all=\r\n")
    with pytest.raises(CannotModifyBody):
        insert(raw, WARNING)
    only_pdf = EmailMessage()
    only_pdf["From"] = "a@sender.test"
    only_pdf.add_attachment(PDF, maintype="application", subtype="pdf", filename="x.pdf")
    with pytest.raises(CannotModifyBody, match="no text body"):
        insert(only_pdf.as_bytes(policy=email.policy.SMTP), WARNING)


def test_disclaimer_once_per_thread_and_problems_reported_not_raised() -> None:
    settings = ModificationSettings(disclaimers=(Disclaimer(name="Legal", text="Example Corp GmbH,\nBerlin."),))
    decision = Decision(DELIVER, False, "Outgoing", "no policy violation", disclaimer="Legal")
    first, problems = modify(alternative_with_attachment().as_bytes(policy=email.policy.SMTP), decision, settings)
    assert problems == []
    parsed = parse(first)
    assert parsed.get_body(("plain",)).get_content().rstrip().endswith("Example Corp GmbH,\r\nBerlin.")
    assert "Example Corp GmbH,<br>Berlin." in parsed.get_body(("html",)).get_content()
    reply = EmailMessage()
    reply["From"], reply["Subject"] = "b@example.test", "Re: Report"
    quoted = "\n".join("> " + line for line in parsed.get_body(("plain",)).get_content().splitlines())
    reply.set_content("Thanks!\n\n" + quoted + "\n")
    again, problems = modify(reply.as_bytes(policy=email.policy.SMTP), decision, settings)
    assert problems == [] and again == reply.as_bytes(policy=email.policy.SMTP)
    gone = Decision(DELIVER, False, "Outgoing", "x", disclaimer="Removed since")
    unchanged, problems = modify(first, gone, settings)
    assert unchanged == first and problems == ["disclaimer 'Removed since' not added: it is no longer configured"]


def test_the_ham_corpus_never_breaks() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())[:200]
    if not files:
        pytest.skip("the shared corpus is not present")
    changed = 0
    for path in files:
        raw = path.read_bytes()
        before = parse(raw)
        try:
            out = insert(raw, WARNING)
        except CannotModifyBody:
            continue
        changed += 1
        after = parse(out)
        assert shape(after) == shape(before), path.name
        assert [a.get_filename() for a in after.iter_attachments()] == \
            [a.get_filename() for a in before.iter_attachments()], path.name
    assert changed >= 150
