"""The Default rule until the rule table exists: what an administrator expects out of the box.

Each module that found something asks for an action; the strictest wins (Delete message > Reject >
Delete attachment > Skip), Backup copies and header changes accumulate:
- Mail Sender Authentication: DMARC fail under an applied p=reject → Reject, original in Backup.
- Anti-Virus: infected → held in Backup (not delivered), or, when the administrator chose to remove
  infected parts and only attachments carry the threats, Delete attachment with the original in
  Backup; unscannable or error → held in Backup (never delivered as if clean); skipped → nothing.
- Content Filtering: the triggered expressions' own actions, Backup switches and header changes, for
  the expressions that apply to this recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailgate.report import ScannerResult, ScanReport
from mailgate.rules.decision import (
    DELETE,
    DELETE_ATTACHMENT,
    DELIVER,
    REJECT,
    STRICTNESS,
    Decision,
    PartRemoval,
)
from mailgate.scanners.content_filter.outcome import resolve

DEFAULT_RULE = "Default"
CONTENT_FILTER_ACTIONS = {"skip": DELIVER, "reject": REJECT, "delete_attachment": DELETE_ATTACHMENT,
                          "delete_message": DELETE}


@dataclass(frozen=True)
class _Request:
    """What one module asks the rule to do."""

    action: str
    backup: bool
    module: str
    verdict_class: str
    reason: str
    removals: tuple[PartRemoval, ...] = ()
    remove_headers: tuple[str, ...] = ()
    set_headers: tuple[tuple[str, str], ...] = ()


def decide(report: ScanReport, recipient: str) -> Decision:
    path = [f"recipient {recipient} matched rule {DEFAULT_RULE!r} (the only rule so far)"]
    requests = [request for request in (_authentication(report.result("authentication"), path),
                                         _antivirus(report.result("antivirus"), path),
                                         _content_filter(report.result("content_filter"), recipient, path))
                if request is not None]
    asking = [r for r in requests if r.action != DELIVER or r.backup or r.remove_headers or r.set_headers]
    if not asking:
        path.append("action deliver: no module asked for anything stricter")
        return Decision(DELIVER, False, DEFAULT_RULE, "no policy violation", None, None, tuple(path))
    winner = max(asking, key=lambda r: STRICTNESS[r.action])  # the first of equals: module order
    backup = any(r.backup for r in asking)
    removals = tuple(dict.fromkeys(p for r in asking if r.action == DELETE_ATTACHMENT for p in r.removals)) \
        if winner.action == DELETE_ATTACHMENT else ()
    remove_headers = tuple(dict.fromkeys(h for r in asking for h in r.remove_headers))
    set_headers: dict[str, str] = {}
    for request in asking:
        for name, value in request.set_headers:
            set_headers.setdefault(name, value)
    if len(asking) > 1:
        path.append("modules asked for: " + ", ".join(f"{r.module} {r.action}" for r in asking)
                    + f"; the strictest, {winner.action} from {winner.module}, wins")
    path.append(f"action {winner.action}: {winner.reason}"
                + ("; original kept in Backup" if backup else ""))
    return Decision(winner.action, backup, DEFAULT_RULE, winner.reason, winner.module, winner.verdict_class,
                    tuple(path), removals, remove_headers, tuple(set_headers.items()))


def _authentication(auth: ScannerResult | None, path: list[str]) -> _Request | None:
    if auth is None:
        path.append("no authentication result: nothing to enforce")
        return None
    if auth.verdict == "error":
        path.append("authentication check failed to run: treated as neutral, never as bad")
        return None
    dmarc = auth.details.get("dmarc") or {}
    result, applied = dmarc.get("result"), dmarc.get("applied_policy")
    domain = dmarc.get("from_domain") or "?"
    path.append(f"DMARC for {domain}: result {result}, policy {dmarc.get('policy')}, applied {applied}")
    if result == "fail" and applied == "reject":
        return _Request(REJECT, True, "authentication", "dmarc_reject",
                        f"DMARC authentication failed for {domain}, whose owner asks receivers to "
                        "reject such mail (p=reject)")
    return None


def _antivirus(result: ScannerResult | None, path: list[str]) -> _Request | None:
    if result is None or result.verdict == "skipped":
        path.append("Anti-Virus: not scanned (no clamd configured)")
        return None
    details = result.details
    if result.verdict == "clean":
        path.append("Anti-Virus: clean")
        return None
    if result.verdict == "infected":
        threats = ", ".join(details.get("threats") or ()) or "a threat"
        infected = [p for p in details.get("parts") or () if p.get("verdict") == "infected"]
        if details.get("on_infected") == "remove_parts" and details.get("removable") and infected:
            removals = tuple(PartRemoval(str(p["part_path"]), p.get("filename"),
                                         f"infected: {', '.join(p.get('threats') or ()) or 'a threat'}")
                             for p in infected)
            names = ", ".join(p.get("filename") or f"part {p['part_path']}" for p in infected)
            path.append(f"Anti-Virus: infected ({threats}) in {names} only: those attachments are removed")
            return _Request(DELETE_ATTACHMENT, True, "antivirus", "infected",
                            f"infected attachments removed ({threats})", removals)
        path.append(f"Anti-Virus: infected ({threats}): the message is held in Backup")
        return _Request(DELETE, True, "antivirus", "infected",
                        f"the message contains a virus or malware ({threats})")
    why = _first_reason(details) or result.verdict
    if result.verdict == "unscannable":
        path.append(f"Anti-Virus: unscannable ({why}): held in Backup, never delivered as if clean")
        return _Request(DELETE, True, "antivirus", "unscannable",
                        f"the message could not be scanned for viruses ({why})")
    path.append(f"Anti-Virus: the scan failed ({why}): held in Backup, never delivered as if clean")
    return _Request(DELETE, True, "antivirus", "error", f"the anti-virus scan failed ({why})")


def _first_reason(details: Mapping[str, Any]) -> str | None:
    for stream in (details.get("message"), *(details.get("parts") or ())):
        if isinstance(stream, Mapping) and stream.get("verdict") != "clean" and stream.get("reason"):
            return str(stream["reason"])
    return None


def _content_filter(result: ScannerResult | None, recipient: str, path: list[str]) -> _Request | None:
    if result is None or result.verdict != "violation":
        if result is not None:
            path.append("Content Filtering: no expression triggered")
        return None
    matches = result.details.get("matches") or ()
    outcome = resolve(matches, recipient or None)
    if not outcome.expressions:
        path.append("Content Filtering: the triggered expressions do not apply to this recipient")
        return None
    action = CONTENT_FILTER_ACTIONS[outcome.action]
    names = ", ".join(repr(e) for e in outcome.expressions)
    path.append(f"Content Filtering: {names} triggered: {outcome.action}"
                + (" with Backup" if outcome.backup else ""))
    filenames = result.details.get("part_names") or {}
    reasons: dict[str, list[str]] = {}
    for match in matches:
        if match.get("action") == "delete_attachment":
            for part in match.get("parts") or ():
                reasons.setdefault(str(part), []).append(str(match["expression"]))
    removals = tuple(PartRemoval(part, filenames.get(part),
                                 "Content Filtering: " + ", ".join(reasons.get(part, ())))
                     for part in outcome.parts)
    return _Request(action, outcome.backup, "content_filter", outcome.action,
                    f"Content Filtering expression{'s' if len(outcome.expressions) > 1 else ''} {names} triggered",
                    removals,
                    tuple(h.lower() for h in outcome.remove_headers), tuple(outcome.set_headers.items()))

