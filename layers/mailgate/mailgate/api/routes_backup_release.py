"""Releasing a Backup entry and reading its sending history.

The answer is 200 with each target's outcome also when a delivery failed: the release happened (it is in the
entry's history and the event log, with the error), and a failed target is tried again by releasing again.
Who may release what:
- Administrators and SecurityOfficers: any entry, to its recipients (default all) or to other addresses in
  the accepted domains; infected or phishing mail only an Administrator, with `confirm: true`;
- a personal user: an entry kept for one of their own addresses, to themselves only, if why it was kept is
  one the settings let users release (`backup_self_release`), never infected or phishing mail (they ask
  instead: POST /backup/{backup_id}/release-request).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.backup_access import backup_entry, personal_addresses, visible_entry
from mailgate.api.errors import ApiError, BadRequest, Forbidden, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.ports import Ports
from mailgate.api.roles import ALL_ROLES, OPERATORS, Principal, Role
from mailgate.api.routes_backup import BackupFilter, backup_query
from mailgate.api.schemas_backup_release import (
    BULK_RELEASE_CAP,
    BackupHistory,
    BulkReleaseAnswer,
    BulkReleaseEntry,
    ReleaseAnswer,
    ReleaseBody,
)
from mailgate.backup.model import BackupRecord
from mailgate.backup.releasing import OriginalGone, ReleaseOrder, ReleasePorts, ReleaseResult, TargetStatus, release
from mailgate.backup.removal import matching
from mailgate.backup.safe_view import is_dangerous
from mailgate.config import GatewayConfig
from mailgate.settings.service import Actor

RELEASERS = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER, Role.PERSONAL_USER})


class ReleaseUnavailable(ApiError):
    http_status = 503
    error_code = "release_unavailable"


def _targets(ports: Ports, who: Principal, record: BackupRecord, body: ReleaseBody) -> tuple[str, ...]:
    """Where the release goes; a personal user's own recipients of the entry only."""
    if who.roles & OPERATORS:
        return tuple(dict.fromkeys(body.to or record.recipients))
    mine = set(personal_addresses(ports, who))
    own = [r for r in record.recipients if r.strip().lower() in mine]
    if body.to is None:
        return tuple(dict.fromkeys(own))
    others = [a for a in body.to if a.strip().lower() not in {r.strip().lower() for r in own}]
    if others:
        raise Forbidden("you may release an entry only to your own addresses among its recipients, not to "
                        + ", ".join(others[:10]))
    return tuple(dict.fromkeys(body.to))


def _check_allowed(ports: Ports, who: Principal, record: BackupRecord, body: ReleaseBody) -> None:
    if is_dangerous(record):
        if Role.ADMINISTRATOR not in who.roles:
            ask = "" if who.roles & OPERATORS else f"; ask for it: POST /backup/{record.backup_id}/release-request"
            raise Forbidden(f"Backup entry {record.backup_id} is infected or phishing: only an Administrator may "
                            f"release it{ask}")
        if not body.confirm:
            raise Forbidden(f"Backup entry {record.backup_id} is infected or phishing: send confirm true to "
                            "release it anyway")
        return
    if who.roles & OPERATORS:
        return
    if record.held_by not in ports.config().backup_self_release:
        raise Forbidden(f"Backup entry {record.backup_id} was kept by {record.held_by}, which users may not "
                        f"release themselves: ask for it: POST /backup/{record.backup_id}/release-request")


def release_answer(result: ReleaseResult, who: Principal, as_attachment: bool,
                   follow_up: list[str] | None = None) -> ReleaseAnswer:
    """A release's answer: each target's outcome and the entry's history as the caller may see them."""
    shown = backup_entry(result.record, who)
    return ReleaseAnswer.model_validate({
        "backup_id": result.record.backup_id, "request_id": result.request_id, "as_attachment": as_attachment,
        "outcomes": [{"to": o.to, "status": o.status.value, "detail": o.detail} for o in result.outcomes],
        "released_to": shown.released_to, "history": shown.history, "follow_up": follow_up or []})


def _check_follow_up(who: Principal, body: ReleaseBody) -> None:
    if not who.roles & OPERATORS and (body.allow_sender == "organisation" or body.learn_not_spam):
        raise Forbidden("only an Administrator or SecurityOfficer may allow a sender for the organisation or "
                        "teach Anti-Spam; allow it on your own list instead: allow_sender personal")


def _follow_up(ports: Ports, who: Principal, record: BackupRecord, body: ReleaseBody,
               delivered: list[str]) -> list[str]:
    """The options of a release that follow a delivery; each says what it did, or why not."""
    from mailgate.backup.follow_up import (  # noqa: PLC0415 - only releases that ask load these
        allow_for_organisation,
        allow_personally,
        why_sender_cannot_be_allowed,
    )

    done: list[str] = []
    actor = Actor(who.who, who.subject, f"POST /backup/{record.backup_id}/release")
    if body.allow_sender:
        why_not = why_sender_cannot_be_allowed(record.sender)
        store = ports.personal_lists()
        if why_not:
            done.append(f"sender not allowed: {why_not}")
        elif body.allow_sender == "organisation":
            added = allow_for_organisation(ports.settings(), record.sender, actor)
            done.append(f"{record.sender} {'added to' if added else 'was already on'} the organisation's allow list")
        elif store is None:
            done.append("sender not allowed: personal lists need the settings table, which this deployment lacks")
        else:
            changed = allow_personally(store, delivered, record.sender, actor)
            done.append(f"{record.sender} allowed by " + (", ".join(changed) if changed else "nobody new (already "
                                                          "allowed, or the list is full)"))
    if body.learn_not_spam:
        learner = ports.antispam()
        mail = ports.mail()
        if learner is None or mail is None:
            done.append("not learned: anti-spam learning is not configured for this gateway")
        else:
            try:
                outcome = learner.mark(mail.get_bytes(record.object_key), "not_spam", who.who, record.message_id,
                                       f"backup {record.backup_id}")
            except Exception as exc:  # the release happened; say why the learning did not, do not fail it
                done.append(f"not learned: {type(exc).__name__}: {exc}"[:300])
            else:
                done.append("learned as not spam" if outcome.learned else "already learned as not spam")
    return done


class BulkRelease(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: BackupFilter
    dry_run: bool = Field(default=True, description="only count what the filter selects (the default)")
    limit: int = Field(default=BULK_RELEASE_CAP, ge=1, le=BULK_RELEASE_CAP,
                       description="entries released by this request at most")
    as_attachment: bool = False
    confirm: bool = Field(default=False, description="release infected or phishing entries too (Administrator)")


def _release_each(records: list[BackupRecord], who: Principal, body: BulkRelease, config: GatewayConfig,
                  found: ReleasePorts) -> list[BulkReleaseEntry]:
    """Each entry to its own recipients; one that cannot go (dangerous, its original gone) says why and the
    others go on."""
    from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415 - as the release route does

    done: list[BulkReleaseEntry] = []
    for record in records:
        if is_dangerous(record) and (Role.ADMINISTRATOR not in who.roles or not body.confirm):
            done.append(BulkReleaseEntry(backup_id=record.backup_id, outcomes=[],
                                         skipped="infected or phishing: an Administrator with confirm true"))
            continue
        order = ReleaseOrder(record.recipients, who.who, body.as_attachment, f"bulk-{record.backup_id}")
        try:
            result = release(record, order, config, found)
        except (MailStoreError, OriginalGone):
            done.append(BulkReleaseEntry(backup_id=record.backup_id, outcomes=[],
                                         skipped="its original is no longer stored"))
            continue
        done.append(BulkReleaseEntry.model_validate({"backup_id": record.backup_id, "outcomes": [
            {"to": o.to, "status": o.status.value, "detail": o.detail} for o in result.outcomes]}))
    return done


def backup_release_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def releasing() -> ReleasePorts:
        found = ports.backup_release()
        if found is None:
            raise ReleaseUnavailable("this deployment has no mail bucket or delivery set up for releases")
        return found

    @endpoint(router, "POST", "/backup/<backup_id>/release", RELEASERS, errors=(400, 403, 404, 503),
              tags=["backup"])
    def release_backup_entry(backup_id: str, body: ReleaseBody) -> ReleaseAnswer:
        """Delivers the entry to its recipients (default) or the addresses given, as is (X-Mailgate-Released,
        SCL -1, ARC-sealed) or as an attachment, once per `request_id` and target; 200 with each target's
        outcome, failures included (they are in the history too; release again to retry them)."""
        from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415 - as the view routes do

        who = principal(router)
        record = visible_entry(ports, who, backup_id)
        _check_allowed(ports, who, record, body)
        _check_follow_up(who, body)
        targets = _targets(ports, who, record, body)
        if not targets:
            raise BadRequest("nobody to release it to: give `to`", field="to")
        config = ports.config()
        outside = [t for t in targets if config.route_for(t) is None]
        if outside:
            raise BadRequest("not a domain this gateway accepts (a release goes through its route): "
                             + ", ".join(outside[:10]), field="to")
        order = ReleaseOrder(targets, who.who, body.as_attachment, body.request_id or "")
        found = releasing()
        found.bind_invocation(router.lambda_context)
        try:
            result = release(record, order, config, found)
        except (MailStoreError, OriginalGone):  # the copy is gone: retention, or a deletion under way
            raise NotFound(f"the original of Backup entry {backup_id} is no longer stored") from None
        delivered = [o.to for o in result.outcomes if o.status != TargetStatus.FAILED]
        return release_answer(result, who, body.as_attachment,
                              _follow_up(ports, who, record, body, delivered) if delivered else [])

    @endpoint(router, "POST", "/backup/release", OPERATORS, errors=(400, 422, 503), tags=["backup"])
    def release_backup_entries(body: BulkRelease) -> BulkReleaseAnswer:
        """Releases what a filter selects, each entry to its own recipients: for example everything held because
        delivery failed (`held_by: delivery_failure`) in a time range, once the organisation's server is back.
        First with `dry_run` true (the default) for the count; then at most `limit` (50) entries per request."""
        who = principal(router)
        query = backup_query(body.filter)
        records = list(matching(ports.backup(), query, body.limit + 1))
        chosen, more = records[:body.limit], len(records) > body.limit
        if body.dry_run:
            return BulkReleaseAnswer(dry_run=True, matched=len(chosen), more=more, released=[])
        found = releasing()
        found.bind_invocation(router.lambda_context)
        done = _release_each(chosen, who, body, ports.config(), found)
        return BulkReleaseAnswer(dry_run=False, matched=len(chosen), more=more, released=done)

    @endpoint(router, "GET", "/backup/<backup_id>/history", ALL_ROLES, errors=(403, 404), tags=["backup"])
    def get_backup_history(backup_id: str) -> BackupHistory:
        """The entry's sending history: every release (to whom, the outcome), download and request, who and
        when. A personal user sees what concerns their own addresses and what they did."""
        who = principal(router)
        shown = backup_entry(visible_entry(ports, who, backup_id), who)
        return BackupHistory(backup_id=backup_id, history=shown.history)

    return router
