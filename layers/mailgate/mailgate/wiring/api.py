"""The `api` function's composition root: the admin API's ports, each adapter built once per process.

The scanners are the one part loaded on first use, not at cold start: only the dry-run routes need them,
and they would double the import time of every other route's cold start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from mailgate import secret_names
from mailgate.api.ports import Ports
from mailgate.aws.backup_objects import S3BackupObjects
from mailgate.aws.digest_marks import DynamoDigestMarks
from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.aws.link_ledger import DynamoLinkLedger
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.password_vault import SecretsManagerVault
from mailgate.aws.personal_lists import DynamoPersonalLists
from mailgate.aws.queue_depth import SqsQueueDepths
from mailgate.aws.secrets import SecretsError, SecretStore
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.aws.stats_counters import DynamoStatsCounters
from mailgate.aws.sync_trigger import LambdaSyncTrigger
from mailgate.backup.digest import DigestPorts, DigestRun, run_digest
from mailgate.backup.link_actions import LinkPorts
from mailgate.backup.links import LinkKeyError, LinkSigner, parse_keys
from mailgate.backup.releasing import ReleasePorts
from mailgate.backup.removal import BackupRemover
from mailgate.backup.retention import RetentionLimits, RetentionSweep
from mailgate.config import GatewayConfig, load_config
from mailgate.directory.service import DirectoryAdmin, SyncTrigger
from mailgate.environment import SCHEDULED_JOB_KEY
from mailgate.scan.report import ScanReport
from mailgate.scanners.antispam.feedback import FeedbackService
from mailgate.settings.service import Actor, SettingsService
from mailgate.wiring import application_notices, replay, stores
from mailgate.wiring.learning import antispam_model
from mailgate.wiring.process import config, local, settings

if TYPE_CHECKING:
    from mailgate.aws.idempotency import DynamoExecuteOnce
    from mailgate.reports.gather import DirectoryHealth
    from mailgate.reports.service import ReportPorts


def ports() -> Ports:
    return Ports(events=cache(stores.event_log), backup=cache(stores.backup_index), settings=settings_service,
                 config=config, directory=directory_admin, antispam=feedback_service, mail=mail_store,
                 status=stores.status_board, report=stored_report, personal_lists=personal_lists,
                 dry_run_scanners=dry_run_scanners, quarantine=stores.quarantine_ledger,
                 backup_remover=backup_remover, backup_release=backup_release, links=link_ports,
                 stats=traffic_counters, queues=queue_depths,
                 summary_reports=summary_reports, notice=application_notices.notify,
                 replays=replay.replay_ports, shadow=replay.shadow_store)


@cache
def traffic_counters() -> DynamoStatsCounters:
    return DynamoStatsCounters(settings().events_table, config().event_retention_days)


@cache
def queue_depths() -> SqsQueueDepths:
    s = settings()
    return SqsQueueDepths({"scan": s.scan_queue_url, "scan_dlq": s.scan_dlq_url, "rules": s.rules_queue_url,
                           "rules_dlq": s.rules_dlq_url})


JOB_KEY = SCHEDULED_JOB_KEY


def application_checks_job() -> dict[str, Any]:
    """Application notices for conditions only a periodic look sees (mailgate.notify.application)."""
    from mailgate.scanners.antivirus.signature_watch import STATUS_COMPONENT  # noqa: PLC0415

    depths: SqsQueueDepths = queue_depths()
    board = stores.status_board()
    backup_bytes = stores.backup_index().totals()[1] if settings().backup_table else None
    return application_notices.periodic_checks(depths.depths(), board.read(STATUS_COMPONENT) if board else None,
                                               backup_bytes, _route_notes(board))


def _route_notes(board: Any) -> dict[str, Any]:
    """What the rules function last noted about each route of the current settings (one read per route)."""
    from mailgate.delivery.route_watch import COMPONENT_PREFIX, route_label  # noqa: PLC0415

    if board is None:
        return {}
    labels = {route_label(r) for r in config().domains.values()}
    return {label: board.read(COMPONENT_PREFIX + label) for label in sorted(labels)}


def run_job(name: str) -> dict[str, Any]:
    """The scheduled jobs the api function runs (EventBridge Scheduler in AWS, local mode's timer). The digest
    and the reports also run hourly as `<job>_at_hour`, which does the job only in the hour of their settings'
    time zone that the settings name: a changed hour or zone applies without a deployment."""
    jobs = {"backup_retention": lambda: dataclasses.asdict(retention_sweep().run()),
            "backup_digest": lambda: dataclasses.asdict(digest_job()),
            "backup_digest_at_hour": lambda: _at_hour(config().digest.hour, config().digest.time_zone,
                                                      lambda: dataclasses.asdict(digest_job())),
            "summary_reports": summary_reports_job,
            "summary_reports_at_hour": lambda: _at_hour(config().reports.hour, config().reports.time_zone,
                                                        summary_reports_job),
            "application_checks": application_checks_job}
    if name not in jobs:
        raise ValueError(f"unknown job {name!r}: the schedule's input should name one of {sorted(jobs)}")
    return {"job": name, "result": jobs[name]()}


def _at_hour(hour: int, zone: str, job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    local = datetime.now(UTC).astimezone(ZoneInfo(zone))
    if local.hour != hour:
        return {"skipped": f"it is {local:%H:%M} in {zone}; the job runs at {hour:02d}:00"}
    return job()


def retention_sweep() -> RetentionSweep:
    s, cfg = settings(), config()
    remover = backup_remover()
    if remover is None:
        raise RuntimeError("no MAIL_BUCKET: Backup's retention needs the mail bucket")
    index = stores.backup_index()
    return RetentionSweep(index, S3BackupObjects(s.mail_bucket, s.backup_prefix), remover, stores.event_log(),
                          RetentionLimits(cfg.backup_retention_days, cfg.backup_max_megabytes * 2**20,
                                          index.ttl_grace_days))


@cache
def backup_remover() -> BackupRemover | None:
    s = settings()
    if not s.mail_bucket:
        return None
    return BackupRemover(stores.backup_index(), S3BackupObjects(s.mail_bucket, s.backup_prefix), stores.event_log())


def backup_release() -> ReleasePorts | None:
    """Releases are delivered by the rules function, which holds the relay logins and the ARC key: invoked in AWS,
    its handler called in-process in local mode. Without either (unit tests), here, as the rules step does."""
    store = mail_store()
    if store is None:
        return None
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415 - releases only
        IdempotencyAlreadyInProgressError,
    )

    from mailgate.wiring import rules  # noqa: PLC0415 - the SMTP relay and dkimpy load for releases only

    remote = rules_invoker()
    once = execute_once()
    return ReleasePorts(read_original=store.get_bytes, deliverer_for=rules.deliverer_for,
                        execute_once=once, index=stores.backup_index(), events=stores.event_log(),
                        seal=None if remote else rules.arc_sealer(config()), report=stored_report,
                        in_progress=(IdempotencyAlreadyInProgressError,), bind_invocation=once.register_lambda_context,
                        remote=remote)


def rules_invoker() -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """The rules function, which delivers what this function orders (it holds the delivery secrets): invoked in
    AWS, its handler in local mode; None in unit tests, which deliver here."""
    if settings().rules_function:
        return _lambda_invoker(settings().rules_function)
    return local.rules_invoker


@cache
def _lambda_invoker(function_name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    from mailgate.aws.function_invoker import LambdaInvoker  # noqa: PLC0415 - releases and the digest only

    return LambdaInvoker(function_name)


@cache
def execute_once() -> DynamoExecuteOnce:
    from mailgate.aws.idempotency import DynamoExecuteOnce  # noqa: PLC0415 - Powertools idempotency: releases only

    return DynamoExecuteOnce(settings().idempotency_table)


def link_signer() -> LinkSigner:
    """The digest links' keys, read from Secrets Manager once per process (rotation: a new key is appended and
    picked up by each process on its next cold start; links signed with a listed key keep working)."""
    keys = parse_keys(link_secrets().get(secret_names.LINK_KEYS))
    return LinkSigner(keys, config().digest.link_days)


@cache
def link_secrets() -> SecretStore:
    return SecretStore(allowed=(secret_names.LINKS,))  # this function reads no other secret


def link_ports() -> LinkPorts | None:
    s = settings()
    if not s.backup_table:
        return None
    try:
        signer = link_signer()
    except (SecretsError, LinkKeyError):
        return None
    return LinkPorts(signer=signer, used=DynamoLinkLedger(s.backup_table), index=stores.backup_index(),
                     releasing=backup_release, allow_sender=allow_sender)


def allow_sender(recipient: str, sender: str, actor: str) -> bool:
    """Adds `sender` to `recipient`'s personal allow list (as PUT /lists/personal would, audited), as a release's
    `allow_sender` does; False when it cannot be listed (a bounce, not an address, or the list is full)."""
    from mailgate.backup.follow_up import allow_personally, why_sender_cannot_be_allowed  # noqa: PLC0415 - links only

    store = personal_lists()
    if store is None or why_sender_cannot_be_allowed(sender):
        return False
    allow_personally(store, [recipient], sender, Actor(actor, actor, "digest link: release and allow the sender"))
    return sender.strip().lower() in {a.lower() for a in store.get(recipient.strip().lower()).lists.allow}


def send_own_mail(mail_from: str, to: str, data: bytes) -> None:
    """The gateway's own mail (the Backup digest, the summary reports): the rules function signs and relays it
    (it holds the keys and logins; mailgate.notify.own_mail); raises unless `to` was accepted."""
    from mailgate.wiring import rules  # noqa: PLC0415 - the SMTP relay loads for own mail only

    remote, cfg = rules_invoker(), config()
    if remote is not None:
        from mailgate.notify.own_mail import result_from, send_order  # noqa: PLC0415

        result = result_from(remote(send_order(mail_from, to, data)))
    else:
        route = cfg.route_for(to)
        if route is None:
            raise ValueError(f"{to}: not a domain this gateway accepts")
        result = rules.deliverer_for(route).deliver(mail_from, (to,), data)
    if to.lower() not in {a.lower() for a in result.accepted}:
        code, text = result.refused.get(to, (0, result.reply))
        raise RuntimeError(f"{result.host} refused {to}: {code} {text}".strip())


def summary_reports() -> ReportPorts | None:
    """What the summary reports read and where they are kept (the mail bucket); None without one."""
    from mailgate.aws.report_store import S3ReportStore  # noqa: PLC0415 - reports only
    from mailgate.reports.gather import directory_health  # noqa: PLC0415
    from mailgate.reports.service import ReportPorts as Made  # noqa: PLC0415

    store = mail_store()
    if store is None:
        return None
    counters = traffic_counters()

    def directories() -> list[DirectoryHealth] | None:
        admin = directory_admin()
        if admin is None:
            return None
        return directory_health([(c.name, (st := admin.status(c.connection_id)).state, st.last_success,
                                  st.stale_since) for c in admin.connections()])

    return Made(store=S3ReportStore(store), index=stores.backup_index(),
                hourly=counters.hourly, directories=directories,
                send=send_own_mail)


def summary_reports_job() -> dict[str, Any]:
    """The reports due today (mailgate.reports.service.due), made, kept and mailed."""
    from mailgate.reports.service import run_scheduled  # noqa: PLC0415 - reports only

    made = summary_reports()
    if made is None:
        return {"reports": [], "skipped": "no mail bucket"}
    return {"reports": [dataclasses.asdict(r) for r in run_scheduled(config(), made)]}


def digest_job() -> DigestRun:
    s, cfg = settings(), config()
    if not cfg.digest.enabled:
        return DigestRun()

    send = send_own_mail

    def personal_allowed(address: str) -> bool:
        index = stores.directory_index()
        return index is None or index.personal_allowed(address)

    def wants_digest(address: str) -> bool:
        store = personal_lists()
        return store is None or store.wants_digest(address)

    return run_digest(cfg, DigestPorts(index=stores.backup_index(), marks=DynamoDigestMarks(s.backup_table),
                                       signer=link_signer(), send=send, personal_allowed=personal_allowed,
                                       wants_digest=wants_digest))


@cache
def settings_service() -> SettingsService:
    return SettingsService(DynamoSettingsStore(settings().settings_table), load_config)


@cache
def directory_admin() -> DirectoryAdmin | None:
    s = settings()
    if not s.directory_table:
        return None
    trigger: SyncTrigger | None = LambdaSyncTrigger(s.ldap_sync_function) if s.ldap_sync_function \
        else local.sync_trigger
    if trigger is None:
        raise RuntimeError("no LDAP_SYNC_FUNCTION to start a directory sync with: set it to the ldap_sync "
                           "function's name (the MailGateway construct does)")
    return DirectoryAdmin(DynamoDirectoryStore(s.directory_table), SecretsManagerVault(), trigger)


@cache
def feedback_service() -> FeedbackService | None:
    model = antispam_model()
    return FeedbackService(model, stores.event_log()) if model is not None else None


@cache
def mail_store() -> S3MailStore | None:
    bucket = settings().mail_bucket
    return S3MailStore(bucket) if bucket else None


@cache
def personal_lists() -> DynamoPersonalLists | None:
    table = settings().settings_table
    return DynamoPersonalLists(table) if table else None


def dry_run_scanners(cfg: GatewayConfig) -> Sequence[Any]:
    """The scanners for uploaded dry runs, with the organisation's learned anti-spam model."""
    from mailgate.rules.dry_run import dry_run_scanners as build  # noqa: PLC0415 - see the module's docstring

    return build(cfg, antispam_model())


def stored_report(message_id: str) -> ScanReport | None:
    """The ScanReport the scan function stored for the message, if it still exists."""
    return stores.report_keeper(mail_store()).get(message_id)
