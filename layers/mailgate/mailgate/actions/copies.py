"""The rule's BCC copies: the original with our headers, whatever the action; a failed copy is an error
event and never fails the mail."""

from __future__ import annotations

from mailgate.actions.context import MessageContext
from mailgate.actions.grouping import RecipientGroup
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.delivery.outbound import prepare_for_delivery
from mailgate.events import model as ev


def send_copies(ctx: MessageContext, group: RecipientGroup) -> None:
    for address in group.decision.bcc:
        route = ctx.config.route_for(address)
        sender = ctx.ports.deliverer_for(route) if route else ctx.ports.bounce_sender
        if sender is None:
            continue
        data = prepare_for_delivery(ctx.raw, ctx.report, group.decision, ctx.config.authserv_id,
                                    ctx.config.header_prefix)
        try:
            sender.deliver(ctx.mail_from, (address,), data)
            ctx.log(group, ev.COPIED, f"copy sent to {address} (rule {group.decision.rule})")
        except (TemporaryDeliveryError, PermanentDeliveryError) as exc:
            ctx.log(group, ev.ERROR, f"copy to {address} failed: {exc}")
