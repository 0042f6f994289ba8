"""The organisation's mail server in local mode: writes every delivered message to a folder."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

ID_HEADER = re.compile(rb"^x-mailgate-id:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
NOTIFICATION_HEADER = re.compile(rb"^x-mailgate-notification:", re.IGNORECASE | re.MULTILINE)
HEADER_SCAN = 64 * 1024  # the gateway puts its fields on top: the id is within the first lines
MAX_NAME = 128
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_END_OF_HEADER = re.compile(rb"\r?\n\r?\n")


def _header(data: bytes) -> bytes:
    head = data[:HEADER_SCAN]
    end = _END_OF_HEADER.search(head)
    return head[:end.start()] if end else head


def gateway_id(header: bytes) -> str | None:
    """The gateway's message id from the first X-Mailgate-Id field of the header, made safe as a file name
    (it travels in mail: no path separator, dot or control character survives); None when there is none."""
    match = ID_HEADER.search(header)
    if match is None:
        return None
    name = _UNSAFE.sub("_", match.group(1).decode("ascii", "replace").strip()).strip("_")[:MAX_NAME]
    return name or None


class MailFolder:
    """aiosmtpd hooks that store each delivery as <folder>/<name>.eml plus its envelope as <name>.json.

    <name> is the gateway's message id (X-Mailgate-Id), so `ls delivered/<id>*` finds what the gateway
    delivered for that message: `<id>.eml` first, `<id>-2.eml`… when the same id arrives again (two recipient
    groups, a release from Backup); a notification about the message is `<id>.notification.eml`. Mail
    without the field (not from the gateway) gets a random name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _claim(self, data: bytes) -> tuple[str, Any]:
        """A name no delivery has used, reserved by creating its envelope file exclusively."""
        header = _header(data)
        found = gateway_id(header)
        if found is None:
            base = uuid.uuid4().hex
        else:
            base = f"{found}.notification" if NOTIFICATION_HEADER.search(header) else found
        for n in range(1, 1000):
            name = base if n == 1 else f"{base}-{n}"
            try:
                return name, (self.folder / f"{name}.json").open("x", encoding="utf-8")
            except FileExistsError:
                continue
        name = f"{base}-{uuid.uuid4().hex}"
        return name, (self.folder / f"{name}.json").open("x", encoding="utf-8")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else content.encode()
        name, envelope_file = self._claim(data)
        with envelope_file:
            envelope_file.write(json.dumps({
                "mail_from": envelope.mail_from, "recipients": list(envelope.rcpt_tos),
                "tls": bool(session.ssl), "peer": list(session.peer or ()),
            }))
        partial = self.folder / f"{name}.eml.part"  # whoever lists *.eml finds whole messages, envelopes first
        partial.write_bytes(data)
        partial.replace(self.folder / f"{name}.eml")
        return f"250 2.0.0 Ok: delivered as {name}"
