"""What a recipient finds in a delivered copy that a rule tagged, warned about or gave a disclaimer: every part
of hand-written and generated messages parsed again and checked, and every byte we had no reason to touch
still in place."""

from __future__ import annotations

import base64
import email
import email.policy
import quopri
from email.message import EmailMessage

import pytest

from mailgate.config import Disclaimer, ModificationSettings
from mailgate.delivery.body_edit import MAX_PART_BYTES, CannotModifyBody, Insertion, html_from_text, insert
from mailgate.delivery.modifications import modify, warning_insertion
from mailgate.delivery.subject_tag import tag_subject
from mailgate.rules.decision import DELIVER, Decision

SETTINGS = ModificationSettings(
    warning_text="Caution: <script>alert(1)</script> may not be from who it claims.",
    disclaimers=(Disclaimer(name="Legal", text="Example Corp GmbH, Berlin. Confidential."),
                 Disclaimer(name="Branded", text="Example Corp GmbH",
                            html='<table><tr><td><b>Example&nbsp;Corp</b> &mdash; Berlin</td></tr></table>',
                            position="top")),
)
WARNING = warning_insertion(SETTINGS)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def shape(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def leaves(msg: EmailMessage) -> list[EmailMessage]:
    return [part for part in msg.walk() if not part.is_multipart()]


def segments(raw: bytes, boundary: bytes) -> list[bytes]:
    """The message cut at its delimiter lines: the preamble, each part's bytes, the epilogue."""
    return raw.split(b"--" + boundary)


def hand_written_alternative(newline: bytes) -> bytes:
    """A quoted-printable Latin-1 text part and a base64 UTF-8 HTML part, as a mail client writes them."""
    html = "<html><head><title>t</title></head>\n<BODY class=\"m\">\n<p>Grüße aus Köln</p>\n</BODY></html>\n"
    lines = [
        b"From: Anna <anna@sender.test>", b"To: bob@example.test", b"Subject: Treffen", b"MIME-Version: 1.0",
        b'Content-Type: multipart/alternative; boundary="=_alt"', b"", b"This is a MIME message.", b"--=_alt",
        b"Content-Type: text/plain; charset=iso-8859-1", b"Content-Transfer-Encoding: quoted-printable", b"",
        b"Gr=FC=DFe aus K=F6ln,", b"bis morgen.", b"--=_alt",
        b"Content-Type: text/html; charset=utf-8", b"Content-Transfer-Encoding: base64", b"",
        *base64.encodebytes(html.encode()).rstrip(b"\n").split(b"\n"), b"--=_alt--", b"",
    ]
    return newline.join(lines)


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_warning_tops_both_alternatives_and_nothing_else_moves(newline: bytes) -> None:
    raw = hand_written_alternative(newline)
    out = insert(raw, WARNING)
    assert (b"\r\n" in out) == (newline == b"\r\n") and out.count(b"\n") > raw.count(b"\n")
    before, after = segments(raw, b"=_alt"), segments(out, b"=_alt")
    assert len(after) == len(before)
    assert after[0] == before[0] and after[-1] == before[-1]  # header block, preamble, close delimiter
    plain, html_part = parse(out).get_body(("plain",)), parse(out).get_body(("html",))
    assert plain is not None and html_part is not None
    nl = newline.decode()
    assert plain.get_content() == (f"Caution: <script>alert(1)</script> may not be from who it claims.{nl}{nl}"
                                   f"Grüße aus Köln,{nl}bis morgen.")  # the last break is the delimiter's
    assert plain.get_content_charset() == "iso-8859-1" and plain["Content-Transfer-Encoding"] == "quoted-printable"
    html = html_part.get_content()
    assert html_part["Content-Transfer-Encoding"] == "base64" and html_part.get_content_charset() == "utf-8"
    assert html.startswith('<html><head><title>t</title></head>\n<BODY class="m"><div ')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html  # shown, never run
    assert html.endswith("</div>\n<p>Grüße aus Köln</p>\n</BODY></html>\n")


def test_text_that_latin1_cannot_hold_turns_that_part_to_utf8() -> None:
    raw = hand_written_alternative(b"\r\n")
    out = insert(raw, Insertion("Осторожно: письмо подозрительное", "<p>Осторожно</p>", "top"))
    msg = parse(out)
    plain, html_part = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content_charset() == "utf-8" and plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().startswith("Осторожно: письмо подозрительное\r\n\r\nGrüße aus Köln,")
    assert html_part.get_content_charset() == "utf-8" and "<p>Осторожно</p>" in html_part.get_content()
    assert shape(msg) == ["multipart/alternative", "text/plain", "text/html"]


def mixed_with_everything() -> EmailMessage:
    """mixed[alternative[plain, related[html, image]], pdf, attached text file, forwarded message]."""
    forwarded = EmailMessage()
    forwarded["From"], forwarded["Subject"] = "carol@elsewhere.test", "Original"
    forwarded.set_content("the forwarded body\n")
    forwarded.add_alternative("<html><body><p>the forwarded body</p></body></html>\n", subtype="html")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "anna@sender.test", "bob@example.test", "Everything"
    msg.set_content("Hello Bob,\nsee attached.\n")
    msg.add_alternative('<html><body><p>Hello Bob</p><img src="cid:logo"></body></html>\n', subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<logo>")
    msg.make_mixed()
    msg.add_attachment(b"%PDF-1.4\n" + bytes(range(256)), maintype="application", subtype="pdf",
                       filename="offer.pdf")
    msg.add_attachment("text in an attached file\n", filename="notes.txt")
    msg.add_attachment(forwarded)
    return msg


def test_attachments_resources_and_attached_messages_arrive_unchanged() -> None:
    original = mixed_with_everything()
    raw = original.as_bytes(policy=email.policy.SMTP)
    out = parse(insert(raw, WARNING))
    assert shape(out) == shape(parse(raw))
    changed = [i for i, (a, b) in enumerate(zip(leaves(parse(raw)), leaves(out), strict=True))
               if a.get_payload(decode=True) != b.get_payload(decode=True)]
    assert [leaves(out)[i].get_content_type() for i in changed] == ["text/plain", "text/html"]
    plain, html_part = out.get_body(("plain",)), out.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content().startswith("Caution: <script>")
    assert html_part.get_content().startswith("<html><body><div ")
    forwarded = next(p for p in out.iter_attachments() if p.get_content_type() == "message/rfc822")
    assert "Caution" not in forwarded.as_string()


def test_disclaimer_goes_at_the_bottom_of_text_and_before_the_closing_body_tag() -> None:
    raw = mixed_with_everything().as_bytes(policy=email.policy.SMTP)
    decision = Decision(DELIVER, False, "Outgoing", "no policy violation", disclaimer="Legal")
    out, problems = modify(raw, decision, SETTINGS)
    assert problems == []
    msg = parse(out)
    plain, html_part = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content() == "Hello Bob,\r\nsee attached.\r\n\r\nExample Corp GmbH, Berlin. Confidential.\r\n"
    assert html_part.get_content().endswith(
        '<img src="cid:logo">' + html_from_text("Example Corp GmbH, Berlin. Confidential.") + "</body></html>\r\n")


def test_html_only_thread_with_a_custom_html_disclaimer_gets_it_once() -> None:
    first = (b"From: anna@example.test\r\nTo: x@partner.test\r\nSubject: Offer\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Our offer.</p></body></html>\r\n")
    decision = Decision(DELIVER, False, "Outgoing", "no policy violation", disclaimer="Branded")
    sent, problems = modify(first, decision, SETTINGS)
    assert problems == []
    body = parse(sent).get_content()
    assert body.startswith("<html><body><table>") and body.count("Example&nbsp;Corp") == 1
    reply_html = f"<html><body><p>Accepted.</p><blockquote>{body}</blockquote></body></html>\r\n"
    reply = (b"From: x@partner.test\r\nTo: anna@example.test\r\nSubject: Re: Offer\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: text/html; charset=utf-8\r\n\r\n" + reply_html.encode())
    again, problems = modify(reply, decision, SETTINGS)
    assert problems == [] and again == reply


def test_quoted_plain_reply_keeps_one_disclaimer_even_rewrapped() -> None:
    reply = EmailMessage()
    reply["From"], reply["Subject"] = "x@partner.test", "Re: Offer"
    reply.set_content("Fine.\n\n> Our offer.\n>\n> EXAMPLE CORP GmbH,\n> Berlin.   Confidential.\n")
    raw = reply.as_bytes(policy=email.policy.SMTP)
    decision = Decision(DELIVER, False, "Outgoing", "no policy violation", disclaimer="Legal")
    assert modify(raw, decision, SETTINGS) == (raw, [])


def test_everything_at_once_and_a_body_without_text_is_reported_not_fatal() -> None:
    decision = Decision(DELIVER, False, "Suspicious", "probable spam", subject_tags=("[Probable spam]",),
                        insecure_warning=True, disclaimer="Legal")
    raw = hand_written_alternative(b"\r\n")
    out, problems = modify(raw, decision, SETTINGS)
    msg = parse(out)
    assert problems == [] and msg["Subject"] == "[Probable spam] Treffen"
    plain = msg.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert text.startswith("Caution:") and text.rstrip().endswith("Berlin. Confidential.")
    image_only = EmailMessage()
    image_only["From"], image_only["Subject"] = "anna@sender.test", "Scan"
    image_only.set_content(PNG, maintype="image", subtype="png")
    raw = image_only.as_bytes(policy=email.policy.SMTP)
    out, problems = modify(raw, decision, SETTINGS)
    assert parse(out)["Subject"] == "[Probable spam] Scan" and parse(out).get_content() == PNG
    assert problems == ["insecure-message warning not added: the message has no text body to add to",
                        "disclaimer 'Legal' not added: the message has no text body to add to"]


def test_long_subject_is_folded_not_lengthened_past_78_characters() -> None:
    subject = b"Quarterly figures for the northern region, second revision, final v3"
    raw = b"From: a@sender.test\r\nSubject: " + subject + b"\r\n\r\nHello.\r\n"
    out = tag_subject(raw, ["[Probable spam]"])
    assert all(len(line) <= 78 for line in out.split(b"\r\n"))
    assert parse(out)["Subject"] == "[Probable spam] " + subject.decode()
    assert tag_subject(out, ["[Probable spam]"]) == out
    encoded = b"Subject: =?utf-8?q?Quartalszahlen_f=C3=BCr_die_Region_Nord=2C_zweite_Fassung_fin?=\r\n"
    out = tag_subject(b"From: a@sender.test\r\n" + encoded + b"\r\nHello.\r\n", ["[Спам]"])
    assert all(len(line) <= 78 for line in out.split(b"\r\n"))
    assert parse(out)["Subject"] == "[Спам] Quartalszahlen für die Region Nord, zweite Fassung fin"


def test_several_subject_fields_only_the_first_is_tagged_and_a_field_without_colon_is_ignored() -> None:
    raw = b"Subject\r\nFrom: a@sender.test\r\nSubject: one\r\nSubject: two\r\n\r\nx\r\n"
    assert tag_subject(raw, ["[Spam]"]) == raw.replace(b"Subject: one", b"Subject: [Spam] one")


def test_a_long_administrator_line_in_an_unencoded_part_switches_it_to_quoted_printable() -> None:
    raw = (b"From: a@sender.test\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n"
           b"Content-Transfer-Encoding: 7bit\r\n\r\n<html><body><p>Hi</p></body></html>\r\n")
    banner = "<div>" + "Example Corp, legal notice. " * 60 + "</div>"
    out = insert(raw, Insertion("notice", banner, "bottom"))
    assert max(len(line) for line in out.split(b"\r\n")) <= 78
    part = parse(out)
    assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert part.get_content() == f"<html><body><p>Hi</p>{banner}</body></html>\r\n"


def test_unknown_8bit_charset_takes_ascii_text_byte_for_byte() -> None:
    body = b"Gr\xfc\xdfe \x81\x8d\r\n"
    raw = (b"From: a@sender.test\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quopri.encodestring(body[:-2]) + b"\r\n")
    out = insert(raw, Insertion("External sender.", "", "top"))
    assert parse(out).get_payload(decode=True) == b"External sender.\r\n\r\n" + body
    assert parse(out).get_content_charset() == "unknown-8bit"


@pytest.mark.parametrize(("raw", "reason"), [
    (b"Received: by a\r\nFrom\r\n : <spoof@attacker.test>\r\nFrom: a@b.test\r\n\r\nhello\r\n", "blank line"),
    (b"From: a@sender.test\r\nContent-Type: text/plain\r\n", "blank line"),
    (b"From: a@sender.test\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n" + "hi".encode("utf-16-le") + b"\x00",
     "cannot be read"),
    (b"From: a@sender.test\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: uuencode\r\n\r\nbegin\r\n",
     "transfer encoding"),
    (b"From: a@sender.test\r\nContent-Type: text/plain\r\n\r\n" + b"x" * (MAX_PART_BYTES + 1), "larger than"),
    (b"From: a@sender.test\r\n" + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                                           for i in range(3000)) + b"Content-Type: text/plain\r\n\r\nhi\r\n",
     "unexpected structure"),
    (b"From: a@sender.test\r\nContent-Type: multipart/alternative\r\n\r\n--x\r\n\r\nno boundary\r\n--x--\r\n",
     "no text body"),
], ids=["stray-header-line", "no-body", "utf-16", "uuencode", "too-large", "deep-nesting", "no-boundary"])
def test_unsafe_bodies_are_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(CannotModifyBody, match=reason):
        insert(raw, WARNING)
