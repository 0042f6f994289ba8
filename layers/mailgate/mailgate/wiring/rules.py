"""The `rules` function's composition root: a hand-off → per-recipient decisions → delivery, bounce,
Backup, notifications."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from mailgate.actions.context import RulesPorts
from mailgate.actions.outbound_limits import LimitCheck
from mailgate.actions.service import RulesService
from mailgate.aws.idempotency import DynamoExecuteOnce
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.outbound_counters import DynamoOutboundCounter
from mailgate.aws.personal_lists import DynamoPersonalLists
from mailgate.aws.rescan_scheduler import EventBridgeRescanScheduler
from mailgate.aws.secrets import SecretStore
from mailgate.aws.ses_sender import SesRawSender
from mailgate.config import GatewayConfig, Route
from mailgate.delivery.base import Deliverer, DeliveryResult
from mailgate.delivery.route_watch import RouteWatch, WatchedDeliverer, route_label
from mailgate.delivery.smtp_relay import SmtpRelay
from mailgate.quarantine.rescan import RescanScheduler
from mailgate.rules.current import PersonalLookup
from mailgate.rules.personal_source import PersonalListSource
from mailgate.secret_names import DELIVERY
from mailgate.wiring import replay, stores
from mailgate.wiring.process import config, current_service, local, settings


def service() -> RulesService:
    return current_service("rules", build_service)


def build_service() -> RulesService:
    s, cfg = settings(), config()
    store = S3MailStore(s.mail_bucket)
    ports = RulesPorts(
        events=stores.event_log(),
        backup=stores.backup_keeper(store),
        deliverer_for=deliverer_for,
        bounce_sender=SesRawSender(),
        execute_once=DynamoExecuteOnce(s.idempotency_table),
        seal=arc_sealer(cfg),
        sign=outbound_signer(cfg),
        outbound_deliverer_for=outbound_deliverer_for,
        directory=stores.directory_index,
        personal_lists=personal_lists(),
        quarantine=stores.quarantine_ledger(),
        schedule_rescan=rescan_scheduler(),
        outbound_counter=DynamoOutboundCounter(s.events_table) if cfg.outbound.enabled and s.events_table else None,
        announce=announce_outbound_limit,
        shadow=replay.shadow_recorder(),
    )
    return RulesService(cfg, store, ports)


@cache
def secret_store() -> SecretStore:
    """One per process, so secrets are read once and not on every delivery: signing and sealing keys and
    relay logins, never LDAP passwords."""
    return SecretStore(allowed=DELIVERY)


def deliverer_for(route: Route) -> Deliverer:
    """The route's deliverer, watched so that a destination that stops taking mail is noticed."""
    inner: Deliverer = SesRawSender() if route.kind == "ses" else SmtpRelay(route, config().delivery,
                                                                             secrets=secret_store())
    watch = route_watch()
    return WatchedDeliverer(inner, route_label(route), watch) if watch is not None else inner


def outbound_deliverer_for(route: Route) -> Deliverer:
    """The organisation's own mail: a route of kind "ses" sends with SES v2 (40 MB, the envelope recipients)."""
    if route.kind != "ses":
        return deliverer_for(route)
    watch = route_watch()
    sender = SesRawSender(api="v2")
    return WatchedDeliverer(sender, "ses-v2", watch) if watch is not None else sender


@cache
def route_watch() -> RouteWatch | None:
    board = stores.status_board()
    return RouteWatch(board) if board is not None else None


def outbound_signer(cfg: GatewayConfig) -> Callable[[bytes], bytes] | None:
    """DKIM for outbound mail, when keys are configured (dkimpy is loaded only then)."""
    if not cfg.dkim_signing:
        return None
    from mailgate.delivery.signing import OutboundSigner  # noqa: PLC0415

    return OutboundSigner(cfg.dkim_signing, secret_store())


def arc_sealer(cfg: GatewayConfig) -> Callable[[bytes], bytes] | None:
    if cfg.arc_sealing is None:
        return None
    from mailgate.delivery.arc_sealing import ArcSealer  # noqa: PLC0415 - dkimpy (~35 ms) only when configured

    return ArcSealer(cfg.arc_sealing, secret_store(), cfg.authserv_id)


def rescan_scheduler() -> RescanScheduler | None:
    """EventBridge Scheduler in AWS, local mode's scheduler there; None: the quarantine holds nothing."""
    s = settings()
    if s.rescan_group and s.rescan_target_arn and s.rescan_role_arn:
        return EventBridgeRescanScheduler(s.rescan_group, s.rescan_target_arn, s.rescan_role_arn)
    return local.rescans


@cache
def personal_lists() -> PersonalLookup | None:
    """Each recipient's own allow/deny lists, kept a minute per address; None without a settings table."""
    table = settings().settings_table
    return PersonalListSource(DynamoPersonalLists(table).lists) if table else None


def release_order(message: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """A release from Backup the admin API ordered (mailgate.backup.releasing): delivered here, where the relay
    logins and the ARC key may be read, through the same execute-once table as every delivery."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415 - releases only
        IdempotencyAlreadyInProgressError,
    )

    from mailgate.backup.releasing import ReleasePorts, run_order  # noqa: PLC0415 - releases only

    s, cfg = settings(), config()
    store = S3MailStore(s.mail_bucket)
    once = DynamoExecuteOnce(s.idempotency_table)
    if context is not None:
        once.register_lambda_context(context)

    ports = ReleasePorts(read_original=store.get_bytes, deliverer_for=deliverer_for, execute_once=once,
                         index=stores.backup_index(), events=stores.event_log(), seal=arc_sealer(cfg),
                         report=stores.report_keeper(store).get, in_progress=(IdempotencyAlreadyInProgressError,))
    return run_order(message, cfg, ports)


def send_own_mail(message: dict[str, Any]) -> dict[str, Any]:
    """The gateway's own mail the admin API composed (mailgate.notify.own_mail), DKIM-signed when a key for the
    sender's domain is configured, delivered through its route."""
    from mailgate.delivery.signing import OutboundSigner  # noqa: PLC0415 - dkimpy for the digest only
    from mailgate.notify.own_mail import run_send  # noqa: PLC0415

    cfg = config()
    return run_send(message, cfg, deliverer_for, OutboundSigner(cfg.dkim_signing, secret_store()))


def announce_outbound_limit(found: LimitCheck, cfg: GatewayConfig) -> None:
    """Tells the administrators that a sender passed an outbound limit, sent by this function itself."""
    from mailgate.notify.application import outbound_limit_notice  # noqa: PLC0415
    from mailgate.notify.own_mail import send_order  # noqa: PLC0415
    from mailgate.wiring import application_notices  # noqa: PLC0415

    def send(mail_from: str, to: str, data: bytes) -> None:
        result = DeliveryResult.from_dict(send_own_mail(send_order(mail_from, to, data)))
        if to.lower() not in {a.lower() for a in result.accepted}:
            code, text = result.refused.get(to, (0, result.reply))
            raise RuntimeError(f"{result.host} refused {to}: {code} {text}".strip())

    notice = outbound_limit_notice(found.sender, found.sentence(cfg.outbound.limits), cfg.outbound.hold_over_limit)
    application_notices.notify(notice, cfg, send_with=send)
