"""Backup: the gateway's quarantine. A copy of the original kept for the administrator and its recipients."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import msgspec

from mailgate.documents import Document
from mailgate.events.model import utc_now

if TYPE_CHECKING:
    from mailgate.backup.search import BackupQuery

BACKUP_VERSION = 2
RELEASE_PENDING = "pending"  # a user's release request awaits an administrator
HISTORY_KEPT = 100  # the newest entries of an entry's sending history; older ones are in the event log


class HeldBy(StrEnum):
    """Why a copy is in Backup, as an administrator searches for it: the module whose verdict decided, or
    what went wrong."""

    ANTIVIRUS = "antivirus"
    ANTISPAM = "antispam"
    ANTIPHISHING = "antiphishing"
    LINKS = "links"
    CONTENT_FILTER = "content_filter"
    AUTHENTICATION = "authentication"
    DENY_LIST = "deny_list"
    DELIVERY_FAILURE = "delivery_failure"
    PROCESSING_ERROR = "processing_error"
    RULE = "rule"  # the rule keeps a copy of everything it matches, or no module's verdict decided
    OUTBOUND_LIMIT = "outbound_limit"  # a sender of the organisation passed an hourly limit (outbound spam control)


_MODULES = {h.value for h in HeldBy} - {HeldBy.DENY_LIST, HeldBy.DELIVERY_FAILURE, HeldBy.PROCESSING_ERROR,
                                         HeldBy.RULE}


def held_by_module(module: str | None, verdict_class: str | None) -> HeldBy:
    """The category of a copy a decision keeps: a deny entry is Anti-Spam's `blacklisted` verdict."""
    if module == HeldBy.ANTISPAM and verdict_class == "blacklisted":
        return HeldBy.DENY_LIST
    return HeldBy(module) if module in _MODULES else HeldBy.RULE


def backup_id_for(message_id: str, recipients: tuple[str, ...]) -> str:
    """Stable per (message, recipient group): a retried invocation overwrites, never duplicates."""
    joined = "\n".join(sorted(r.lower() for r in recipients))
    digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:12]  # any sender bytes
    return f"{message_id}.{digest}"


class HistoryEntry(Document, frozen=True):
    """One thing done with a Backup entry after it was kept: a release, a download, a request, a deletion."""

    action: str  # released, released_as_attachment, retried, downloaded, release_requested, declined, ...
    actor: str  # who: the caller's name and address, or "digest link" and the recipient
    to: tuple[str, ...] = ()  # where a release went
    outcome: str = ""  # delivered, deferred, failed: ..., or empty when there is nothing to deliver
    at: str = msgspec.field(default_factory=utc_now)


class BackupRecord(Document, frozen=True):
    backup_id: str
    message_id: str
    recipients: tuple[str, ...]
    sender: str
    subject: str
    reason: str  # why the copy was kept, in plain words
    object_key: str  # where the original lies in the mail bucket
    error: str | None = None  # set when the copy was kept because processing or delivery failed
    verdicts: dict[str, str] = msgspec.field(default_factory=dict)  # scanner → verdict
    created_at: str = msgspec.field(default_factory=utc_now)
    held_by: str = HeldBy.RULE.value  # a HeldBy value: what to search for
    verdict_class: str | None = None  # the deciding verdict (spam, infected, phishing, ...)
    rule: str = ""  # the rule whose decision kept it
    header_message_id: str = ""  # the message's own Message-ID header, as the sender wrote it
    sender_ip: str = ""  # the client that handed the message to us
    size: int = 0  # bytes of the original
    released_to: tuple[str, ...] = ()  # addresses a release was delivered to
    history: tuple[HistoryEntry, ...] = ()  # newest last, at most HISTORY_KEPT
    release_requested_by: str = ""  # a user asked for its release and nobody has answered yet
    version: int = BACKUP_VERSION

    read_defaults: ClassVar[Mapping[str, Any]] = {"recipients": (), "sender": "", "subject": "", "reason": ""}

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        return data if "created_at" in data else {**data, "created_at": ""}  # not made up now, as ever

    @property
    def released(self) -> bool:
        return bool(self.released_to)


class Holding(msgspec.Struct, frozen=True):
    """What the rules step knows about why and how a message came to be kept (beyond the envelope)."""

    held_by: HeldBy = HeldBy.RULE
    verdict_class: str | None = None
    rule: str = ""
    header_message_id: str = ""
    sender_ip: str = ""
    size: int = 0


class BackupIndex(Protocol):
    """Backup's metadata store (aws/backup_table.py)."""

    def put(self, record: BackupRecord) -> None: ...

    def get(self, backup_id: str) -> BackupRecord | None: ...

    def recent(self, limit: int = 50, token: str | None = None) -> tuple[list[BackupRecord], str | None]: ...

    def search(self, query: BackupQuery, limit: int = 50,
               token: str | None = None) -> tuple[list[BackupRecord], str | None]: ...

    def counts(self, query: BackupQuery) -> dict[str, int]: ...

    def totals(self) -> tuple[int, int]: ...

    def add_history(self, backup_id: str, entry: HistoryEntry, released_to: tuple[str, ...] = (),
                    request: str | None = None) -> BackupRecord | None: ...

    def pending_requests(self, limit: int = 50,
                         token: str | None = None) -> tuple[list[BackupRecord], str | None]: ...

    def delete(self, backup_id: str) -> BackupRecord | None: ...
