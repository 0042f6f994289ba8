"""Lambda `api`: the admin API. Routes, roles and errors live in mailgate.api; this wires the adapters."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from mailgate import runtime
from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.settings.service import SettingsService

logger = Logger(service="mailgate-api")


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


app = create_app(Ports(events=events, backup=backup_index, settings=settings_service, config=runtime.config))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
