"""What a notification can say about a message: plain data, built from the ScanReport and a decision.

The context is the only thing a template sees, so everything here is already a string or a number:
rendering never reaches back into the report, and a template cannot reveal more than this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailgate.scan.report import ScannerResult, ScanReport
from mailgate.scanners.antivirus.details import AntivirusDetails

# How %MESSAGE_ACTION% names the decision's action (the action codes of mailgate.rules.decision).
ACTION_WORDS = {
    "deliver": "delivered",
    "reject": "rejected",
    "delete": "not delivered",
    "delete_attachment": "delivered without the affected attachments",
}


@dataclass(frozen=True)
class PartInfo:
    """One affected part: its file name, size in bytes (None: unknown) and what happened to it."""

    name: str
    size: int | None
    status: str  # "infected: Eicar-Test-Signature", "removed: executable", "unscannable: ..."


@dataclass(frozen=True)
class NotificationContext:
    sender: str  # the envelope sender; "<>" for the null sender
    sender_ip: str
    all_recipients: tuple[str, ...]
    affected_recipients: tuple[str, ...]  # the recipients this decision is about
    affected_rules: tuple[str, ...]
    subject: str
    date: str  # when the gateway received the message, for people to read
    message_id: str  # the gateway's id: finds the message in the event log and Backup
    smtp_message_id: str  # the Message-ID header of the message
    action: str  # in words ("not delivered, the original is held in Backup")
    verdicts: tuple[str, ...]  # "antivirus: infected", one per scanner
    backup_id: str = ""
    parts: tuple[PartInfo, ...] = ()


def context_from(report: ScanReport, decision_like: Mapping[str, Any], subject: str,
                 smtp_message_id: str) -> NotificationContext:
    """The context of one decision: `decision_like` is what the rules step returns for a group
    ({"recipients", "decision": Decision.to_dict(), "backup_id"}) or a bare Decision.to_dict()."""
    decision: Mapping[str, Any] = decision_like.get("decision") or decision_like
    envelope = report.envelope
    recipients = envelope.recipients
    affected = tuple(str(r) for r in decision_like.get("recipients") or ()) or recipients
    rules = decision_like.get("rules") or ([decision["rule"]] if decision.get("rule") else [])
    backup_id = str(decision_like.get("backup_id") or "")
    return NotificationContext(
        sender=envelope.mail_from.strip().strip("<>") or "<>",
        sender_ip=envelope.client_ip or "",
        all_recipients=recipients,
        affected_recipients=affected,
        affected_rules=tuple(str(r) for r in rules),
        subject=subject or str(report.facts.get("subject") or ""),
        date=_received(envelope.received_at, report.facts.get("date")),
        message_id=report.message_id,
        smtp_message_id=smtp_message_id or str(report.facts.get("message_id") or ""),
        action=_action_words(str(decision.get("action") or ""), bool(decision.get("backup") or backup_id)),
        verdicts=tuple(f"{r.scanner}: {r.verdict}" for r in report.results),
        backup_id=backup_id,
        parts=affected_parts(report, decision),
    )


def _action_words(action: str, backup: bool) -> str:
    words = ACTION_WORDS.get(action, action)
    return f"{words}, the original is held in Backup" if backup else words


def _received(received_at: Any, header_date: Any) -> str:
    """The envelope's arrival time in UTC when known (the Date header is the sender's claim)."""
    if received_at:
        try:
            return datetime.fromisoformat(str(received_at)).strftime("%Y-%m-%d %H:%M:%S UTC")
        except ValueError:
            return str(received_at)
    return str(header_date or "")


def affected_parts(report: ScanReport, decision: Mapping[str, Any]) -> tuple[PartInfo, ...]:
    """The parts a notification lists: those the decision removed, then those Anti-Virus or Content
    Filtering found something in. One entry per part; Anti-Virus's finding names it first."""
    sizes = {str(a.get("part_path")): a for a in report.facts.get("attachments") or () if isinstance(a, Mapping)}
    found: dict[str, tuple[str | None, str]] = {}  # part path → (file name, status)
    for part_path, name, status in [*_antivirus_parts(report.result("antivirus")),
                                    *_removed_parts(decision),
                                    *_content_filter_parts(report.result("content_filter"))]:
        if part_path not in found:
            found[part_path] = (name, status)
    parts = []
    for part_path, (name, status) in found.items():
        fact = sizes.get(part_path) or {}
        size = fact.get("size")
        parts.append(PartInfo(name or fact.get("filename") or f"part {part_path}",
                              int(size) if isinstance(size, int) else None, status))
    return tuple(parts)


def _antivirus_parts(result: ScannerResult | None) -> list[tuple[str, str | None, str]]:
    if result is None:
        return []
    found = []
    for part in AntivirusDetails.of(result.details).parts:
        verdict = part.verdict or "clean"
        if verdict == "clean":
            continue
        threats = ", ".join(part.threats)
        found.append((str(part.part_path), part.filename, f"{verdict}: {threats or part.reason or 'no details'}"))
    return found


def _removed_parts(decision: Mapping[str, Any]) -> list[tuple[str, str | None, str]]:
    """Removals say why in the rules' words ("Content Filtering: executable"); "removed: executable"."""
    found = []
    for removal in decision.get("removals") or ():
        reason = str(removal.get("reason") or "").removeprefix("Content Filtering: ")
        found.append((str(removal.get("part_path")), removal.get("filename"), f"removed: {reason}".rstrip(": ")))
    return found


def _content_filter_parts(result: ScannerResult | None) -> list[tuple[str, str | None, str]]:
    if result is None:
        return []
    names = result.details.get("part_names") or {}
    return [(str(part), names.get(part), f"matched: {match.get('expression')}")
            for match in result.details.get("matches") or () for part in match.get("parts") or ()]
