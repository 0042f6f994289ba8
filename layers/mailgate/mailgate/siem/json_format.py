"""Events as one-line JSON objects, for collectors that parse JSON rather than CEF.

The same fields and caps as the CEF form (cef.py): each string cut to cef.MAX_VALUE characters with control
characters other than CR/LF made U+FFFD; `json.dumps(ensure_ascii=True)` escapes quotes, backslashes, CR, LF and
every non-ASCII character, so a line never breaks and a sender's text never closes the object.
"""

from __future__ import annotations

import json
from typing import Any

from mailgate.events.model import Event
from mailgate.events.query import rule_of, sender_ip_of
from mailgate.siem import cef


def _capped(value: Any) -> Any:
    if isinstance(value, str):
        return cef.clean(value)
    if isinstance(value, dict):
        return {cef.clean(str(k), 128): _capped(v) for k, v in list(value.items())[:100]}
    if isinstance(value, list | tuple):
        return [_capped(v) for v in list(value)[:100]]
    return value


def json_line(event: Event, version: str) -> str:
    record: dict[str, Any] = {
        "vendor": cef.VENDOR, "product": cef.PRODUCT, "version": version,
        "kind": event.kind, "name": cef.KINDS.get(event.kind, (event.kind, 3))[0],
        "severity": cef.severity(event), "at": event.at, "message_id": event.message_id,
        "sender": event.sender, "recipient": event.recipient, "sender_ip": sender_ip_of(event) or None,
        "summary": event.summary, "action": event.action, "rule": rule_of(event) or None,
        "verdicts": list(event.verdicts), "subject": event.subject,
    }
    return json.dumps(_capped({k: v for k, v in record.items() if v not in (None, [])}),
                      ensure_ascii=True, separators=(",", ":"))
