"""What the API's views need from the outside, built lazily by the handler (boto3 stays in aws/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailgate.backup.model import BackupIndex
from mailgate.config import GatewayConfig
from mailgate.events.log import EventLog
from mailgate.settings.service import SettingsService


@dataclass(frozen=True)
class Ports:
    events: Callable[[], EventLog]
    backup: Callable[[], BackupIndex]
    settings: Callable[[], SettingsService]
    config: Callable[[], GatewayConfig]
