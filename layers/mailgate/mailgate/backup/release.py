"""What a release from Backup delivers, made from the kept original: pure, no AWS.

*As is*: the original bytes with our fields on top: `<prefix>Released: by <who>; <when>; backup <id>` and
`X-MS-Exchange-Organization-SCL: -1` (Exchange would junk it again otherwise). Every field only we may write
(our prefix, X-Mailgate-*, X-MS-Exchange-Organization-*, an Authentication-Results claiming our authserv-id)
is removed first, as the delivery step does: a sender's own SCL field never survives a release.

*As an attachment*: a new message from the gateway's notification sender to the release's targets, saying why
the original was held and who released it, with the original as a `message/rfc822` part, byte for byte.

Both read sender-controlled bytes: they never raise on them (bare CRs, malformed MIME, 8-bit or huge headers)
and never lose them (the line endings become the ones SMTP carries, as every step reading the original makes them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid
from io import BytesIO

from mailgate.backup.model import BackupRecord
from mailgate.delivery.header_edit import edit_headers
from mailgate.delivery.outbound import EXCHANGE_ORGANIZATION_PREFIX, MAILGATE_PREFIX
from mailgate.events.model import utc_now
from mailgate.message.line_endings import crlf_line_endings, normalised_line_endings
from mailgate.scanners.authentication.headers import is_own_authentication_results

RELEASED_FIELD = "Released"  # after the configured header prefix: X-Mailgate-Released
SCL_FIELD = "X-MS-Exchange-Organization-SCL"
RELEASED_SCL = "-1"  # Exchange delivers to the inbox, whatever its own filter thinks
SUBJECT_PREFIX = "Released from Backup: "
SUBJECT_MAX = 200  # characters of the original subject in ours
SHOWN_MAX = 500  # characters of any sender-written text in our text part

_POLICY = policy.SMTP.clone(max_line_length=998)
_UTF8_POLICY = _POLICY.clone(utf8=True)  # a target address that is not ASCII (RFC 6532)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Release:
    """Who releases which entry, when, and how our fields are named."""

    record: BackupRecord
    who: str  # the caller as the audit trail names them
    header_prefix: str = "X-Mailgate-"
    authserv_id: str = "mailgate.invalid"
    at: str = field(default_factory=utc_now)  # ISO time, the same in every field and text that names it
    authentication_results: str = ""  # ours, from the stored scan report: what an ARC seal vouches for

    def released_value(self) -> str:
        return f"by {_one_line(self.who)}; {self.at}; backup {self.record.backup_id}"

    def our_fields(self) -> list[tuple[str, str]]:
        return [(f"{self.header_prefix}{RELEASED_FIELD}", self.released_value()),
                ("X-Mailgate-Id", self.record.message_id), (SCL_FIELD, RELEASED_SCL)]

    def as_is_fields(self) -> list[tuple[str, str]]:
        found = [("Authentication-Results", self.authentication_results)] if self.authentication_results else []
        return [*found, *self.our_fields()]


def released_as_is(raw: bytes, release: Release) -> bytes:
    """The original with our release fields on top and every field only we may write removed."""
    data = normalised_line_endings(raw if isinstance(raw, bytes) else b"")[0]
    ours = (MAILGATE_PREFIX, release.header_prefix.lower(), EXCHANGE_ORGANIZATION_PREFIX)

    def forged(name: str, value: str) -> bool:
        if name.startswith(ours):
            return True
        return name == "authentication-results" and is_own_authentication_results(value, release.authserv_id)

    return edit_headers(data, remove=forged, prepend=release.as_is_fields())


def released_as_attachment(raw: bytes, release: Release, sender: str, targets: Sequence[str]) -> bytes:
    """A new message from `sender` to `targets`: why it was held, who released it, and the original attached."""
    record = release.record
    utf8 = not all(a.isascii() for a in (sender, *targets))
    message = EmailMessage(policy=_UTF8_POLICY if utf8 else _POLICY)
    message["From"] = f"Mail Gateway <{sender}>"
    message["To"] = ", ".join(targets)
    message["Subject"] = SUBJECT_PREFIX + (_one_line(record.subject)[:SUBJECT_MAX] or "(no subject)")
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("released", domain=release.authserv_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: nobody answers it automatically
    for name, value in release.our_fields():
        message[name] = value
    message.set_content(_explanation(release))
    message.make_mixed()
    message.attach(_original_part(crlf_line_endings(raw if isinstance(raw, bytes) else b"")))
    out = BytesIO()
    _Generator(out, policy=message.policy).flatten(message)
    return out.getvalue()


def _explanation(release: Release) -> str:
    record = release.record
    verdicts = ", ".join(f"{_shown(k)}={_shown(v)}" for k, v in sorted(record.verdicts.items())) or "none recorded"
    lines = [
        "The attached message was held in Backup by the mail gateway and has now been released to you.",
        "",
        f"Released by:  {_shown(release.who)}",
        f"Released at:  {release.at}",
        "",
        f"From:         {_shown(record.sender) or '(empty envelope sender)'}",
        f"Subject:      {_shown(record.subject) or '(no subject)'}",
        f"Received:     {record.created_at}",
        f"Held because: {_shown(record.reason)}",
        f"Held by:      {_shown(record.held_by)}" + (f" ({_shown(record.verdict_class)})" if record.verdict_class
                                                      else ""),
        f"Rule:         {_shown(record.rule) or '-'}",
        f"Verdicts:     {verdicts}",
        f"Backup entry: {record.backup_id}",
        "",
        "Open the attachment only if you trust its sender.",
    ]
    return "\n".join(lines) + "\n"


def _original_part(data: bytes) -> EmailMessage:
    part = EmailMessage(policy=_POLICY)
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = 'attachment; filename="original.eml"'
    part["Content-Transfer-Encoding"] = "7bit" if data.isascii() else "8bit"  # RFC 2046: never base64 here
    part.set_payload(data.decode("ascii", "surrogateescape"))  # kept as the bytes: see _Generator
    return part


class _Generator(BytesGenerator):
    """Writes a `message/rfc822` part kept as text back as the exact bytes it came from. The stdlib generator
    would either re-serialise a parsed original (refolding headers, closing broken MIME: not the original any
    more) or refuse a payload with 8-bit bytes; everything else is the stdlib's own work, boundaries included
    (chosen so that no line of the original can end a part)."""

    def _handle_message(self, msg: Message) -> None:
        payload = msg._payload  # type: ignore[attr-defined]  # the text as set: get_payload() would replace its 8-bit bytes
        if isinstance(payload, str):
            self._fp.write(payload.encode("ascii", "surrogateescape"))  # type: ignore[attr-defined]
            return
        super()._handle_message(msg)  # type: ignore[misc]


def _one_line(text: str) -> str:
    return " ".join(_CONTROLS.sub(" ", text or "").split())


def _shown(text: str | None) -> str:
    return _one_line(text or "")[:SHOWN_MAX]
