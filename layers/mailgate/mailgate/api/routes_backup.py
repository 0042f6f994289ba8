"""Backup (the quarantine): search, counts per reason, one entry, deletion (one, or many by a search after a
count). A personal user sees only copies kept for one of their own addresses."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.backup_access import backup_entry, personal_addresses, visible_entry
from mailgate.api.errors import BadRequest, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.pagination import page
from mailgate.api.ports import Ports
from mailgate.api.responses import BackupCounts, BackupEntry, BackupPage, BackupRemoval
from mailgate.api.roles import ALL_ROLES, OPERATORS, READERS
from mailgate.api.timerange import time_range
from mailgate.backup.model import HeldBy
from mailgate.backup.removal import BULK_CAP, BackupRemover
from mailgate.backup.search import BackupQuery, BackupQueryError

DEFAULT_RANGE = timedelta(days=30)
LONGEST_RANGE = timedelta(days=400)

Text = Annotated[str | None, Query(min_length=1, max_length=256)]
Moment = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)]
HeldByName = Literal["antivirus", "antispam", "antiphishing", "links", "content_filter", "authentication",
                     "deny_list", "delivery_failure", "processing_error", "rule"]


class BackupFilter(BaseModel):
    """A search, as the bulk operations take it (the same filters as `GET /backup`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: str | None = Field(default=None, alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)
    end: str | None = Field(default=None, alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)
    sender: str | None = Field(default=None, min_length=1, max_length=256)
    recipient: str | None = Field(default=None, min_length=1, max_length=256)
    subject: str | None = Field(default=None, min_length=1, max_length=256)
    message_id_header: str | None = Field(default=None, min_length=1, max_length=998)
    held_by: HeldByName | None = None
    rule: str | None = Field(default=None, min_length=1, max_length=256)
    sender_ip: str | None = Field(default=None, min_length=2, max_length=64)
    released: bool | None = None


class BulkRemoval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: BackupFilter
    dry_run: bool = Field(default=True, description="only count what the filter selects (the default)")
    limit: int = Field(default=BULK_CAP, ge=1, le=BULK_CAP, description="entries removed by this request at most")


def backup_query(where: BackupFilter, owners: tuple[str, ...] = ()) -> BackupQuery:
    first, last = time_range(where.start, where.end, DEFAULT_RANGE, LONGEST_RANGE)
    try:
        return BackupQuery(start=first, end=last, sender=where.sender or "", recipient=where.recipient or "",
                           subject=where.subject or "", header_message_id=where.message_id_header or "",
                           held_by=(HeldBy(where.held_by),) if where.held_by else (), rule=where.rule or "",
                           sender_ip=where.sender_ip or "", released=where.released, owners=owners)
    except BackupQueryError as exc:
        raise BadRequest(str(exc), field=str(exc).split(":", 1)[0]) from exc


def backup_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def remover() -> BackupRemover:
        found = ports.backup_remover()
        if found is None:
            raise NotFound("this deployment has no mail bucket, so Backup entries cannot be removed")
        return found

    @endpoint(router, "GET", "/backup", ALL_ROLES, errors=(400, 403, 422), tags=["backup"])
    def list_backup(
        start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        sender: Text = None, recipient: Text = None, subject: Text = None,
        message_id_header: Annotated[str | None, Query(min_length=1, max_length=998)] = None,
        held_by: Annotated[HeldByName | None, Query()] = None,
        rule: Text = None,
        sender_ip: Annotated[str | None, Query(min_length=2, max_length=64)] = None,
        released: Annotated[bool | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> BackupPage:
        """Backup entries kept in the range (default: the last 30 days), newest first, filtered: sender and
        recipient exactly, subject as a case-insensitive substring, the message's own Message-ID header,
        why it was kept, the rule, the sender's IP, released or not. A personal user sees their own."""
        where = BackupFilter.model_validate({
            "from": start, "to": end, "sender": sender, "recipient": recipient, "subject": subject,
            "message_id_header": message_id_header, "held_by": held_by, "rule": rule, "sender_ip": sender_ip,
            "released": released})
        who = principal(router)
        owners = personal_addresses(ports, who) if who.is_personal_only else ()
        records, next_cursor = ports.backup().search(backup_query(where, owners), limit, cursor)
        return BackupPage.model_validate(page([backup_entry(r, who) for r in records], next_cursor))

    @endpoint(router, "GET", "/backup/counts", READERS, errors=(400, 422), tags=["backup"])
    def count_backup(start: Moment = None, end: Moment = None) -> BackupCounts:
        """Entries kept per reason on the days of the range (whole UTC days), and their total."""
        query = backup_query(BackupFilter.model_validate({"from": start, "to": end}))
        counts = ports.backup().counts(query)
        entries, size = ports.backup().totals()
        days = query.days()
        return BackupCounts(first_day=days[-1], last_day=days[0], counts=counts, total=sum(counts.values()),
                            entries_now=entries, bytes_now=size)

    @endpoint(router, "GET", "/backup/<backup_id>", ALL_ROLES, errors=(403, 404), tags=["backup"])
    def get_backup_entry(backup_id: str) -> BackupEntry:
        """One Backup entry (404 also when it exists but is not yours)."""
        return backup_entry(visible_entry(ports, principal(router), backup_id), principal(router))

    @endpoint(router, "DELETE", "/backup/<backup_id>", OPERATORS, errors=(404,), tags=["backup"])
    def delete_backup_entry(backup_id: str) -> BackupRemoval:
        """Removes the entry and its copy of the original; the event log says who did."""
        record = remover().remove(backup_id, principal(router).who, "deleted through the admin API")
        if record is None:
            raise NotFound(f"no Backup entry {backup_id}")
        return BackupRemoval(dry_run=False, matched=1, more=False, removed=[record.backup_id])

    @endpoint(router, "POST", "/backup/delete", OPERATORS, errors=(400, 422), tags=["backup"])
    def delete_backup_entries(body: BulkRemoval) -> BackupRemoval:
        """Removes what a search selects: first with `dry_run` true (the default) for the count, then with
        `dry_run` false. At most `limit` entries per request; `more` says to send it again."""
        query = backup_query(body.filter)
        matched, more = remover().count(query, body.limit)
        if body.dry_run:
            return BackupRemoval(dry_run=True, matched=matched, more=more, removed=[])
        removed = remover().remove_matching(query, principal(router).who, "bulk deletion through the admin API",
                                            body.limit)
        return BackupRemoval(dry_run=False, matched=matched, more=more, removed=removed)

    return router
