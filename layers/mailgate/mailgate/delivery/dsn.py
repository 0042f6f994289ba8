"""Bounces: RFC 3464 delivery status notifications telling a sender their message did not arrive.

A bounce returns the original's headers, never its body: a gateway that sends back what it refused
would reflect malware and spam to whoever the sender address names, often a forged one. It is
sent with a null envelope sender, so it can never itself bounce, and `should_bounce` keeps us from
answering bounces and mailer daemons, which is how bounce loops start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime

# Report fields must not be folded into encoded words; SMTP's own limit is 998 octets a line.
_POLICY = policy.SMTP.clone(max_line_length=998)
_UTF8_POLICY = _POLICY.clone(utf8=True)  # a sender address that is not ASCII (RFC 6532)
_MAX_HEADER_BYTES = 64 * 1024  # returned headers beyond this are cut: enough to identify a message
_LOOP_LOCAL_PARTS = frozenset({"mailer-daemon", "mailerdaemon", "mailer_daemon", "postmaster"})
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_SMTP_REPLY = re.compile(r"^[245]\d\d(?:[ -]|$)")
_MESSAGE_ID = re.compile(r"^<[^<>\s]+>$")
_XTEXT_SAFE = frozenset(chr(c) for c in range(0x21, 0x7F)) - {"+", "=", "\\"}


def header_section(original: bytes) -> bytes:
    """The original's header block (without the blank line), cut at a line end if it is huge."""
    ends = [i for i in (original.find(b"\r\n\r\n"), original.find(b"\n\n")) if i >= 0]
    head = original[: min(ends)] if ends else original
    if len(head) > _MAX_HEADER_BYTES:
        head = head[:_MAX_HEADER_BYTES]
        head = head[: head.rfind(b"\n") + 1 or len(head)]
    return head.rstrip(b"\r\n")


def headers_of(original: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(header_section(original) + b"\r\n\r\n",
                                                           headersonly=True)
    assert isinstance(parsed, EmailMessage)  # policy.default builds EmailMessage
    return parsed


def _bare_address(mail_from: str) -> str:
    return mail_from.strip().removeprefix("<").removesuffix(">").strip()


def should_bounce(mail_from: str, original: bytes | None = None) -> bool:
    """Whether a failure may be reported to `mail_from` with a bounce.

    Never to the null sender (the original is itself a bounce), never to a mailer daemon or
    postmaster address (two daemons bouncing at each other loop forever), and, when the original is
    given, never for an automatic message (Auto-Submitted other than "no") or a report
    (multipart/report: a DSN, read receipt or abuse report).
    """
    address = _bare_address(mail_from)
    if not address:
        return False
    local_part = address.rpartition("@")[0] or address
    if local_part.lower() in _LOOP_LOCAL_PARTS:
        return False
    if original is None:
        return True
    headers = headers_of(original)
    auto = str(headers.get("Auto-Submitted", "no")).split(";", 1)[0].strip().lower()
    return auto == "no" and headers.get_content_type() != "multipart/report"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ascii(text: str) -> str:
    return _one_line(text).encode("ascii", "replace").decode("ascii")


def _address_field(address: str) -> str:
    """An address for Final-Recipient: "rfc822; a@b", or RFC 6533's "utf-8" type when not ASCII."""
    if address.isascii():
        return f"rfc822; {address}"
    return "utf-8; " + "".join(c if c in _XTEXT_SAFE else f"\\x{{{ord(c):X}}}" for c in address)


def _diagnostic_field(text: str) -> str:
    """A server's reply is reported as one ("smtp; 550 5.1.1 ..."); our own reasons as ours."""
    text = _ascii(text)
    return f"smtp; {text}" if _SMTP_REPLY.match(text) else f"X-Mailgate; {text}"


def _arrival_date(headers: EmailMessage, fallback: datetime) -> datetime:
    """When the message reached us: the date of its topmost Received header, else `fallback`."""
    received = headers.get_all("Received") or []
    if received:
        try:
            return parsedate_to_datetime(str(received[0]).rpartition(";")[2].strip())
        except (TypeError, ValueError):
            pass
    return fallback


def _block(fields: list[tuple[str, str]]) -> Message:
    block = Message(policy=_POLICY)
    for name, value in fields:
        block[name] = value
    return block


def _status_part(failed: Mapping[str, tuple[str, str]], reporting_mta: str,
                 arrival: datetime) -> EmailMessage:
    blocks: list[Message | str] = [_block([("Reporting-MTA", f"dns; {_ascii(reporting_mta)}"),
                      ("Arrival-Date", format_datetime(arrival))])]
    for rcpt, (status, diagnostic) in failed.items():
        blocks.append(_block([
            ("Final-Recipient", _address_field(rcpt)),
            ("Action", "failed"),
            ("Status", status if _STATUS.match(status) else "5.0.0"),
            ("Diagnostic-Code", _diagnostic_field(diagnostic)),
        ]))
    part = EmailMessage(policy=_POLICY)
    part["Content-Type"] = "message/delivery-status"
    part["Content-Description"] = "Delivery report"
    part.set_payload(blocks)  # the generator writes each block as a header group (RFC 3464 §2.1)
    return part


def _human_text(failed: Mapping[str, tuple[str, str]], reason: str, reporting_mta: str,
                subject: str) -> str:
    lines = [
        f"This is the mail gateway at {reporting_mta}.",
        "",
        "Your message could not be delivered to the following recipient(s):",
        "",
        *(f"    {rcpt}: {_one_line(diagnostic)}" for rcpt, (_, diagnostic) in failed.items()),
        "",
        f"Reason: {_one_line(reason)}",
        "",
    ]
    if subject:
        lines += [f"Subject of your message: {subject}", ""]
    lines += [
        "The headers of your message are attached so you can identify it. The message itself is",
        "not returned. If you think this is a mistake, contact the recipient by another way.",
    ]
    return "\n".join(lines) + "\n"


def build_bounce(
        original: bytes, mail_from_of_original: str, failed: Mapping[str, tuple[str, str]],
        reporting_mta: str, bounce_from: str, reason: str, *,
        arrival_date: datetime | None = None) -> bytes:
    """The bounce for `failed` (recipient → (status like "5.7.1", diagnostic text)), as bytes.

    Send it from the null sender ("") to `mail_from_of_original`; check `should_bounce` first.
    """
    if not failed:
        raise ValueError("a bounce needs at least one failed recipient")
    now = datetime.now(UTC)
    headers = headers_of(original)
    sender = _bare_address(mail_from_of_original)
    subject = _one_line(str(headers.get("Subject", "")))[:200]

    msg = EmailMessage(policy=_POLICY if sender.isascii() else _UTF8_POLICY)
    msg["From"] = f"Mail Delivery System <{bounce_from}>"
    msg["To"] = sender
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid("bounce", domain=reporting_mta)
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: marks it automatic, so nobody answers it
    original_id = str(headers.get("Message-ID", "")).strip()
    if _MESSAGE_ID.match(original_id):
        msg["In-Reply-To"] = original_id
        msg["References"] = original_id
    msg.set_content(_human_text(failed, reason, reporting_mta, subject))
    msg["Content-Description"] = "Notification"
    msg.make_mixed()  # moves the text and its Content-* headers into the first part
    msg.set_type("multipart/report")
    msg.set_param("report-type", "delivery-status")

    msg.attach(_status_part(failed, reporting_mta, arrival_date or _arrival_date(headers, now)))
    returned = EmailMessage(policy=_POLICY)
    returned.set_content(header_section(original).decode("utf-8", "replace") + "\n",
                         subtype="rfc822-headers")
    del returned["MIME-Version"]  # a body part, not a message
    returned["Content-Description"] = "Undelivered message headers"
    msg.attach(returned)
    return msg.as_bytes()
