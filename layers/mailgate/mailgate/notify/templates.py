"""Notification templates and the notification settings an administrator edits.

Kept free of `mailgate.config` so that the configuration can embed `NotificationSettings` as its
`notifications` section without an import cycle. The structural checks (names, addresses, lengths)
live here; what the macros in a template mean is checked by `mailgate.notify.macros`.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from msgspec import Meta

# A name the rule table and the X-Mailgate-Notification header refer to: short, no spaces.
TemplateName = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
# Loose on purpose (the delivery path has the last word), but never a header injection: no CR/LF,
# no spaces, no angle brackets or commas that would turn one address into several.
_ADDRESS = re.compile(r"^[^\s<>,;\"@]+@[^\s<>,;\"@]+\.[^\s<>,;\"@]+$")
Address = Annotated[str, Meta(max_length=320)]

DEFAULT_SENDER_LOCAL_PART = "mailgate"


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Template(_Model, frozen=True):
    """One notification: subject and bodies with %MACROS%; `body_html` empty means plain text only."""

    name: TemplateName
    subject: Annotated[str, Meta(min_length=1, max_length=998)]
    body_text: Annotated[str, Meta(min_length=1, max_length=100_000)]
    body_html: Annotated[str, Meta(max_length=200_000)] = ""
    enabled: bool = True
    description: Annotated[str, Meta(max_length=1000)] = ""


_ADMIN_VIRUS = Template(
    name="admin_virus_found",
    description="To the administrator: a virus or malware was found in a message.",
    subject="[mailgate] Virus found in a message from %SENDER%",
    body_text=(
        "Anti-Virus found malware in a message.\n\n"
        "Sender: %SENDER% (%SENDER_IP%)\n"
        "Recipients: %ALL_RECIPIENTS%\n"
        "Affected recipients: %AFFECTED_RECIPIENTS%\n"
        "Subject: %SUBJECT%\n"
        "Received: %DATE%\n"
        "Message-ID header: %SMTP_MESSAGE_ID%\n"
        "Rule: %AFFECTED_RULES%\n"
        "Action: %MESSAGE_ACTION%\n"
        "Verdicts: %VERDICTS%\n\n"
        "Affected parts:\n"
        "%DATA_BEGIN%  - %OBJECT_NAME% (%OBJECT_SIZE%): %STATUS%\n%DATA_END%\n"
        "Gateway message id: %MESSAGE_ID% (event log); Backup id: %BACKUP_ID%\n"
    ),
    body_html=(
        "<p>Anti-Virus found malware in a message.</p>\n<table>\n"
        "<tr><th align=\"left\">Sender</th><td>%SENDER% (%SENDER_IP%)</td></tr>\n"
        "<tr><th align=\"left\">Recipients</th><td>%ALL_RECIPIENTS%</td></tr>\n"
        "<tr><th align=\"left\">Affected recipients</th><td>%AFFECTED_RECIPIENTS%</td></tr>\n"
        "<tr><th align=\"left\">Subject</th><td>%SUBJECT%</td></tr>\n"
        "<tr><th align=\"left\">Received</th><td>%DATE%</td></tr>\n"
        "<tr><th align=\"left\">Rule</th><td>%AFFECTED_RULES%</td></tr>\n"
        "<tr><th align=\"left\">Action</th><td>%MESSAGE_ACTION%</td></tr>\n"
        "<tr><th align=\"left\">Verdicts</th><td>%VERDICTS%</td></tr>\n</table>\n"
        "<ul>\n%DATA_BEGIN%<li>%OBJECT_NAME% (%OBJECT_SIZE%): %STATUS%</li>\n%DATA_END%</ul>\n"
        "<p>Gateway message id: <code>%MESSAGE_ID%</code>; Backup id: <code>%BACKUP_ID%</code></p>\n"
    ),
)

_ADMIN_HELD = Template(
    name="admin_message_held",
    description="To the administrator: a rule stopped or changed a message (held in Backup, rejected, "
                "attachments removed).",
    subject="[mailgate] Message from %SENDER% %MESSAGE_ACTION%: %SUBJECT%",
    body_text=(
        "A rule acted on a message: %MESSAGE_ACTION%.\n\n"
        "Sender: %SENDER% (%SENDER_IP%)\n"
        "Affected recipients: %AFFECTED_RECIPIENTS%\n"
        "Subject: %SUBJECT%\n"
        "Received: %DATE%\n"
        "Rule: %AFFECTED_RULES%\n"
        "Verdicts: %VERDICTS%\n\n"
        "%DATA_BEGIN%  - %OBJECT_NAME% (%OBJECT_SIZE%): %STATUS%\n%DATA_END%\n"
        "Gateway message id: %MESSAGE_ID%; Backup id: %BACKUP_ID%\n"
    ),
)

_SENDER_REJECTED = Template(
    name="sender_message_rejected",
    description="To the sender: their message was not delivered because of the organisation's mail policy.",
    subject="Your message was not delivered: %SUBJECT%",
    body_text=(
        "Your message to %AFFECTED_RECIPIENTS% was not delivered because it does not comply with the\n"
        "recipient organisation's mail policy.\n\n"
        "Subject: %SUBJECT%\n"
        "Sent: %DATE%\n\n"
        "%DATA_BEGIN%  - %OBJECT_NAME%: %STATUS%\n%DATA_END%\n"
        "If you think this is a mistake, contact the recipient's administrator and quote this reference:\n"
        "%MESSAGE_ID%\n"
    ),
)

_SENDER_ATTACHMENT_REMOVED = Template(
    name="sender_attachment_removed",
    description="To the sender: attachments were removed from their message, the rest was delivered.",
    subject="Attachments removed from your message: %SUBJECT%",
    body_text=(
        "Your message to %AFFECTED_RECIPIENTS% was delivered without the following attachments:\n\n"
        "%DATA_BEGIN%  - %OBJECT_NAME% (%OBJECT_SIZE%): %STATUS%\n%DATA_END%\n"
        "Subject: %SUBJECT%\n"
        "Reference: %MESSAGE_ID%\n"
    ),
)

_RECIPIENT_HELD = Template(
    name="recipient_message_held",
    description="To the recipients: a message addressed to them was not delivered (held in Backup or rejected).",
    subject="A message to you was not delivered: %SUBJECT%",
    body_text=(
        "A message addressed to you was stopped by the mail gateway: %MESSAGE_ACTION%.\n\n"
        "From: %SENDER%\n"
        "Subject: %SUBJECT%\n"
        "Received: %DATE%\n"
        "Reason: %VERDICTS%\n\n"
        "If you expected this message, ask your administrator about it and quote:\n"
        "%MESSAGE_ID% (Backup id %BACKUP_ID%)\n"
    ),
)

_RECIPIENT_ATTACHMENT_REMOVED = Template(
    name="recipient_attachment_removed",
    description="To the recipients: attachments were removed from a message delivered to them.",
    subject="Attachments removed from a message: %SUBJECT%",
    body_text=(
        "The mail gateway removed attachments from a message from %SENDER% before delivering it:\n\n"
        "%DATA_BEGIN%  - %OBJECT_NAME% (%OBJECT_SIZE%): %STATUS%\n%DATA_END%\n"
        "The original is kept in Backup; ask your administrator and quote %MESSAGE_ID% (Backup id %BACKUP_ID%).\n"
    ),
)

DEFAULT_TEMPLATES: tuple[Template, ...] = (
    _ADMIN_VIRUS, _ADMIN_HELD, _SENDER_REJECTED, _SENDER_ATTACHMENT_REMOVED, _RECIPIENT_HELD,
    _RECIPIENT_ATTACHMENT_REMOVED,
)


def is_address(value: str) -> bool:
    return bool(_ADDRESS.match(value))


class NotificationSettings(_Model, frozen=True):
    """Who notifications come from and go to, and the templates.

    `sender_address` empty means "mailgate@<authserv_id>": the gateway's own name, so a fresh
    deployment sends from an address it controls without being configured (see `sender`).
    """

    sender_address: Address = ""
    administrator_addresses: Annotated[tuple[Address, ...], Meta(max_length=50)] = ()
    templates: Annotated[tuple[Template, ...], Meta(max_length=200)] = DEFAULT_TEMPLATES

    def __post_init__(self) -> None:
        # Raised as msgspec.ValidationError by msgspec.convert/decode, naming the field.
        if self.sender_address and not is_address(self.sender_address):
            raise ValueError(f"sender_address {self.sender_address!r} is not an e-mail address")
        for address in self.administrator_addresses:
            if not is_address(address):
                raise ValueError(f"administrator address {address!r} is not an e-mail address")
        seen: set[str] = set()
        for template in self.templates:
            if template.name in seen:
                raise ValueError(f"two templates are named {template.name!r}")
            seen.add(template.name)

    def sender(self, authserv_id: str) -> str:
        return self.sender_address or f"{DEFAULT_SENDER_LOCAL_PART}@{authserv_id}"

    def template(self, name: str) -> Template | None:
        """The enabled template of that name, or None: a disabled template sends nothing."""
        return next((t for t in self.templates if t.name == name and t.enabled), None)
