"""One Backup entry read safely (its headers, text, attachments, the scanners' named tests and the decision
path, all as text) and its original downloaded through a short-lived pre-signed URL, which the event log and
the entry's history record. A personal user reads and downloads only what was kept for their own addresses."""

from __future__ import annotations

from collections.abc import Sequence

from aws_lambda_powertools.event_handler.api_gateway import Router

from mailgate.api.backup_access import personal_addresses, visible_entry
from mailgate.api.errors import ApiError, Forbidden, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.ports import MailReader, Ports
from mailgate.api.roles import ALL_ROLES, OPERATORS, Principal, Role
from mailgate.api.schemas_backup_view import DownloadLink, DownloadRequest, SafeViewAnswer
from mailgate.backup.model import BackupRecord, HistoryEntry
from mailgate.backup.safe_view import DecisionPath, decision_path, is_dangerous, safe_view
from mailgate.events import model as ev
from mailgate.rules.decision import Decision
from mailgate.scan.report import ScanReport

DOWNLOAD_SECONDS = 300
DOWNLOADERS = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER, Role.PERSONAL_USER})


class MailUnavailable(ApiError):
    http_status = 503
    error_code = "mail_bucket_unavailable"


def _mail(ports: Ports) -> MailReader:
    found = ports.mail()
    if found is None:
        raise MailUnavailable("this deployment has no mail bucket, so Backup originals cannot be read")
    return found


def _own_recipients(record: BackupRecord, who: Principal) -> BackupRecord:
    """The entry as a personal user may see it: their own recipients only."""
    if not who.is_personal_only:
        return record
    return BackupRecord.from_dict({**record.to_dict(), "recipients": [r for r in record.recipients if who.owns([r])]})


def _recorded_decision(events: Sequence[ev.Event], record: BackupRecord) -> Decision | None:
    """The rules step's own record of the decision that kept this copy: the latest decision event with a Backup
    copy for exactly these recipients."""
    wanted = {r.lower() for r in record.recipients}
    for event in reversed(events):
        stored = event.detail.get("decision")
        if event.kind != ev.DECISION or not isinstance(stored, dict) or not stored.get("backup"):
            continue
        if {r.strip().lower() for r in (event.recipient or "").split(",")} == wanted:
            return Decision.from_dict(stored)
    return None


def _decided_again(ports: Ports, report: ScanReport, record: BackupRecord) -> Decision | None:
    """As GET /messages/{id}/explanation decides: the stored scan report with the current settings."""
    from mailgate.actions.grouping import group_recipients  # noqa: PLC0415 - only this route needs them
    from mailgate.rules.current import needs_directory  # noqa: PLC0415
    from mailgate.rules.personal_source import PersonalListSource  # noqa: PLC0415

    config = ports.config()
    admin = ports.directory() if needs_directory(config.rules) else None
    store = ports.personal_lists()
    groups = group_recipients(report, config, list(record.recipients), admin.index() if admin else None,
                              PersonalListSource(store.lists) if store else None)
    return groups[0].decision if groups else None


def _decision(ports: Ports, report: ScanReport | None, record: BackupRecord, who: Principal) -> DecisionPath | None:
    recorded = _recorded_decision(ports.events().for_message(record.message_id), record)
    decision = recorded or (_decided_again(ports, report, record) if report is not None else None)
    if decision is None:
        return None
    recipients = [r for r in record.recipients if who.owns([r])] if who.is_personal_only else record.recipients
    return decision_path(decision, recipients, recorded is not None)


def backup_view_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/backup/<backup_id>/view", ALL_ROLES, errors=(403, 404, 503), tags=["backup"])
    def view_backup_entry(backup_id: str) -> SafeViewAnswer:
        """The entry as text only: headers, the body (HTML rendered to text), the attachments (true type,
        size, sha256, infected or removed and why), each scanner's named tests and the decision path. Nothing in
        it is sender markup. A personal user sees their own entries, without the other recipients."""
        who = principal(router)
        from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415 - as the anti-spam routes do

        record = visible_entry(ports, who, backup_id)
        mail = _mail(ports)
        try:
            raw = mail.get_bytes(record.object_key)
        except MailStoreError:  # the copy is gone: retention, or a deletion under way
            raise NotFound(f"the original of Backup entry {backup_id} is no longer stored") from None
        report = ports.report(record.message_id)
        view = safe_view(raw, _own_recipients(record, who), report, _decision(ports, report, record, who))
        return SafeViewAnswer.model_validate(view, from_attributes=True)

    @endpoint(router, "POST", "/backup/<backup_id>/download", DOWNLOADERS, errors=(403, 404, 503),
              tags=["backup"])
    def download_backup_entry(backup_id: str, body: DownloadRequest) -> DownloadLink:
        """A pre-signed URL of the original .eml, valid for 5 minutes; the event log and the entry's history
        say who asked. Infected or phishing mail: only an Administrator, with `include_infected` true."""
        who = principal(router)
        record = visible_entry(ports, who, backup_id)
        if not who.roles & OPERATORS and not set(personal_addresses(ports, who)) & {
                r.lower() for r in record.recipients}:
            raise NotFound(f"no Backup entry {backup_id}")  # an auditor's own mailbox, not everyone's
        if is_dangerous(record):
            if Role.ADMINISTRATOR not in who.roles:
                raise Forbidden(f"Backup entry {backup_id} is infected or phishing: only an Administrator may "
                                "download it; ask one, or request its release")
            if not body.include_infected:
                raise Forbidden(f"Backup entry {backup_id} is infected or phishing: send include_infected true "
                                "to download it anyway (mailgate backup download --include-infected)")
        url = _mail(ports).presigned_get(record.object_key, DOWNLOAD_SECONDS)
        infected = " (infected or phishing)" if is_dangerous(record) else ""
        ports.events().append([ev.Event(record.message_id, ev.BACKUP_DOWNLOADED,
                                        f"Backup original downloaded by {who.who}{infected}",
                                        ", ".join(record.recipients[:100]),
                                        {"backup_id": record.backup_id, "by": who.who,
                                         "include_infected": body.include_infected},
                                        sender=record.sender, subject=record.subject)])
        ports.backup().add_history(backup_id, HistoryEntry("downloaded", who.who))
        return DownloadLink(url=url, expires_in=DOWNLOAD_SECONDS)

    return router
