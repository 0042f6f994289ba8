"""Anti-spam feedback: mark a message from Backup (or an uploaded one) as spam or not spam; the model's state.

Learning is idempotent: the same message marked again with the same label answers `learned: false`
and changes nothing; marked with the other label, it moves. Every mark is recorded in the event log
(kind `feedback`) with who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mailgate.api.errors import ApiError, Conflict, Invalid, NotFound
from mailgate.api.guard import endpoint, principal
from mailgate.api.ports import MailReader, Ports
from mailgate.api.responses import AntispamModelSummary, FeedbackOutcome
from mailgate.api.roles import OPERATORS, READERS
from mailgate.api.upload import MAX_UPLOAD_BYTES, decode_upload
from mailgate.notify.application import antispam_model_notice

if TYPE_CHECKING:
    from mailgate.scanners.antispam.feedback import FeedbackService

class Unavailable(ApiError):
    http_status = 503
    error_code = "antispam_unavailable"


class FeedbackRequest(BaseModel):
    """Exactly one of `backup_id` and `message`."""

    model_config = ConfigDict(extra="forbid")
    label: Literal["spam", "not_spam"]
    backup_id: str | None = Field(default=None, min_length=1, max_length=1024,
                                  description="a Backup entry: its original is learned")
    message: str | None = Field(default=None, min_length=1,
                                description=f"the raw RFC 5322 message in base64 (at most {MAX_UPLOAD_BYTES} bytes "
                                            "decoded; larger mail can be marked from Backup)")

    @model_validator(mode="after")
    def one_source(self) -> FeedbackRequest:
        if (self.backup_id is None) == (self.message is None):
            raise ValueError("give exactly one of backup_id and message")
        return self


def _backup_original(ports: Ports, backup_id: str) -> tuple[bytes, str]:
    """The original of a Backup entry and the gateway's message id."""
    from mailgate.aws.mail_store import MailStoreError  # noqa: PLC0415

    record = ports.backup().get(backup_id)
    if record is None:
        raise NotFound(f"no Backup entry {backup_id}")
    mail: MailReader | None = ports.mail()
    if mail is None:
        raise Unavailable("no mail bucket is configured for this gateway")
    try:
        return mail.get_bytes(record.object_key), record.message_id
    except MailStoreError:
        raise NotFound(f"the original of Backup entry {backup_id} cannot be read (expired or removed)") from None


def antispam_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def service() -> FeedbackService:
        found = ports.antispam()
        if found is None:
            raise Unavailable("anti-spam learning is not configured for this gateway")
        return found

    @endpoint(router, "POST", "/antispam/feedback", OPERATORS, errors=(404, 409, 503), tags=["anti-spam"])
    def mark_feedback(request: FeedbackRequest) -> FeedbackOutcome:
        """Learn a message as spam or not spam; `learned: false` when it was already learned so."""
        from mailgate.scanners.antispam.feedback import NotAMessage  # noqa: PLC0415
        from mailgate.scanners.antispam.learning import StaleModel  # noqa: PLC0415

        learner = service()
        message_id: str | None = None  # an upload has no gateway id: the event is keyed by its hash
        if request.backup_id is not None:
            raw, message_id = _backup_original(ports, request.backup_id)
            source = f"backup {request.backup_id}"
        else:
            raw, source = decode_upload(request.message or "", "mark it from Backup with backup_id instead"), "upload"
        try:
            outcome = learner.mark(raw, request.label, principal(router).who, message_id, source)
        except NotAMessage as exc:
            field = "body.backup_id" if request.backup_id is not None else "body.message"
            raise Invalid([{"path": field, "message": str(exc)}]) from None
        except StaleModel as exc:
            raise Conflict(f"{exc}: others are marking mail at the same moment; try again") from None
        if outcome.learned:
            ports.notice(antispam_model_notice(principal(router).who, outcome.label, outcome.previous, source,
                                               outcome.model.version), ports.config())
        return FeedbackOutcome.model_validate(outcome.to_dict())

    @endpoint(router, "GET", "/antispam/model", READERS, errors=(503,), tags=["anti-spam"])
    def get_antispam_model() -> AntispamModelSummary:
        """What the organisation's model has learned: messages per label, tokens, version, last change."""
        return AntispamModelSummary.model_validate(service().summary().to_dict())

    return router
