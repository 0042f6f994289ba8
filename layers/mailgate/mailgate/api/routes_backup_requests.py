"""Release requests: a user asks for an entry they may not release themselves (an infected or phishing message,
say); an administrator or security officer approves (releasing it to them) or declines; the entry's history
tells the user which, and why."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.backup_access import backup_entry, personal_addresses, visible_entry
from mailgate.api.errors import Conflict, Forbidden, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.pagination import page
from mailgate.api.ports import Ports
from mailgate.api.responses import BackupEntry, BackupPage
from mailgate.api.roles import OPERATORS, READERS, Role
from mailgate.api.routes_backup_release import ReleaseUnavailable, release_answer
from mailgate.api.schemas_backup_release import ReleaseAnswer
from mailgate.backup.model import RELEASE_PENDING, BackupRecord, HistoryEntry
from mailgate.backup.releasing import OriginalGone, ReleaseOrder, release
from mailgate.backup.safe_view import is_dangerous

PERSONAL = frozenset({Role.PERSONAL_USER})


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500, description="why you need it, for the administrator")


class RequestAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="told to the user who asked")


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: bool = Field(default=False, description="required (true) to release infected or phishing mail, which "
                                                     "only an Administrator may")


def _asked_for(record: BackupRecord) -> tuple[str, ...]:
    """The addresses of the user's open request: their own recipients of the entry when they asked."""
    asked = [h for h in record.history if h.action == "release_requested"]
    return asked[-1].to if asked else ()


def release_requests_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/backup/release-requests", READERS, errors=(400,), tags=["backup"])
    def list_release_requests(
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> BackupPage:
        """Entries whose release a user asked for and that await an answer, newest first."""
        records, next_cursor = ports.backup().pending_requests(limit, cursor)
        who = principal(router)
        return BackupPage.model_validate(page([backup_entry(r, who) for r in records], next_cursor))

    @endpoint(router, "POST", "/backup/<backup_id>/release-request", PERSONAL, status=202, errors=(403, 404, 409),
              tags=["backup"])
    def request_release(backup_id: str, body: ReleaseRequest) -> BackupEntry:
        """Asks an administrator to release an entry kept for you; its history shows the answer."""
        who = principal(router)
        record = visible_entry(ports, who, backup_id)
        if record.release_requested_by:
            raise Conflict(f"the release of Backup entry {backup_id} was asked for already and awaits an answer")
        if record.released_to and all(who.owns([r]) for r in record.released_to):
            raise Conflict(f"Backup entry {backup_id} was released to you already")
        note = f"asked: {body.note}" if body.note else "asked"
        mine = set(personal_addresses(ports, who))
        own = tuple(r for r in record.recipients if r.strip().lower() in mine)
        updated = ports.backup().add_history(backup_id, HistoryEntry("release_requested", who.who, own, note),
                                             request=RELEASE_PENDING)
        if updated is None:
            raise NotFound(f"no Backup entry {backup_id}")
        return backup_entry(updated, who)

    @endpoint(router, "POST", "/backup/<backup_id>/release-request/decline", OPERATORS, errors=(404, 409),
              tags=["backup"])
    def decline_release_request(backup_id: str, body: RequestAnswer) -> BackupEntry:
        """Declines a user's request; the entry's history tells them why."""
        who = principal(router)
        record = visible_entry(ports, who, backup_id)
        if not record.release_requested_by:
            raise Conflict(f"nobody asked for the release of Backup entry {backup_id}, or it was answered already")
        outcome = f"declined: {body.reason}" if body.reason else "declined"
        updated = ports.backup().add_history(backup_id, HistoryEntry("release_declined", who.who, outcome=outcome),
                                             request="")
        if updated is None:
            raise NotFound(f"no Backup entry {backup_id}")
        return backup_entry(updated, who)

    @endpoint(router, "POST", "/backup/<backup_id>/release-request/approve", OPERATORS,
              errors=(403, 404, 409, 503), tags=["backup"])
    def approve_release_request(backup_id: str, body: Approval) -> ReleaseAnswer:
        """Releases the entry, as is, to the user who asked (their own recipients of it); the answer is a
        release's. Infected or phishing mail only an Administrator approves, with `confirm: true`."""
        from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415 - as the release route does

        who = principal(router)
        record = visible_entry(ports, who, backup_id)
        targets = _asked_for(record)
        if not record.release_requested_by or not targets:
            raise Conflict(f"nobody asked for the release of Backup entry {backup_id}, or it was answered already")
        if is_dangerous(record) and (Role.ADMINISTRATOR not in who.roles or not body.confirm):
            raise Forbidden(f"Backup entry {backup_id} is infected or phishing: only an Administrator may approve its "
                            "release, with confirm true")
        releasing = ports.backup_release()
        if releasing is None:
            raise ReleaseUnavailable("this deployment has no mail bucket or delivery set up for releases")
        releasing.bind_invocation(router.lambda_context)
        order = ReleaseOrder(targets, who.who, request_id=f"approved-{len(record.history)}")
        try:
            result = release(record, order, ports.config(), releasing)
        except (MailStoreError, OriginalGone):
            raise NotFound(f"the original of Backup entry {backup_id} is no longer stored") from None
        return release_answer(result, who, as_attachment=False)

    return router
