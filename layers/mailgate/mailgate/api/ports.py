"""What the API's views need from the outside, built lazily by the handler (boto3 stays in aws/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mailgate.backup.model import BackupIndex
from mailgate.config import GatewayConfig
from mailgate.events.log import EventLog
from mailgate.ports import StatusBoard
from mailgate.scan.report import ScanReport
from mailgate.settings.service import SettingsService
from mailgate.stats.queues import QueueDepth

if TYPE_CHECKING:  # the message parser and the LDAP code load when first used, not at cold start
    from mailgate.aws.personal_lists import PersonalListRecord
    from mailgate.backup.link_actions import LinkPorts
    from mailgate.backup.releasing import ReleasePorts
    from mailgate.backup.removal import BackupRemover
    from mailgate.directory.service import DirectoryAdmin
    from mailgate.notify.application import Notice
    from mailgate.replay.job import ReplayPorts
    from mailgate.replay.shadow import ShadowSettings
    from mailgate.reports.service import ReportPorts
    from mailgate.rules.sender_lists import PersonalLists
    from mailgate.scanners.antispam.feedback import FeedbackService


class PersonalListStore(Protocol):
    def get(self, address: str) -> PersonalListRecord: ...

    def lists(self, address: str) -> PersonalLists | None: ...

    def save(self, address: str, lists: PersonalLists, expected_version: int, actor: str, subject: str,
             operation: str) -> PersonalListRecord: ...


class ShadowStore(Protocol):
    """Shadow mode's candidate settings beside the live ones (aws/shadow_settings.py)."""

    def get(self) -> ShadowSettings | None: ...

    def put(self, shadow: ShadowSettings) -> None: ...

    def delete(self) -> bool: ...


class HeldMail(Protocol):
    def held(self, limit: int = 1000) -> list[dict[str, Any]]: ...

    def usage(self) -> tuple[int, int]: ...


class MailReader(Protocol):
    """Reads an object of the mail bucket (a Backup copy's original)."""

    def get_bytes(self, key: str, bucket: str | None = None) -> bytes: ...

    def presigned_get(self, key: str, seconds: int, bucket: str | None = None) -> str: ...


class TrafficCounters(Protocol):
    """The hourly traffic and detection counters (aws/stats_counters.py)."""

    def hourly(self, hours: Sequence[str]) -> dict[str, dict[str, int]]: ...


class QueueDepths(Protocol):
    """How many messages wait in each queue (mailgate.stats.queues.QUEUES); None for a queue that cannot be read."""

    def depths(self) -> Mapping[str, QueueDepth | None]: ...


@dataclass(frozen=True)
class Ports:
    events: Callable[[], EventLog]
    backup: Callable[[], BackupIndex]
    settings: Callable[[], SettingsService]
    config: Callable[[], GatewayConfig]
    directory: Callable[[], DirectoryAdmin | None] = lambda: None  # the LDAP/AD connections and cache
    antispam: Callable[[], FeedbackService | None] = lambda: None  # feedback learning; None: not configured
    mail: Callable[[], MailReader | None] = lambda: None  # the mail bucket, for Backup originals
    status: Callable[[], StatusBoard | None] = lambda: None  # what the functions report (signature age)
    report: Callable[[str], ScanReport | None] = lambda message_id: None  # a message's stored scan report
    personal_lists: Callable[[], PersonalListStore | None] = lambda: None  # users' own allow/deny lists
    dry_run_scanners: Callable[[GatewayConfig], Sequence[Any]] = lambda config: ()  # scanners for uploads
    quarantine: Callable[[], HeldMail | None] = lambda: None  # what the Anti-Spam Quarantine holds
    backup_remover: Callable[[], BackupRemover | None] = lambda: None  # deletes Backup copies and records
    backup_release: Callable[[], ReleasePorts | None] = lambda: None  # delivers releases from Backup
    links: Callable[[], LinkPorts | None] = lambda: None  # the digest's links: their keys, ledger, actions
    stats: Callable[[], TrafficCounters | None] = lambda: None  # the dashboard's hourly counters
    queues: Callable[[], QueueDepths | None] = lambda: None  # the scan and rules queues' depth
    summary_reports: Callable[[], ReportPorts | None] = lambda: None  # kept reports, their data, mailing
    notice: Callable[[Notice, GatewayConfig], None] = lambda notice, config: None  # to the administrators
    replays: Callable[[], ReplayPorts | None] = lambda: None  # replay jobs: their store and how they run
    shadow: Callable[[], ShadowStore | None] = lambda: None  # shadow mode's candidate settings
