"""The organisation's mail server in local mode: writes every delivered message to a folder."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any


class MailFolder:
    """aiosmtpd hooks that store each delivery as <folder>/<n>.eml plus its envelope as JSON."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = uuid.uuid4().hex
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else content.encode()
        (self.folder / f"{name}.json").write_text(json.dumps({
            "mail_from": envelope.mail_from, "recipients": list(envelope.rcpt_tos),
            "tls": bool(session.ssl), "peer": list(session.peer or ()),
        }))
        partial = self.folder / f"{name}.eml.part"  # whoever lists *.eml finds whole messages, envelopes first
        partial.write_bytes(data)
        partial.replace(self.folder / f"{name}.eml")
        return f"250 2.0.0 Ok: delivered as {name}"
