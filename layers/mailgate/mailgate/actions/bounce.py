"""Reject: the recipients do not get the message; the sender gets a bounce (a DSN from the null sender)
unless that would be backscatter to a forged address."""

from __future__ import annotations

from mailgate.actions.context import MessageContext
from mailgate.actions.grouping import RecipientGroup
from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.delivery.dsn import build_bounce, should_bounce
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.events import model as ev


def reject(ctx: MessageContext, group: RecipientGroup, recipients: tuple[str, ...], reason: str, status: str,
           diagnostics: dict[str, str] | None = None, denied: bool = False) -> Outcome:
    """`status`: the enhanced status code of the DSN; `diagnostics`: the destination's words per recipient;
    `denied`: the sender is on a deny list (a bounce then needs the sender to be authenticated)."""
    rcpts = ", ".join(recipients)
    unvouched = ctx.unvouched(denied)
    if unvouched or ctx.ports.bounce_sender is None or not should_bounce(ctx.mail_from, ctx.raw):
        why = f"no bounce: {unvouched}" if unvouched else "no bounce is sent for this sender"
        ctx.log(group, ev.REJECTED, f"rejected: {reason}; {why}", rcpts, bounced=False)
        return Outcome(status=OutcomeStatus.REJECTED, bounced=False, reason=reason)
    failed = {r: (status, (diagnostics or {}).get(r, reason)) for r in recipients}
    bounce = build_bounce(ctx.raw, ctx.mail_from, failed, ctx.config.authserv_id, ctx.config.bounce_from, reason)
    try:
        ctx.ports.bounce_sender.deliver("", (ctx.mail_from,), bounce)  # the null sender
    except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
        ctx.log(group, ev.REJECTED, f"rejected: {reason}; the bounce could not be sent: {exc}", rcpts,
                bounced=False)
        return Outcome(status=OutcomeStatus.REJECTED, bounced=False, reason=reason, bounce_error=str(exc))
    ctx.log(group, ev.REJECTED, f"rejected: {reason}; bounce sent to {ctx.mail_from}", rcpts, bounced=True)
    return Outcome(status=OutcomeStatus.REJECTED, bounced=True, reason=reason)
