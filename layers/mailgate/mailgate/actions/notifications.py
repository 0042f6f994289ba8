"""The notifications a decision asks for (administrator, recipient, sender), from the null sender; a failure
never fails the mail, and a notification is never about a notification."""

from __future__ import annotations

from mailgate.actions.context import MessageContext
from mailgate.actions.grouping import RecipientGroup
from mailgate.actions.outcome import Outcome
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.events import model as ev
from mailgate.notify.audience import SENDER, addressees, template_name_for
from mailgate.notify.compose import compose, is_notification, should_notify_sender
from mailgate.notify.context import context_from


def notify(ctx: MessageContext, group: RecipientGroup, outcome: Outcome) -> None:
    sender = ctx.ports.bounce_sender
    if not group.decision.notifications or sender is None:
        return
    if is_notification(ctx.raw):
        return  # two gateways must not notify each other in a loop
    settings = ctx.config.notifications
    context = context_from(ctx.report, outcome.to_dict(), ctx.subject, "")
    for who, verdict_class in dict.fromkeys(group.decision.notifications):
        if who == SENDER and not should_notify_sender(ctx.mail_from, ctx.raw):
            continue
        if who == SENDER and (unvouched := ctx.unvouched(group.decision.verdict_class == "blacklisted")):
            ctx.log(group, ev.NOTIFIED, f"no notification to the sender: {unvouched}", sent=False)
            continue
        name = template_name_for(who, group.decision.action, verdict_class)
        template = settings.template(name) if name else None
        to = addressees(who, settings, context)
        if template is None or not to:
            continue
        data = compose(settings, template, context, to, authserv_id=ctx.config.authserv_id)
        try:
            sender.deliver("", to, data)
            ctx.log(group, ev.NOTIFIED, f"notification {name!r} sent to {', '.join(to)}", template=name)
        except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
            ctx.log(group, ev.ERROR, f"notification {name!r} to {', '.join(to)} failed: {exc}")
