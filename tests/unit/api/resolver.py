"""The admin API's resolver as Lambda runs it, over moto's in-process AWS, for the unit tests."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.backup_objects import S3BackupObjects
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.personal_lists import DynamoPersonalLists
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.backup.removal import BackupRemover
from mailgate.config import GatewayConfig
from mailgate.local.api_server import api_gateway_event
from mailgate.local.functions import LocalLambdaContext
from mailgate.rules.dry_run import dry_run_scanners
from mailgate.settings.service import SettingsService

MAIL_BUCKET = "mail"


def local_app(config: GatewayConfig | None = None) -> APIGatewayRestResolver:
    """Needs the `aws` fixture active: creates the tables and wires the real adapters."""
    resources.create_tables("events", "backup", "idem")
    resources.create_settings_table("settings")
    resources.create_bucket(MAIL_BUCKET)
    fixed = config or GatewayConfig(authserv_id="mx.example.org")
    remover = BackupRemover(DynamoBackupIndex("backup"), S3BackupObjects(MAIL_BUCKET), DynamoEventLog("events"))
    return create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                            settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: fixed),
                            config=lambda: fixed, personal_lists=lambda: DynamoPersonalLists("settings"),
                            dry_run_scanners=dry_run_scanners, mail=lambda: S3MailStore(MAIL_BUCKET),
                            backup_remover=lambda: remover))


def call(app: APIGatewayRestResolver, method: str, path: str, groups: str | None = None,
         body: Any = None, email: str = "ann@example.org") -> tuple[int, Any]:
    """API Gateway's event with the authorizer's claims (none: no token) → (status, JSON body)."""
    claims = None if groups is None else {"sub": "s-1", "cognito:username": "ann", "email": email,
                                          "email_verified": "true", "cognito:groups": groups}
    event = api_gateway_event(method, path, {"Content-Type": "application/json"},
                              json.dumps(body).encode() if body is not None else b"", claims)
    reply = app.resolve(event, LocalLambdaContext("api"))
    return reply["statusCode"], json.loads(reply["body"])
