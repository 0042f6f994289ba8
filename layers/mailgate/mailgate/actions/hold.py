"""The Anti-Spam Quarantine's hold: the message is counted in and its re-scan scheduled; when the quarantine is
full or the re-scan cannot be scheduled, the recipients are decided at once as if there were no quarantine."""

from __future__ import annotations

from collections.abc import Callable

from mailgate.actions.context import MessageContext
from mailgate.actions.grouping import RecipientGroup, group_recipients
from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.events import model as ev
from mailgate.quarantine.rescan import RescanRequest

Act = Callable[[MessageContext, RecipientGroup], Outcome]


def hold(ctx: MessageContext, group: RecipientGroup, act: Act) -> Outcome:
    """`act`: how a group decided at once is carried out (the processor's own)."""
    decision = group.decision
    request = RescanRequest.create(ctx.message_id, ctx.report.raw_location, ctx.report.envelope.to_dict(),
                                   group.recipients, decision.hold_minutes, decision.rule, len(ctx.raw))
    refused = _admit(ctx, request)
    if refused is not None:
        regrouped = group_recipients(ctx.report, ctx.config, group.recipients, ctx.directory, ctx.personal,
                                     hold_refused=refused)
        outcomes = tuple(act(ctx, g) for g in regrouped)
        retry = tuple(r for outcome in outcomes for r in outcome.retry_recipients)
        return Outcome(status=OutcomeStatus.DECIDED, not_held=refused, outcomes=outcomes, retry_recipients=retry)
    ctx.log(group, ev.HELD, f"held by the Anti-Spam Quarantine for {decision.hold_minutes} minutes; re-scan due "
            f"{request.due_at}", hold_key=request.hold_key, due_at=request.due_at)
    return Outcome(status=OutcomeStatus.HELD, due_at=request.due_at, hold_key=request.hold_key)


def _admit(ctx: MessageContext, request: RescanRequest) -> str | None:
    """None when the message is held and its re-scan scheduled; else why it cannot be held."""
    ledger, schedule = ctx.ports.quarantine, ctx.ports.schedule_rescan
    if ledger is None or schedule is None:
        return "the quarantine is not available in this deployment"
    limits = ctx.config.spam_quarantine
    refused = ledger.admit(request.hold_key, len(ctx.raw), limits.max_messages, limits.max_megabytes * 2**20,
                           request.details())
    if refused is None:
        try:
            schedule(request)
        except Exception as exc:  # a scheduler problem must not hold mail back for ever
            ledger.release(request.hold_key, request.size)
            refused = f"the re-scan could not be scheduled: {type(exc).__name__}: {exc}"[:300]
    return refused
