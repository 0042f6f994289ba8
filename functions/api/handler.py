"""Lambda `api`: the admin API. Routes, roles and errors live in mailgate.api; this wires the adapters."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from mailgate import runtime
from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.environment import require
from mailgate.scan.report import ScanReport
from mailgate.settings.service import SettingsService
from mailgate.tracing import function_tracer

if TYPE_CHECKING:
    from mailgate.aws.mail_store import S3MailStore
    from mailgate.aws.personal_lists import DynamoPersonalLists
    from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger
    from mailgate.config import GatewayConfig
    from mailgate.directory.service import DirectoryAdmin, SyncTrigger
    from mailgate.scanners.antispam.feedback import FeedbackService

require("api")  # a missing variable stops the cold start, not the first call

logger = Logger(service="mailgate-api")
tracer = function_tracer("mailgate-api")


@cache
def events() -> DynamoEventLog:
    return runtime.event_log(runtime.settings(), runtime.config())


@cache
def backup_index() -> DynamoBackupIndex:
    return DynamoBackupIndex(runtime.settings().backup_table, runtime.config().backup_retention_days)


@cache
def settings_service() -> SettingsService:
    from mailgate.aws.settings_table import DynamoSettingsStore  # noqa: PLC0415
    from mailgate.config import load_config  # noqa: PLC0415

    return SettingsService(DynamoSettingsStore(runtime.settings().settings_table), load_config)


@cache
def directory_admin() -> DirectoryAdmin | None:
    s = runtime.settings()
    if not s.directory_table:
        return None
    from mailgate.aws.directory_table import DynamoDirectoryStore  # noqa: PLC0415
    from mailgate.aws.password_vault import SecretsManagerVault  # noqa: PLC0415
    from mailgate.directory.service import DirectoryAdmin  # noqa: PLC0415

    trigger: SyncTrigger
    if s.ldap_sync_function:
        from mailgate.aws.sync_trigger import LambdaSyncTrigger  # noqa: PLC0415

        trigger = LambdaSyncTrigger(s.ldap_sync_function)
    else:  # local mode: the sync runs in a thread of this process
        from mailgate.local.directory_sync import LocalSyncTrigger  # noqa: PLC0415

        trigger = LocalSyncTrigger()
    return DirectoryAdmin(DynamoDirectoryStore(s.directory_table), SecretsManagerVault(), trigger)


@cache
def feedback_service() -> FeedbackService | None:
    model = runtime.antispam_model()
    if model is None:
        return None
    from mailgate.scanners.antispam.feedback import FeedbackService  # noqa: PLC0415

    return FeedbackService(model, events())


@cache
def mail_store() -> S3MailStore | None:
    from mailgate.aws.mail_store import S3MailStore  # noqa: PLC0415

    bucket = runtime.settings().mail_bucket
    return S3MailStore(bucket) if bucket else None


@cache
def personal_lists() -> DynamoPersonalLists | None:
    from mailgate.aws.personal_lists import DynamoPersonalLists  # noqa: PLC0415

    table = runtime.settings().settings_table
    return DynamoPersonalLists(table) if table else None


@cache
def quarantine() -> DynamoQuarantineLedger | None:
    from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger  # noqa: PLC0415

    table = runtime.settings().backup_table
    return DynamoQuarantineLedger(table) if table else None


def dry_run_scanners(config: GatewayConfig) -> Sequence[Any]:
    """The scanners for uploaded dry runs, with the organisation's learned anti-spam model."""
    from mailgate.rules.dry_run import dry_run_scanners as build  # noqa: PLC0415

    return build(config, runtime.antispam_model())


def stored_report(message_id: str) -> ScanReport | None:
    """The ScanReport the scan function stored for the message, if it still exists."""
    from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415

    store = mail_store()
    if store is None or not message_id or "/" in message_id:
        return None
    try:
        return ScanReport.from_dict(store.get_json(f"{runtime.settings().reports_prefix}{message_id}.json"))
    except MailStoreError:
        return None


app = create_app(Ports(events=events, backup=backup_index, settings=settings_service, config=runtime.config,
                       directory=directory_admin, antispam=feedback_service, mail=mail_store,
                       status=runtime.status_board, report=stored_report, personal_lists=personal_lists,
                       dry_run_scanners=dry_run_scanners, quarantine=quarantine))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
