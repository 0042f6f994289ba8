"""Deliver: the copy prepared for the destination (our headers, tags, warning, disclaimer, ARC seal), handed
over once, with the recipients it refused bounced or retried. Delete attachment delivers the rest."""

from __future__ import annotations

from typing import Any

import msgspec

from mailgate.actions.bounce import reject
from mailgate.actions.context import MessageContext
from mailgate.actions.grouping import RecipientGroup
from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.backup.model import HeldBy
from mailgate.config import Route
from mailgate.delivery.base import DeliveryResult
from mailgate.delivery.errors import MessageNotSealable, PermanentDeliveryError, TemporaryDeliveryError
from mailgate.delivery.modifications import modify
from mailgate.delivery.outbound import prepare_for_delivery
from mailgate.delivery.part_removal import CannotRemoveParts, removal_notice, remove_parts
from mailgate.events import model as ev


def deliver(ctx: MessageContext, group: RecipientGroup, raw: bytes, key: str) -> Outcome:
    """`raw`: the message to deliver (the original, or without removed parts); `key`: the group's
    execute-once key. A temporary failure raises until the last attempt, which keeps the original in Backup."""
    if group.route is None:
        return reject(ctx, group, group.recipients, "the recipient's domain is not accepted by this gateway", "5.1.2")
    data = prepare_for_delivery(raw, ctx.report, group.decision, ctx.config.authserv_id, ctx.config.header_prefix)
    unmodified = data
    data = _modified(ctx, group, data)
    modified = data is not unmodified and data != unmodified  # our tags, warning or disclaimer
    data, notes = _sealed(ctx, group, data)
    try:
        result = _handed_over(ctx, group, group.route, data, notes, key)
    except TemporaryDeliveryError as exc:
        if ctx.final_attempt:
            backup_id = ctx.keep(group, group.recipients, "undeliverable after retries", str(exc),
                                 HeldBy.DELIVERY_FAILURE)
            return Outcome(status=OutcomeStatus.BACKUP, error=str(exc), backup_id=backup_id)
        ctx.log(group, ev.DEFERRED, f"delivery deferred: {exc}")
        raise
    except PermanentDeliveryError as exc:
        kept = _keep_refused_original(ctx, group, group.recipients, modified, str(exc))
        rejected = reject(ctx, group, group.recipients, f"the destination server refused the message: {exc}",
                          exc.enhanced_status or "5.0.0")
        return msgspec.structs.replace(rejected, backup_id=kept) if kept else rejected
    return _after_hand_over(ctx, group, result, modified)


def _after_hand_over(ctx: MessageContext, group: RecipientGroup, result: DeliveryResult, modified: bool) -> Outcome:
    """Recipients the destination refused for good are bounced (their original kept when we changed the copy);
    those it refused for now are retried."""
    permanent, temporary = result.permanent, tuple(result.temporary)
    backup_id = bounce = None
    if permanent:
        backup_id = _keep_refused_original(
            ctx, group, tuple(permanent), modified,
            "; ".join(f"{r}: {code} {text}" for r, (code, text) in permanent.items()))
        bounce = reject(ctx, group, tuple(permanent), "the destination server refused these recipients", "5.0.0",
                        {r: f"{code} {text}" for r, (code, text) in permanent.items()})
    if temporary:
        ctx.log(group, ev.DEFERRED, "delivery deferred for some recipients", ", ".join(temporary))
    return Outcome(status=OutcomeStatus.DELIVERED if result.accepted else OutcomeStatus.REFUSED,
                   delivered=tuple(result.accepted), backup_id=backup_id, bounce=bounce, retry_recipients=temporary)


def deliver_without_parts(ctx: MessageContext, group: RecipientGroup, backup_id: str | None, key: str) -> Outcome:
    """Delete attachment: the rest goes on with a notice part; when the parts cannot be cut out exactly,
    nothing is delivered and the original stays in Backup."""
    removals = group.decision.removals
    names = [r.filename or f"part {r.part_path}" for r in removals]
    notice = removal_notice(zip(names, (r.reason for r in removals), strict=True))
    try:
        stripped = remove_parts(ctx.raw, {r.part_path for r in removals}, notice)
    except CannotRemoveParts as exc:
        ctx.log(group, ev.ERROR, f"attachments could not be removed: {exc}")
        if backup_id is None:
            backup_id = ctx.keep(group, group.recipients, "attachments could not be removed", str(exc),
                                 HeldBy.PROCESSING_ERROR)
        ctx.log(group, ev.DELETED, "not delivered: the original is held in Backup")
        return Outcome(status=OutcomeStatus.DELETED, backup_id=backup_id, error=str(exc))
    ctx.log(group, ev.PARTS_REMOVED, f"removed {len(removals)} attachment(s): " + ", ".join(names),
            removals=[r.to_dict() for r in removals])
    delivered = deliver(ctx, group, stripped, key)
    return msgspec.structs.replace(delivered, removed_parts=tuple(r.part_path for r in removals))


def _handed_over(ctx: MessageContext, group: RecipientGroup, route: Route, data: bytes, notes: list[str],
                 key: str) -> DeliveryResult:
    """Deliver and log the delivery as a step of its own, recorded as soon as the server took the copy:
    a worker that dies after it (copies, notifications, bounces) is retried without a second copy."""

    outbound = ctx.report.envelope.direction == "outbound" and ctx.ports.outbound_deliverer_for is not None
    deliverer_for = ctx.ports.outbound_deliverer_for if outbound else ctx.ports.deliverer_for

    def hand_over() -> dict[str, Any]:
        result = deliverer_for(route).deliver(ctx.mail_from, group.recipients, data)  # type: ignore[misc]
        if result.accepted:
            ctx.log(group, ev.DELIVERED, f"delivered to {result.host}:{result.port}: {result.reply}",
                    ", ".join(result.accepted), host=result.host, tls=result.tls,
                    **({"notes": notes} if notes else {}))
        return result.to_dict()

    return DeliveryResult.from_dict(ctx.ports.execute_once(f"{key}|handed-over", hand_over))


def _keep_refused_original(ctx: MessageContext, group: RecipientGroup, recipients: tuple[str, ...],
                           modified: bool, refusal: str) -> str | None:
    """A copy we changed (tags, warning, disclaimer) that the server refuses for good may have been refused
    for our change: the original goes to Backup so the recipient's mail is not lost."""
    if not modified:
        return None
    return ctx.keep(group, recipients, "the destination server refused the copy we modified", refusal,
                    HeldBy.DELIVERY_FAILURE)


def _modified(ctx: MessageContext, group: RecipientGroup, data: bytes) -> bytes:
    """Subject tags, the insecure-message warning and the rule's disclaimer; a body that cannot be changed
    safely is delivered as it is, and the event says why."""
    decision = group.decision
    if not (decision.subject_tags or decision.insecure_warning or decision.disclaimer):
        return data
    modified, problems = modify(data, decision, ctx.config.modifications)
    for text in problems:
        ctx.log(group, ev.ERROR, text)
    return modified


def _sealed(ctx: MessageContext, group: RecipientGroup, data: bytes) -> tuple[bytes, list[str]]:
    """The ARC seal, our authserv-id vouching for the results we recorded. Never our DKIM signature: this
    step delivers mail that came from outside, and a signature with our domain on a forged From would be
    replayable by anyone who received it (DKIM signing is for authenticated outbound mail only). A key or
    secret problem must not hold mail back (an error event); a message that cannot carry a seal (no
    From) is delivered with a note saying so."""
    notes: list[str] = []
    if ctx.report.envelope.direction == "outbound":
        return _signed(ctx, group, data), notes
    if ctx.ports.seal is None:
        return data, notes
    try:
        data = ctx.ports.seal(data)
    except MessageNotSealable as exc:
        notes.append(f"not ARC-sealed: {exc}")
    except (ValueError, RuntimeError) as exc:
        ctx.log(group, ev.ERROR, f"ARC sealing skipped: {exc}")
    return data, notes


def _signed(ctx: MessageContext, group: RecipientGroup, data: bytes) -> bytes:
    """Outbound mail, which came in through the organisation's authenticated ingress: our DKIM signature for the
    From domain when a key is configured (after the disclaimer, so the signature covers it). A key problem sends
    the mail unsigned with an error event rather than holding the organisation's mail."""
    if ctx.ports.sign is None:
        return data
    try:
        return ctx.ports.sign(data)
    except Exception as exc:
        ctx.log(group, ev.ERROR, f"DKIM signing skipped: {type(exc).__name__}: {exc}"[:500])
        return data
