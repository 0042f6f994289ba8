"""Events as ArcSight CEF lines: `CEF:0|mailgate|mailgate|<version>|<event id>|<name>|<severity>|<extensions>`.

Pure: an Event in, a str out. Every value a sender controls (subject, sender, recipient, summary, rule names
drawn from headers) is hostile: header fields escape `\\` and `|`, extension values escape `\\`, `=`, CR and LF
(as `\\r`, `\\n`) as the CEF specification says; other control characters (NUL, ESC, DEL, C1) become U+FFFD,
lone surrogates become U+FFFD, and each value is cut to MAX_VALUE characters (a `…` marks the cut).
The key mapping is EXTENSION_KEYS (documented in docs/siem.md).
"""

from __future__ import annotations

import re
from datetime import datetime

from mailgate.events import model
from mailgate.events.model import Event
from mailgate.events.query import rule_of, sender_ip_of

VENDOR = "mailgate"
PRODUCT = "mailgate"
MAX_VALUE = 1023  # characters of one extension value before escaping (ArcSight's own limit for most strings)
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Event kind → (CEF name, CEF severity 0-10).
KINDS: dict[str, tuple[str, int]] = {
    model.RECEIVED: ("Message received", 1),
    model.SCANNED: ("Message scanned", 1),
    model.DECISION: ("Decision", 3),
    model.DELIVERED: ("Message delivered", 1),
    model.DEFERRED: ("Delivery deferred", 4),
    model.REJECTED: ("Message rejected", 5),
    model.BOUNCED: ("Message bounced", 5),
    model.DELETED: ("Message deleted", 5),
    model.BACKUP: ("Message kept in Backup", 1),
    model.ERROR: ("Processing error", 7),
    model.FEEDBACK: ("Spam feedback", 2),
    model.PARTS_REMOVED: ("Attachments removed", 5),
    model.COPIED: ("Copy sent", 2),
    model.NOTIFIED: ("Notification sent", 2),
    model.HELD: ("Held in Anti-Spam Quarantine", 4),
    model.BACKUP_REMOVED: ("Backup entry removed", 3),
    model.BACKUP_DOWNLOADED: ("Backup entry downloaded", 5),
    model.RELEASED: ("Released from Backup", 5),
    model.WARNING: ("Gateway warning", 6),
}
# A verdict on the event raises its severity to at least this.
VERDICT_SEVERITY = {"virus": 9, "malware": 9, "phishing": 8, "fail": 6, "spam": 5, "probable_spam": 4}

# CEF extension key → what it carries (docs/siem.md has the same table).
EXTENSION_KEYS = {
    "rt": "the event's time, milliseconds since the epoch (UTC)",
    "externalId": "the gateway's message id",
    "suser": "the envelope sender",
    "duser": "the recipient(s), comma separated",
    "src": "the sending server's IP address (received events)",
    "msg": "the event's one-sentence summary",
    "act": "the decision's action",
    "cs1": "the rule that decided (cs1Label=rule)",
    "cs2": "the scanner verdicts, comma separated (cs2Label=verdicts)",
    "cs3": "the subject (cs3Label=subject)",
    "cs4": "the event kind (cs4Label=kind)",
}


def clean(value: str, limit: int = MAX_VALUE) -> str:
    """A value with control characters other than CR/LF made visible, cut to `limit` characters."""
    text = _CONTROL.sub("\ufffd", value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_header(value: str) -> str:
    text = clean(value).replace("\r", " ").replace("\n", " ")  # a header field has no line breaks
    return text.replace("\\", "\\\\").replace("|", "\\|")


def escape_extension(value: str) -> str:
    text = clean(value).replace("\\", "\\\\").replace("=", "\\=")
    return text.replace("\r", "\\r").replace("\n", "\\n")


def unescape_extension(value: str) -> str:
    """The inverse of escape_extension (what a SIEM's parser does); for tests and tools."""
    return re.sub(r"\\(.)", lambda m: {"r": "\r", "n": "\n"}.get(m.group(1), m.group(1)), value)


def severity(event: Event) -> int:
    base = KINDS.get(event.kind, (event.kind, 3))[1]
    return max([base, *(VERDICT_SEVERITY.get(v.lower(), 0) for v in event.verdicts)])


def millis(at: str) -> int | None:
    try:
        return int(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def extensions(event: Event) -> list[tuple[str, str]]:
    """The (key, raw value) pairs of an event, unescaped, empty ones left out."""
    pairs: list[tuple[str, str | None]] = [
        ("rt", str(millis(event.at)) if millis(event.at) is not None else None),
        ("externalId", event.message_id),
        ("suser", event.sender),
        ("duser", event.recipient),
        ("src", sender_ip_of(event)),
        ("msg", event.summary),
        ("act", event.action),
        ("cs1Label", "rule"), ("cs1", rule_of(event)),
        ("cs2Label", "verdicts"), ("cs2", ",".join(event.verdicts) or None),
        ("cs3Label", "subject"), ("cs3", event.subject),
        ("cs4Label", "kind"), ("cs4", event.kind),
    ]
    kept = [(k, v) for k, v in pairs if v]
    labelled = {k for k, _ in kept}
    return [(k, v) for k, v in kept if not k.endswith("Label") or k.removesuffix("Label") in labelled]


def cef_line(event: Event, version: str) -> str:
    name = KINDS.get(event.kind, (event.kind, 3))[0]
    header = "|".join(escape_header(x) for x in (VENDOR, PRODUCT, version, event.kind, name, str(severity(event))))
    ext = " ".join(f"{k}={escape_extension(v)}" for k, v in extensions(event))
    return f"CEF:0|{header}|{ext}"


def parse_cef(line: str) -> tuple[list[str], dict[str, str]]:
    """A CEF line back into its header fields and unescaped extensions (for tests and tools)."""
    fields: list[str] = []
    current, i = "", line.index("CEF:")
    while len(fields) < 7:
        ch = line[i]
        if ch == "\\" and line[i + 1] in "\\|":
            current += line[i + 1]
            i += 2
            continue
        if ch == "|":
            fields.append(current)
            current = ""
        else:
            current += ch
        i += 1
    rest = line[i:]
    ext: dict[str, str] = {}
    for m in re.finditer(r"(\w+)=((?:\\.|[^\\=])*?)(?= \w+=|$)", rest):
        ext[m.group(1)] = unescape_extension(m.group(2))
    return fields, ext
