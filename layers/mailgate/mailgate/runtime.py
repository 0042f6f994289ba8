"""The composition root: settings from the environment, adapters wired to the services.

Handlers build these once per process (outside the handler function) so warm invocations reuse
clients, resolvers and the parsed configuration.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mailgate.config import GatewayConfig, Route, load_config
from mailgate.environment import Env, Settings

if TYPE_CHECKING:  # each handler imports only what its own path needs: that is its cold start
    from mailgate.actions.service import RulesService
    from mailgate.aws.event_table import DynamoEventLog
    from mailgate.aws.mail_store import S3MailStore
    from mailgate.aws.secrets import SecretStore
    from mailgate.backup.keeper import BackupKeeper
    from mailgate.delivery.base import Deliverer
    from mailgate.directory.cache import DirectoryCache
    from mailgate.directory.index import DirectoryIndex
    from mailgate.ports import StatusBoard
    from mailgate.quarantine.rescan import QuarantineLedger, RescanScheduler
    from mailgate.rules.current import PersonalLookup
    from mailgate.scan.service import ScanService
    from mailgate.scanners.antispam.learning import OrganisationModel
    from mailgate.scanners.antivirus.embedded import EmbeddedClamd


T = TypeVar("T")


@cache
def settings() -> Settings:
    return Settings.from_env()


CONFIG_TTL_SECONDS = 30.0  # how soon a change made through the admin API reaches a warm function
_config: tuple[float, GatewayConfig] | None = None


def config() -> GatewayConfig:
    """The settings table's configuration when SETTINGS_TABLE is set (re-read every 30 s), else the
    environment's; the environment's also while the table holds none yet."""
    global _config  # noqa: PLW0603 - one cached value per process, like the cached settings
    now = time.monotonic()
    if _config is not None and now - _config[0] < CONFIG_TTL_SECONDS:
        return _config[1]
    loaded: GatewayConfig | None = None
    if table := settings().settings_table:
        from mailgate.aws.settings_table import load_gateway_config  # noqa: PLC0415

        loaded = load_gateway_config(table)
    _config = (now, loaded or load_config())
    return _config[1]


def reset_config() -> None:
    global _config  # noqa: PLW0603
    _config = None
    _services.clear()


_services: dict[str, tuple[GatewayConfig, Any]] = {}


def current_service(name: str, build: Callable[[], T]) -> T:
    """The handler's service, rebuilt when the configuration changed (an API edit reaches warm
    functions within the config's re-read interval) and reused otherwise."""
    cfg = config()
    held = _services.get(name)
    if held is None or held[0] != cfg:
        held = (cfg, build())
        _services[name] = held
    service: T = held[1]
    return service


def event_log(s: Settings, cfg: GatewayConfig) -> DynamoEventLog:
    from mailgate.aws.event_table import DynamoEventLog  # noqa: PLC0415

    return DynamoEventLog(s.events_table, cfg.event_retention_days)


def backup_keeper(s: Settings, cfg: GatewayConfig, store: S3MailStore) -> BackupKeeper:
    from mailgate.aws.backup_table import DynamoBackupIndex  # noqa: PLC0415
    from mailgate.backup.keeper import BackupKeeper  # noqa: PLC0415

    return BackupKeeper(store, DynamoBackupIndex(s.backup_table, cfg.backup_retention_days), s.backup_prefix)


def scan_service() -> ScanService:
    from mailgate.aws.mail_store import S3MailStore  # noqa: PLC0415
    from mailgate.aws.queue import SqsQueue  # noqa: PLC0415
    from mailgate.scan.service import ScanService  # noqa: PLC0415
    from mailgate.scanners.registry import build_scanners  # noqa: PLC0415

    s, cfg = settings(), config()
    cfg = with_embedded_clamd(cfg)
    store = S3MailStore(s.mail_bucket)
    ledger = quarantine_ledger(s)
    return ScanService(cfg, store, event_log(s, cfg), build_scanners(cfg, directory_cache(), antispam_model()),
                       backup_keeper(s, cfg, store),
                       SqsQueue(s.rules_queue_url), s.reports_prefix, status_board(),
                       release_hold=ledger.release if ledger is not None else None)


CLAMD_WORKDIR = Path("/tmp/mailgate-clamav")  # noqa: S108 - Lambda's only writable directory


@cache
def embedded_clamd() -> EmbeddedClamd | None:
    """The scan function's own clamd when it runs from the container image (CLAMAV_SIGNATURES names
    the signatures in S3); None elsewhere (local mode and tests start clamd themselves)."""
    location = os.environ.get(Env.CLAMAV_SIGNATURES, "")
    if not location:
        return None
    from mailgate.aws.signature_store import S3SignatureStore  # noqa: PLC0415
    from mailgate.scanners.antivirus.embedded import EmbeddedClamd  # noqa: PLC0415

    return EmbeddedClamd(S3SignatureStore(location), CLAMD_WORKDIR, config().antivirus)


def with_embedded_clamd(cfg: GatewayConfig) -> GatewayConfig:
    """The configuration with the embedded clamd's socket when there is one and no clamd is configured.
    A clamd that fails to start still gets its address: Anti-Virus then answers `error` (mail is held
    in Backup), never `skipped`."""
    clamd = embedded_clamd()
    if clamd is None or cfg.antivirus.clamd:
        return cfg
    import msgspec  # noqa: PLC0415

    try:
        address = clamd.address()
    except Exception:
        logging.getLogger(__name__).exception("the embedded clamd did not start")
        address = clamd.planned_address()
    return msgspec.structs.replace(cfg, antivirus=msgspec.structs.replace(cfg.antivirus, clamd=address))


def refresh_antivirus() -> None:
    """Each scan invocation: reload newer signatures into the embedded clamd when they are due."""
    if (clamd := embedded_clamd()) is not None:
        clamd.refresh_if_due()


def status_board() -> StatusBoard | None:
    """Notes the functions leave for /health (signature age), in the settings table when there is one."""
    if not settings().settings_table:
        return None
    from mailgate.aws.status_board import DynamoStatusBoard  # noqa: PLC0415

    return DynamoStatusBoard(settings().settings_table)


@cache
def directory_cache() -> DirectoryCache | None:
    """The LDAP/AD cache, one per process (it reloads itself when a sync publishes); None without one."""
    table = settings().directory_table
    if not table:
        return None
    from mailgate.aws.directory_table import DynamoDirectoryStore  # noqa: PLC0415
    from mailgate.directory.cache import DirectoryCache  # noqa: PLC0415

    return DirectoryCache(DynamoDirectoryStore(table))


# How soon feedback given through the admin API reaches a warm scan function (local mode: at once).
ANTISPAM_REFRESH_SECONDS = 60.0


@cache
def antispam_model() -> OrganisationModel | None:
    """The organisation's learned anti-spam counts, one per process: its version is checked at most every
    minute and the counts reloaded only when feedback changed them. None without a settings table."""
    s = settings()
    if not (s.settings_table and s.mail_bucket):
        return None
    from mailgate.aws.antispam_store import DynamoS3OrganisationStore  # noqa: PLC0415
    from mailgate.scanners.antispam.feedback import DEFAULT_ORGANISATION  # noqa: PLC0415
    from mailgate.scanners.antispam.learning import OrganisationModel  # noqa: PLC0415

    refresh = float(os.environ.get(Env.ANTISPAM_REFRESH_SECONDS, ANTISPAM_REFRESH_SECONDS))
    return OrganisationModel(DEFAULT_ORGANISATION, DynamoS3OrganisationStore(s.settings_table, s.mail_bucket),
                             refresh_seconds=refresh)


@cache
def secret_store() -> SecretStore:
    """One per process, so secrets are read once and not on every delivery."""
    from mailgate.aws.secrets import SecretStore  # noqa: PLC0415
    from mailgate.secret_names import DELIVERY  # noqa: PLC0415

    return SecretStore(allowed=DELIVERY)  # signing and sealing keys, relay logins: never LDAP passwords


def deliverer_for(route: Route) -> Deliverer:
    cfg = config()
    if route.kind == "ses":
        from mailgate.aws.ses_sender import SesRawSender  # noqa: PLC0415

        return SesRawSender()
    from mailgate.delivery.smtp_relay import SmtpRelay  # noqa: PLC0415

    return SmtpRelay(route, cfg.delivery, secrets=secret_store())


def arc_sealer(cfg: GatewayConfig) -> Callable[[bytes], bytes] | None:
    if cfg.arc_sealing is None:
        return None
    from mailgate.delivery.arc_sealing import ArcSealer  # noqa: PLC0415

    return ArcSealer(cfg.arc_sealing, secret_store(), cfg.authserv_id)


def rules_service() -> RulesService:
    from mailgate.actions.processor import RulesPorts  # noqa: PLC0415
    from mailgate.actions.service import RulesService  # noqa: PLC0415
    from mailgate.aws.idempotency import DynamoExecuteOnce  # noqa: PLC0415
    from mailgate.aws.mail_store import S3MailStore  # noqa: PLC0415
    from mailgate.aws.ses_sender import SesRawSender  # noqa: PLC0415

    s, cfg = settings(), config()
    store = S3MailStore(s.mail_bucket)
    ports = RulesPorts(
        events=event_log(s, cfg),
        backup=backup_keeper(s, cfg, store),
        deliverer_for=deliverer_for,
        bounce_sender=SesRawSender(),
        execute_once=DynamoExecuteOnce(s.idempotency_table),
        seal=arc_sealer(cfg),
        directory=directory_index,
        personal_lists=personal_lists(),
        quarantine=quarantine_ledger(s),
        schedule_rescan=rescan_scheduler(s),
    )
    return RulesService(cfg, store, ports)


_local_rescans: RescanScheduler | None = None


def use_local_rescans(scheduler: RescanScheduler | None) -> None:
    """Local mode: its scheduler puts re-scan requests on the local scan queue when holds end."""
    global _local_rescans  # noqa: PLW0603 - set once by the local gateway
    _local_rescans = scheduler
    _services.clear()


def rescan_scheduler(s: Settings) -> RescanScheduler | None:
    """EventBridge Scheduler in AWS, the local scheduler in local mode; None: the quarantine holds nothing."""
    if s.rescan_group and s.rescan_target_arn and s.rescan_role_arn:
        from mailgate.aws.rescan_scheduler import EventBridgeRescanScheduler  # noqa: PLC0415

        return EventBridgeRescanScheduler(s.rescan_group, s.rescan_target_arn, s.rescan_role_arn)
    return _local_rescans


def quarantine_ledger(s: Settings) -> QuarantineLedger | None:
    from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger  # noqa: PLC0415

    return DynamoQuarantineLedger(s.backup_table) if s.backup_table else None


@cache
def personal_lists() -> PersonalLookup | None:
    """Each recipient's own allow/deny lists, kept a minute per address; None without a settings table."""
    table = settings().settings_table
    if not table:
        return None
    from mailgate.aws.personal_lists import DynamoPersonalLists  # noqa: PLC0415
    from mailgate.rules.personal_source import PersonalListSource  # noqa: PLC0415

    return PersonalListSource(DynamoPersonalLists(table).lists)


def directory_index() -> DirectoryIndex | None:
    """The directory as it is now (the cache reloads itself when a sync publishes); None without one."""
    cache = directory_cache()
    return cache.index() if cache is not None else None
