"""The adapters several functions share: the event log, scan reports, Backup, the status board, the quarantine
ledger and the directory cache. Cheap to import: each function that needs one imports this module."""

from __future__ import annotations

from functools import cache

from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.directory_table import DynamoDirectoryStore
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.quarantine_ledger import DynamoQuarantineLedger
from mailgate.aws.scan_reports import ReportKeeper
from mailgate.aws.status_board import DynamoStatusBoard
from mailgate.backup.keeper import BackupKeeper
from mailgate.directory.cache import DirectoryCache
from mailgate.directory.index import DirectoryIndex
from mailgate.wiring.process import config, settings


def event_log() -> DynamoEventLog:
    return DynamoEventLog(settings().events_table, config().event_retention_days)


def report_keeper(store: S3MailStore | None) -> ReportKeeper:
    """Where scan reports are kept: the events table, S3 when large (S3 only without an events table)."""
    s = settings()
    return ReportKeeper(s.events_table, store, s.reports_prefix, config().event_retention_days)


def backup_index() -> DynamoBackupIndex:
    return DynamoBackupIndex(settings().backup_table, config().backup_retention_days)


def backup_keeper(store: S3MailStore) -> BackupKeeper:
    return BackupKeeper(store, backup_index(), settings().backup_prefix)


def status_board() -> DynamoStatusBoard | None:
    """Notes the functions leave for /health (signature age), in the settings table when there is one."""
    table = settings().settings_table
    return DynamoStatusBoard(table) if table else None


def quarantine_ledger() -> DynamoQuarantineLedger | None:
    """The Anti-Spam Quarantine's holds, beside Backup's records; None: the quarantine holds nothing."""
    table = settings().backup_table
    return DynamoQuarantineLedger(table) if table else None


@cache
def directory_cache() -> DirectoryCache | None:
    """The LDAP/AD cache, one per process (it reloads itself when a sync publishes); None without one."""
    table = settings().directory_table
    return DirectoryCache(DynamoDirectoryStore(table)) if table else None


def directory_index() -> DirectoryIndex | None:
    """The directory as it is now; None without one."""
    cache_ = directory_cache()
    return cache_.index() if cache_ is not None else None
