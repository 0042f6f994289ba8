"""A rendered notification as a complete message, and when a notification must not be sent.

Notifications are marked `Auto-Submitted: auto-generated` (RFC 3834) so that nobody answers them,
and the gateway never notifies a sender of an automatic message: a notice to a bounce address, a
mailing list or another robot is how mail loops start. The bounce rules of
`mailgate.delivery.dsn.should_bounce` are reused, not copied, so the two stay one policy.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mailgate.delivery.dsn import headers_of, should_bounce
from mailgate.notify.context import NotificationContext
from mailgate.notify.macros import render
from mailgate.notify.templates import NotificationSettings, Template

NOTIFICATION_HEADER = "X-Mailgate-Notification"
ID_HEADER = "X-Mailgate-Id"
_POLICY = policy.SMTP.clone(cte_type="7bit")  # quoted-printable bodies: no server needs 8BITMIME
_UTF8_POLICY = policy.SMTP.clone(utf8=True)  # an address that is not ASCII (RFC 6532)
_BULK = frozenset({"bulk", "junk", "list"})
_MESSAGE_ID = re.compile(r"^<[^<>\s]{1,900}>$")
_TOKEN = re.compile(r"[^\x21-\x7e]")  # a header value we write as is: printable ASCII, no spaces


def is_notification(raw_headers: bytes) -> bool:
    """A notification of a mailgate (ours or another's): nobody is notified about it, whatever
    verdict it gets, so two gateways can never notify each other in a loop."""
    return headers_of(raw_headers).get(NOTIFICATION_HEADER) is not None


def should_notify_sender(mail_from: str, raw_headers: bytes) -> bool:
    """Whether the sender of a message (its raw bytes or just its header section) may be notified.

    Not the null sender, a mailer daemon, an Auto-Submitted message or a report (`should_bounce`),
    and not mail a list or bulk sender sent (Precedence bulk/junk/list, List-Id): its envelope sender
    is a bounce processor, not a person.
    """
    if not should_bounce(mail_from, raw_headers) or is_notification(raw_headers):
        return False
    headers = headers_of(raw_headers)
    precedence = str(headers.get("Precedence", "")).strip().lower()
    return precedence not in _BULK and headers.get("List-Id") is None


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "mailgate.invalid"


def compose(settings: NotificationSettings, template: Template, context: NotificationContext,
            to: tuple[str, ...], *, authserv_id: str = "mailgate.invalid",
            now: datetime | None = None) -> bytes:
    """The notification `template` renders for `context`, addressed to `to`, as bytes for SMTP or SES.

    `authserv_id` names the sender when the settings leave it empty (mailgate@<authserv_id>).
    Raises ValueError for no recipients or an address that cannot be a header (a line break).
    """
    if not to:
        raise ValueError("a notification needs at least one recipient")
    sender = settings.sender(authserv_id)
    subject, text, body_html = render(template, context)
    ascii_only = sender.isascii() and all(a.isascii() for a in to)
    msg = EmailMessage(policy=_POLICY if ascii_only else _UTF8_POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject  # encoded as RFC 2047 words by the policy when it is not ASCII
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid("notification", domain=_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to a robot
    msg[NOTIFICATION_HEADER] = _TOKEN.sub("", template.name)
    msg[ID_HEADER] = _TOKEN.sub("", context.message_id)[:200]
    if _MESSAGE_ID.match(context.smtp_message_id.strip()):
        msg["References"] = context.smtp_message_id.strip()  # mail clients thread it with the message
    msg.set_content(text)
    if body_html:
        msg.add_alternative(body_html, subtype="html")
        for part in msg.iter_parts():
            del part["MIME-Version"]  # a body part, not a message
    return msg.as_bytes()
