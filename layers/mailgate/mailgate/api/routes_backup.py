"""Backup (the quarantine): the list and one entry. A personal user sees only copies kept for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailgate.api.errors import NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.pagination import check_cursor, filtered_page, page
from mailgate.api.ports import Ports
from mailgate.api.responses import BackupEntry, BackupPage
from mailgate.api.roles import ALL_ROLES
from mailgate.backup.model import BackupRecord

BACKUP_CURSOR_KEYS = frozenset({"backup_id", "listing", "created_at"})  # the by_time index's key


def backup_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/backup", ALL_ROLES, errors=(400,), tags=["backup"])
    def list_backup(
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> BackupPage:
        """Backup entries, newest first, with why each was kept."""
        who = principal(router)
        cursor = check_cursor(cursor, BACKUP_CURSOR_KEYS)
        if who.is_personal_only:
            records, next_cursor = filtered_page(ports.backup().recent, lambda r: who.owns(r.recipients),
                                                 limit, cursor)
        else:
            records, next_cursor = ports.backup().recent(limit, cursor)
        return BackupPage.model_validate(page([r.to_dict() for r in records], next_cursor))

    @endpoint(router, "GET", "/backup/<backup_id>", ALL_ROLES, errors=(404,), tags=["backup"])
    def get_backup_entry(backup_id: str) -> BackupEntry:
        """One Backup entry (404 also when it exists but is not yours)."""
        record: BackupRecord | None = ports.backup().get(backup_id)
        who = principal(router)
        if record is None or (who.is_personal_only and not who.owns(record.recipients)):
            raise NotFound(f"no Backup entry {backup_id}")
        return BackupEntry.model_validate(record.to_dict())

    return router
