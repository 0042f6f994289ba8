"""The rule table applied to one recipient: first matching rule, then each module's verdict class →
the rule's action for it (each scanner's `judge`, in the registry's judge order); the strictest action wins,
everything else accumulates.

Strictness: Delete message > Reject > Delete attachment > Skip. Backup copies, subject tags, header
changes, the insecure-message warning and notifications add up across modules. Every step is written
to `Decision.path` as it is taken, so the explanation is the decision, never a re-computation.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.decision import (
    DELETE,
    DELETE_ATTACHMENT,
    DELIVER,
    HOLD,
    REJECT,
    STRICTNESS,
    Decision,
)
from mailgate.rules.matching import CompiledTable
from mailgate.rules.requests import Judging, Request
from mailgate.rules.sender_lists import NO_LISTS, ListOutcome
from mailgate.rules.table import DEFAULT_RULE, Rule, outbound_default_modules
from mailgate.scan.report import ScanReport
from mailgate.scanners.registry import JUDGE_ORDER


def decide(report: ScanReport, recipient: str, table: CompiledTable,
           directory: DirectoryIndex | None = None, lists: ListOutcome = NO_LISTS,
           hold_refused: str | None = None) -> Decision:
    """`lists`: what the allow/deny lists say for this sender and recipient (mailgate.rules.sender_lists).
    `hold_refused`: why the Anti-Spam Quarantine cannot hold this message (its limits), if it cannot."""
    sender = report.envelope.mail_from
    client_ip = report.envelope.client_ip
    direction = report.envelope.direction
    rule, why, position = table.first_match(sender, recipient, str(client_ip) if client_ip else None, directory,
                                            direction)
    skipped = table.enabled_before[position]
    path = [f"recipient {recipient} matched rule {rule.name!r} ({why})"
            + (f", after {skipped} rule{'s' if skipped != 1 else ''} that did not match" if skipped else "")]
    if direction == "outbound" and rule.name == DEFAULT_RULE:
        rule = msgspec.structs.replace(rule, modules=rule.outbound_modules or outbound_default_modules())
        path.append("outbound mail: the Default rule's outbound actions")
    if rule.mode != "scan":
        return _without_scanning(rule, path)
    path.extend(lists.notes)
    requests = [request for plugin in JUDGE_ORDER
                for request in plugin.judge(getattr(rule.modules, plugin.name), report.result(plugin.name),
                                            Judging(plugin.name, plugin.label, recipient, lists, path))]
    asking = [r for r in requests if r.asks]
    held = _quarantine(rule, asking, bool(report.facts.get("rescan")), hold_refused, path)
    return held if held is not None else _combine(rule, asking, path)


def _quarantine(rule: Rule, asking: Sequence[Request], rescan: bool, refused: str | None,
                path: list[str]) -> Decision | None:
    """The Anti-Spam Quarantine holds mail whose only doubt is an uncertain spam verdict; a re-scanned
    message, or one another module already condemns, is decided at once."""
    quarantine = rule.modules.antispam.quarantine
    spam = next((r for r in asking if r.module == "antispam"), None)
    if not quarantine.enabled or spam is None or spam.verdict_class not in quarantine.verdicts:
        return None
    if rescan:
        path.append("Anti-Spam Quarantine: this is the re-scan after the hold, so it is decided now")
        return None
    others = [r for r in asking if r is not spam and (r.action != DELIVER or r.options.backup)]
    if others or refused:
        why = refused or f"{others[0].module} asks for {others[0].action}"
        path.append(f"Anti-Spam Quarantine: not held ({why})")
        return None
    minutes = quarantine.hold_minutes
    path.append(f"Anti-Spam Quarantine: {spam.verdict_class.replace('_', ' ')} is uncertain: held for {minutes} "
                "minutes, then scanned again with the newer models and lists and decided")
    return Decision(HOLD, False, rule.name, f"held for {minutes} minutes by the Anti-Spam Quarantine ({spam.reason})",
                    "antispam", spam.verdict_class, tuple(path), hold_minutes=minutes)


def _without_scanning(rule: Rule, path: list[str]) -> Decision:
    action, reason = {
        "reject": (REJECT, f"rule {rule.name!r} rejects this mail without scanning"),
        "delete": (DELETE, f"rule {rule.name!r} deletes this mail without scanning or notifying the sender"),
        "skip": (DELIVER, f"rule {rule.name!r} delivers this mail without scanning"),
    }[rule.mode]
    path.append(f"mode {rule.mode}: no module runs; action {action}: {reason}")
    _rule_extras(rule, path)
    return Decision(action, False, rule.name, reason, path=tuple(path),
                    remove_headers=tuple(h.lower() for h in rule.remove_headers),
                    set_headers=tuple(rule.set_headers.items()), bcc=rule.bcc,
                    disclaimer=_disclaimer(rule, action, path))


def _disclaimer(rule: Rule, action: str, path: list[str]) -> str:
    """A rule's disclaimer goes on the copies it delivers (once per thread: see delivery.modifications)."""
    if not rule.disclaimer or action not in (DELIVER, DELETE_ATTACHMENT):
        return ""
    path.append(f"disclaimer {rule.disclaimer!r} added to the delivered copy")
    return rule.disclaimer


def _rule_extras(rule: Rule, path: list[str]) -> None:
    if rule.bcc:
        path.append(f"rule {rule.name!r} sends a BCC copy to {', '.join(rule.bcc)}")


def _combine(rule: Rule, asking: Sequence[Request], path: list[str]) -> Decision:
    remove_headers = dict.fromkeys(h.lower() for r in asking for h in r.options.remove_headers)
    remove_headers.update(dict.fromkeys(h.lower() for h in rule.remove_headers))
    set_headers: dict[str, str] = {}
    for request in asking:
        for name, value in request.options.set_headers.items():
            set_headers.setdefault(name, value)
    for name, value in rule.set_headers.items():
        set_headers.setdefault(name, value)
    _rule_extras(rule, path)
    if not asking:
        path.append("action deliver: no module asked for anything")
        return Decision(DELIVER, False, rule.name, "no policy violation", path=tuple(path),
                        remove_headers=tuple(remove_headers), set_headers=tuple(set_headers.items()), bcc=rule.bcc,
                        disclaimer=_disclaimer(rule, DELIVER, path))
    winner = max(asking, key=lambda r: STRICTNESS[r.action])  # the first of equals: module order
    backup = any(r.options.backup for r in asking)
    removals = tuple(dict.fromkeys(p for r in asking if r.action == DELETE_ATTACHMENT for p in r.removals)) \
        if winner.action == DELETE_ATTACHMENT else ()
    tags = tuple(dict.fromkeys(r.options.subject_tag for r in asking if r.options.subject_tag))
    warning = any(r.options.insecure_warning for r in asking)
    notifications = tuple(dict.fromkeys((who, r.verdict_class) for r in asking for who in r.options.notify))
    if len(asking) > 1:
        path.append("modules asked for: " + ", ".join(f"{r.module} {r.action}" for r in asking)
                    + f"; the strictest, {winner.action} from {winner.module}, wins")
    extras = [text for flag, text in ((tags, f"subject tagged {' '.join(tags)}"),
                                      (warning, "insecure-message warning added"),
                                      (notifications, "notify " + ", ".join(f"{w} ({c})" for w, c in notifications)))
              if flag]
    path.append(f"action {winner.action}: {winner.reason}" + ("; original kept in Backup" if backup else "")
                + "".join(f"; {text}" for text in extras))
    disclaimer = _disclaimer(rule, winner.action, path)
    return Decision(winner.action, backup, rule.name, winner.reason, winner.module, winner.verdict_class,
                    tuple(path), removals, tuple(remove_headers), tuple(set_headers.items()), tags, warning,
                    notifications, rule.bcc, disclaimer)
