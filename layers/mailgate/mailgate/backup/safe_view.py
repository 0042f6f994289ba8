"""Backup's safe view: a kept message as text only, for an administrator or its recipient to read.

Everything in the view that a sender wrote is plain text with its control characters made visible (a
terminal escape or a right-to-left override cannot hide or reorder what the reader sees) and with a bound
on its length. The body is the text/plain part, else the HTML rendered to text by the parser (lexbor: no
script, style or head, no markup, no image kept); nothing in the view is markup. Building it never raises
for any bytes: what was malformed is in `defects`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

import msgspec

from mailgate.backup.model import BackupRecord
from mailgate.message import DEFAULT_LIMITS, Attachment, Message, parse_message
from mailgate.message.headers import decode_words, split_header_block
from mailgate.message.line_endings import normalised_line_endings
from mailgate.rules.decision import Decision
from mailgate.scan.report import ScannerResult, ScanReport
from mailgate.scanners.antivirus.details import AntivirusDetails
from mailgate.scanners.content_filter.details import ContentFilterDetails

HEADER_VALUE_MAX = 8 * 1024  # characters of one header value in the view
HEADERS_MAX = 300  # header fields in the view; a real message has a few dozen
BODY_MAX = 256 * 1024  # characters of body text
ATTACHMENTS_MAX = 200
TESTS_MAX = 100  # named tests per scanner
TEXT_MAX = 1000  # any other sender-controlled string: a name, a type, a test's evidence, a defect
DEFECTS_MAX = 50
# Verdicts whose mail only an Administrator downloads, and never a user releases.
DANGEROUS_CLASSES = frozenset({"infected", "phishing", "malicious_link", "phishing_link"})

# C0 controls but newline and tab, DEL, C1 controls, and the format characters that reorder or hide text
# (bidirectional overrides and isolates, zero-width characters, line and paragraph separators, the BOM).
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
                     "\ufeff\ufff9-\ufffb]")
_LINE_BREAKS = re.compile(r"[\n\t]")


class HeaderLine(msgspec.Struct, frozen=True):
    name: str
    value: str  # RFC 2047 decoded, unfolded, control characters made visible
    truncated: bool = False


class BodyText(msgspec.Struct, frozen=True):
    text: str
    source: Literal["text/plain", "text/html", "none"]
    truncated: bool = False


class AttachmentLine(msgspec.Struct, frozen=True):
    part_path: str
    name: str | None
    declared_type: str  # what the sender's Content-Type says
    true_type: str | None  # what the bytes are
    size: int
    sha256: str
    infected: bool = False
    threats: tuple[str, ...] = ()
    removed: bool = False  # the decision took it out of the delivered copy
    why: tuple[str, ...] = ()  # each finding about it, in plain words


class NamedTestLine(msgspec.Struct, frozen=True):
    test: str
    score: float
    description: str
    evidence: str


class ScannerLine(msgspec.Struct, frozen=True):
    scanner: str
    verdict: str
    score: float
    tests: tuple[NamedTestLine, ...]


class RemovedPart(msgspec.Struct, frozen=True):
    part_path: str
    name: str | None
    reason: str


class DecisionPath(msgspec.Struct, frozen=True):
    """The decision that kept the copy: `recorded` when it is the rules step's own record from the event log,
    false when it was decided again from the stored scan report with the current settings."""

    recipients: tuple[str, ...]
    rule: str
    action: str
    reason: str
    module: str | None
    verdict_class: str | None
    steps: tuple[str, ...]
    recorded: bool
    removals: tuple[RemovedPart, ...] = ()  # attachments taken out of the delivered copy


class SafeView(msgspec.Struct, frozen=True):
    backup_id: str
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    reason: str
    held_by: str
    verdict_class: str | None
    dangerous: bool  # infected or phishing: downloaded only by an Administrator who says so
    created_at: str
    size: int
    headers: tuple[HeaderLine, ...]
    headers_truncated: bool  # more fields than the view shows
    body: BodyText
    attachments: tuple[AttachmentLine, ...]
    attachments_truncated: bool
    scanners: tuple[ScannerLine, ...]  # empty when the scan report has expired
    decision: DecisionPath | None
    defects: tuple[str, ...]  # what was malformed or cut while parsing
    incomplete: bool  # a parsing bound stopped inspection: not everything is shown


def visible(text: str, limit: int = TEXT_MAX, keep_lines: bool = False) -> tuple[str, bool]:
    """(the text with hidden characters shown as their code, and newlines and tabs too unless kept; whether
    it was cut at `limit` characters)."""
    cut = len(text) > limit
    text = text[:limit]
    text = _HIDDEN.sub(_shown, text)
    if not keep_lines:
        text = _LINE_BREAKS.sub(_shown, text)
    return text, cut


def shown(text: str | None, limit: int = TEXT_MAX) -> str:
    return visible(text or "", limit)[0]


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def is_dangerous(record: BackupRecord) -> bool:
    """Infected or phishing mail: only an Administrator downloads it, and never a user releases it."""
    return (record.verdicts.get("antivirus") == "infected" or record.verdict_class in DANGEROUS_CLASSES
            or record.verdicts.get("antiphishing") == "phishing")


def safe_view(raw: bytes, record: BackupRecord, report: ScanReport | None = None,
              decision: DecisionPath | None = None) -> SafeView:
    """The view of a kept message; `record` carries the recipients the caller may see."""
    raw = normalised_line_endings(raw if isinstance(raw, bytes) else b"")[0]
    message = parse_message(raw)
    headers, headers_cut = _headers(raw)
    attachments = message.attachments[:ATTACHMENTS_MAX]
    return SafeView(
        backup_id=record.backup_id, message_id=record.message_id, sender=shown(record.sender),
        recipients=tuple(shown(r) for r in record.recipients), subject=shown(record.subject, HEADER_VALUE_MAX),
        reason=shown(record.reason), held_by=record.held_by, verdict_class=record.verdict_class,
        dangerous=is_dangerous(record), created_at=record.created_at, size=record.size or len(raw),
        headers=headers, headers_truncated=headers_cut, body=_body(message),
        attachments=_attachments(attachments, report, decision),
        attachments_truncated=len(message.attachments) > ATTACHMENTS_MAX,
        scanners=tuple(_scanner(r) for r in report.results) if report is not None else (),
        decision=decision, defects=tuple(shown(d) for d in message.defects[:DEFECTS_MAX]),
        incomplete=message.incomplete)


def decision_path(decision: Decision, recipients: Iterable[str], recorded: bool) -> DecisionPath:
    return DecisionPath(recipients=tuple(shown(r) for r in recipients), rule=shown(decision.rule),
                        action=decision.action, reason=shown(decision.reason, HEADER_VALUE_MAX),
                        module=decision.module, verdict_class=decision.verdict_class,
                        steps=tuple(shown(step, HEADER_VALUE_MAX) for step in decision.path),
                        recorded=recorded,
                        removals=tuple(RemovedPart(r.part_path, shown(r.filename) or None, shown(r.reason))
                                       for r in decision.removals))


def _headers(raw: bytes) -> tuple[tuple[HeaderLine, ...], bool]:
    """The top-level header fields from the bytes themselves: the parser's own view replaces control
    characters with spaces, the safe view shows them."""
    block = split_header_block(raw, 0, len(raw), DEFAULT_LIMITS)
    lines = []
    for name, value in block.fields[:HEADERS_MAX]:
        text, cut = visible(_header_text(value), HEADER_VALUE_MAX)
        lines.append(HeaderLine(shown(name, 200), text, cut or len(value) >= DEFAULT_LIMITS.max_header_length))
    return tuple(lines), len(block.fields) > HEADERS_MAX


def _header_text(raw_value: str) -> str:
    """A raw (surrogate-escaped) value as text: 8-bit bytes as UTF-8, else Windows-1252; encoded words decoded."""
    data = raw_value.encode("ascii", "surrogateescape")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    return decode_words(text).replace("\t", " ")  # folding whitespace: a space to the reader


def _body(message: Message) -> BodyText:
    source: Literal["text/plain", "text/html", "none"]
    if message.text_body.strip():
        text, source = message.text_body, "text/plain"
    elif message.html_text.strip():
        text, source = message.html_text, "text/html"  # rendered by the parser: text nodes only
    else:
        text, source = "", "none"
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()  # one kind of line break, as a reader sees
    shown_text, cut = visible(text, BODY_MAX, keep_lines=True)
    return BodyText(shown_text, source, cut)


def _attachments(attachments: Iterable[Attachment], report: ScanReport | None,
                 decision: DecisionPath | None) -> tuple[AttachmentLine, ...]:
    infected, findings = _part_findings(report)
    removed = _removed(decision)
    lines = []
    for attachment in attachments:
        path = attachment.part_path
        threats = infected.get(path, ())
        why = [f"infected: {', '.join(threats) or 'a threat'}"] if path in infected else []
        why += findings.get(path, [])
        if path in removed:
            why.append(f"removed: {removed[path]}")
        lines.append(AttachmentLine(
            part_path=shown(path), name=shown(attachment.filename) or None,
            declared_type=shown(attachment.declared_type), true_type=attachment.detected_type,
            size=attachment.size, sha256=attachment.sha256, infected=path in infected,
            threats=tuple(shown(t) for t in threats), removed=path in removed,
            why=tuple(shown(w) for w in why)))
    return tuple(lines)


def _part_findings(report: ScanReport | None) -> tuple[dict[str, tuple[str, ...]], dict[str, list[str]]]:
    """(infected part → its threats, part → what content filtering found in it) from the scan report."""
    if report is None:
        return {}, {}
    antivirus = report.result("antivirus")
    av = AntivirusDetails.of(antivirus.details if antivirus is not None else None)
    infected = {str(p.part_path): p.threats for p in av.parts if p.verdict == "infected" and p.part_path}
    findings: dict[str, list[str]] = {}
    for part in av.parts:
        if part.part_path and part.verdict not in (None, "clean", "infected"):
            findings.setdefault(str(part.part_path), []).append(f"anti-virus: {part.verdict}"
                                                                + (f" ({part.reason})" if part.reason else ""))
    content = report.result("content_filter")
    cf = ContentFilterDetails.of(content.details if content is not None else None)
    for match in cf.matches:
        for path in match.parts:
            findings.setdefault(path, []).append(f"content filtering: {match.expression} ({match.action})")
    return infected, findings


def _removed(decision: DecisionPath | None) -> Mapping[str, str]:
    """Part → why the decision took it out of the delivered copy."""
    return {r.part_path: r.reason for r in decision.removals} if decision is not None else {}


def _scanner(result: ScannerResult) -> ScannerLine:
    return ScannerLine(scanner=shown(result.scanner), verdict=shown(result.verdict), score=result.score,
                       tests=tuple(NamedTestLine(shown(c.test), c.score, shown(c.description), shown(c.evidence))
                                   for c in result.reasons[:TESTS_MAX]))
