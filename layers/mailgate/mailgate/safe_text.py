"""Text a sender controls, made safe to store and show: valid UTF-8 (no lone surrogates), and for envelope
strings no control characters and a bounded length.

An invalid UTF-8 MAIL FROM arrives as lone surrogates (Python's surrogateescape, or JSON's \\udcff): every
DynamoDB write of it fails, the last-resort Backup record too, and the message would end in the dead-letter
queue with no trace. The bytes are kept visible as backslash escapes, never silently dropped.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ENVELOPE_TEXT = 1024  # RFC 5321 §4.5.3.1.3: a path is at most 256 octets; room for odd but honest ones
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE_IN_JSON = "\\ud"  # how json.dumps writes a surrogate (paired ones included: rare, and harmless)


def valid_unicode(text: str) -> str:
    """`text` with lone surrogates as backslash escapes: encodable as UTF-8, so storable anywhere."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def envelope_text(text: str, limit: int = MAX_ENVELOPE_TEXT) -> str:
    """An envelope string (MAIL FROM, RCPT TO, HELO) as the gateway records and compares it."""
    text = valid_unicode(text)
    if not text.isprintable():
        text = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) <= limit:
        return text
    half = limit // 2  # the start and the end (an address's domain) stay readable
    return text[:half] + "…" + text[-(limit - half - 1):]


def storable(document: Any, as_json: str | None = None) -> Any:
    """A JSON-like document whose strings are all valid Unicode; `as_json` (its json.dumps) spares a walk
    when it shows no surrogate at all, which is every honest message."""
    if as_json is not None and _SURROGATE_IN_JSON not in as_json:
        return document
    if isinstance(document, str):
        return valid_unicode(document)
    if isinstance(document, dict):
        return {valid_unicode(str(k)): storable(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [storable(v) for v in document]
    return document
