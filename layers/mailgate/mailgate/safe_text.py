"""Text a sender controls, made safe to store and show: valid UTF-8 (no lone surrogates), and for envelope
strings no control characters and a bounded length.

An invalid UTF-8 MAIL FROM arrives as lone surrogates (Python's surrogateescape, or JSON's \\udcff): every
DynamoDB write of it fails, the last-resort Backup record too, and the message would end in the dead-letter
queue with no trace. The bytes are kept visible as backslash escapes, never silently dropped.
"""

from __future__ import annotations

import json
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
    return checked_envelope_text(text, limit)[0]


def checked_envelope_text(text: str, limit: int = MAX_ENVELOPE_TEXT) -> tuple[str, list[str]]:
    """`envelope_text` and what was wrong with the original, in plain words (empty for an honest string).

    Control characters become visible escapes rather than vanishing: removing them could turn an address
    that is not ours (`bob\\x00@example.com`) into one that is.
    """
    problems: list[str] = []
    safe = valid_unicode(text)
    if safe != text:
        problems.append("invalid UTF-8 (kept as backslash escapes)")
    if not safe.isprintable():
        escaped = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", safe)
        if escaped != safe:
            problems.append("control characters (kept as \\x escapes)")
        safe = escaped
    if len(safe) <= limit:
        return safe, problems
    problems.append(f"{len(safe)} characters, cut to {limit}")
    half = limit // 2  # the start and the end (an address's domain) stay readable
    return safe[:half] + "…" + safe[-(limit - half - 1):], problems


MAX_RECORD_TEXT = 16_384  # a string in an event or Backup record (a subject can be 1 MB)
MAX_RECORD_ITEMS = 200  # entries of a list in one
RECORD_BUDGET = 300_000  # octets of JSON per record: DynamoDB refuses items over 400 KB, attributes included


def bounded_record(document: dict[str, Any], keys: tuple[str, ...] = (),
                   budget: int = RECORD_BUDGET) -> dict[str, Any]:
    """A record (event, Backup entry) that DynamoDB will take whatever the message held: valid Unicode, each
    string and list bounded, and the whole under the item limit (bounds tighten until it fits). The last
    resort writes through this, so it cannot fail on a sender's data. `keys` (the table's keys) are kept whole:
    they are ours, and a cut one would name another item."""
    document = storable(document)
    record = document
    for text_limit, items in ((MAX_RECORD_TEXT, MAX_RECORD_ITEMS), (1024, 100), (128, 20)):
        record = {k: v if k in keys else _bounded(v, text_limit, items) for k, v in document.items()}
        if len(json.dumps(record, default=str)) <= budget:
            break
    return record


def _bounded(value: Any, text_limit: int, items: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= text_limit else f"{value[:text_limit]}… ({len(value)} characters)"
    if isinstance(value, dict):
        return {k: _bounded(v, text_limit, items) for k, v in value.items()}
    if isinstance(value, list | tuple):
        kept = [_bounded(v, text_limit, items) for v in value[:items]]
        return [*kept, f"… and {len(value) - items} more"] if len(value) > items else kept
    return value


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
