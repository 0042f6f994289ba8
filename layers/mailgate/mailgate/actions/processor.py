"""The rules step: decide per recipient, then act once per group of recipients that share a decision.

Each group's action runs at most once per (message, recipients) through `execute_once` (Powertools
idempotency on DynamoDB in the cloud), so a retried invocation never delivers twice. Temporary
delivery failures raise TemporaryDeliveryError until the last attempt, which keeps the message in
Backup; the queue redelivers the hand-off in between.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from mailgate.actions import outbound_limits
from mailgate.actions.bounce import reject
from mailgate.actions.context import MessageContext, RulesPorts
from mailgate.actions.copies import send_copies
from mailgate.actions.deliver import deliver, deliver_without_parts
from mailgate.actions.grouping import MAX_RECIPIENTS_PER_COPY, RecipientGroup, group_recipients
from mailgate.actions.hold import hold
from mailgate.actions.notifications import notify
from mailgate.actions.outbound_limits import LimitCheck
from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.config import GatewayConfig
from mailgate.costing.usage import CostMeter
from mailgate.events import model as ev
from mailgate.ports import ExecuteOnce
from mailgate.rules.current import needs_directory
from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, DELIVER, HOLD, REJECT, Decision
from mailgate.scan.report import ScanReport

__all__ = ["RulesPorts", "act", "process_report", "run_directly"]


def process_report(report: ScanReport, raw: bytes, subject: str, config: GatewayConfig, ports: RulesPorts,
                   final_attempt: bool = False) -> list[Outcome]:
    meter = CostMeter()  # the step's time up to its first decision, priced into that decision's event
    personal = ports.personal_lists
    directory = ports.directory() if personal is not None or needs_directory(config.rules) else None
    ctx = MessageContext(report, raw, subject, config, ports, final_attempt, directory, personal, meter)
    rescan = report.facts.get("rescan") or {}
    pinned = ports.quarantine.pinned(str(rescan.get("hold_key") or "")) \
        if rescan and ports.quarantine is not None else None
    limited = _outbound_limits(ctx)
    if pinned:  # an administrator held it from the exposure search: kept whatever the re-scan found
        outcomes = _held_as(ctx, pinned_decision(pinned))
    elif limited is not None and limited.over and config.outbound.hold_over_limit:
        outcomes = _held_as(ctx, outbound_limits.held_decision(limited, config.outbound.limits))
    else:
        outcomes = _act_on(ctx, None)
    if rescan and ports.quarantine is not None:  # the re-scan's decision is made: the hold gives back its place
        size = rescan.get("size")
        ports.quarantine.release(str(rescan.get("hold_key") or ""), int(size) if size else None)
    if ports.shadow is not None:  # shadow mode: the candidate's decisions logged once the live ones are carried out
        with contextlib.suppress(Exception):  # a shadow that fails never changes what was done
            ports.shadow(report, subject, outcomes, directory, personal, raw)
    return outcomes


def _outbound_limits(ctx: MessageContext) -> LimitCheck | None:
    """Outbound mail's sender counted once (a retry reads the same counts), the limit it crosses announced and
    logged once; None for inbound mail or where no counter is wired."""
    counter = ctx.ports.outbound_counter
    if ctx.report.envelope.direction != "outbound" or counter is None:
        return None
    limits = ctx.config.outbound.limits

    def count() -> dict[str, Any]:
        found = outbound_limits.check(ctx.report, limits, counter)
        if found.crossed:
            summary = f"outbound limit passed by {found.sender}: {found.sentence(limits)}"
            ctx.ports.events.append([ev.Event(ctx.message_id, ev.WARNING, summary, sender=ctx.mail_from,
                                              subject=ctx.subject, detail=found.to_dict())])
            if ctx.ports.announce is not None:
                ctx.ports.announce(found, ctx.config)
        return found.to_dict()

    return LimitCheck.from_dict(ctx.ports.execute_once(f"{ctx.message_id}|outbound-limits", count))


def pinned_decision(reason: str) -> Decision:
    """A held message an administrator pinned from the exposure search (aws/quarantine_ledger.py `pin`)."""
    return Decision(action=DELETE, backup=True, rule="exposure search", reason=reason, verdict_class="pinned",
                    path=(reason, "held from the exposure search while it waited in the Anti-Spam Quarantine: "
                                  "kept in Backup whatever its re-scan found; an administrator releases what was "
                                  "legitimate"))


def _held_as(ctx: MessageContext, decision: Decision) -> list[Outcome]:
    """Every recipient kept in Backup under one decision, in groups of at most MAX_RECIPIENTS_PER_COPY."""
    recipients = ctx.report.envelope.recipients
    groups = [RecipientGroup(decision, None, tuple(recipients[start:start + MAX_RECIPIENTS_PER_COPY]))
              for start in range(0, len(recipients), MAX_RECIPIENTS_PER_COPY)]
    return [Outcome.from_dict(ctx.ports.execute_once(group_key(ctx, g), lambda g=g: act(ctx, g).to_dict()))  # type: ignore[misc]
            for g in groups]


def _act_on(ctx: MessageContext, recipients: Sequence[str] | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    retry: list[str] = []
    for group in group_recipients(ctx.report, ctx.config, recipients, ctx.directory, ctx.personal):
        stored = ctx.ports.execute_once(group_key(ctx, group), lambda g=group: act(ctx, g).to_dict())  # type: ignore[misc]
        outcome = Outcome.from_dict(stored)
        outcomes.append(outcome)
        retry.extend(outcome.retry_recipients)  # delivered to some, 4xx for others: a group of their own
    if retry:  # strictly fewer recipients each time (an all-4xx group raises), so this ends
        outcomes.extend(_act_on(ctx, retry))
    return outcomes


def group_key(ctx: MessageContext, group: RecipientGroup) -> str:
    """The group's execute-once key; the decision after a hold is a new one, not the hold again."""
    key = f"{ctx.message_id}|{','.join(sorted(r.lower() for r in group.recipients))}"
    return key + "|rescan" if ctx.report.facts.get("rescan") else key


def act(ctx: MessageContext, group: RecipientGroup) -> Outcome:
    """Carry out one group's decision: its event, Backup copy, action, BCC copies and notifications."""
    decision = group.decision
    ctx.log(group, ev.DECISION, f"rule {decision.rule}: {decision.action} ({decision.reason})",
            decision=decision.to_dict(), **ctx.cost.decision_detail(ctx.report.facts, ctx.raw, decision, ctx.config))
    backup_id = ctx.keep(group, group.recipients, decision.reason) if decision.backup else None
    key = group_key(ctx, group)
    actions: dict[str, Callable[[], Outcome]] = {
        DELIVER: lambda: deliver(ctx, group, ctx.raw, key),
        DELETE_ATTACHMENT: lambda: deliver_without_parts(ctx, group, backup_id, key),
        REJECT: lambda: reject(ctx, group, group.recipients, decision.reason, "5.7.1",
                               denied=decision.verdict_class == "blacklisted"),
        HOLD: lambda: hold(ctx, group, act),
        DELETE: lambda: _delete(ctx, group, backup_id),
    }
    if decision.action not in actions:
        raise ValueError(f"unknown action {decision.action!r}")
    outcome = actions[decision.action]().with_group(group.recipients, decision.to_dict(), backup_id)
    if decision.action != HOLD:  # copies and notifications come with the decision after the hold
        send_copies(ctx, group)
        notify(ctx, group, outcome)
    return outcome


def _delete(ctx: MessageContext, group: RecipientGroup, backup_id: str | None) -> Outcome:
    ctx.log(group, ev.DELETED, "not delivered: the original is held in Backup" if backup_id
            else "message deleted, sender not notified")
    return Outcome(status=OutcomeStatus.DELETED)


def _run_directly(key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return action()


def run_directly() -> ExecuteOnce:
    """For the CLI and dry runs: no idempotency store."""
    return _run_directly
