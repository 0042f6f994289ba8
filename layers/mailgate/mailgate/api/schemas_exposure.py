"""The exposure search's answers and its action request (`/exposure`, mailgate.api.routes_exposure)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.responses import Answer

IndicatorKind = Literal["url", "domain", "sha256", "sender", "sender_domain"]
ActionName = Literal["add_to_url_list", "add_to_deny_list", "notify_recipients", "notify_administrators",
                     "hold_in_flight"]


class RecipientFate(Answer):
    recipient: str
    state: str = Field(description="where the message is for this recipient now: received, decided, deferred, "
                                   "delivered, held (Anti-Spam Quarantine), in_backup, released, rejected, bounced, "
                                   "deleted, removed_from_backup")
    at: str = Field(description="when the event that says so was written")
    summary: str
    action: str = Field(description="the rule's action when a decision said it (deliver, reject, ...)")


class ExposureBackupEntry(Answer):
    backup_id: str
    present: bool = Field(description="false: the entry was removed (by an administrator or by retention)")
    held_by: str
    created_at: str
    released_to: list[str]
    reason: str


class ExposedMessage(Answer):
    message_id: str
    received_at: str
    sender: str
    subject: str
    recipients: list[str] = Field(description="the first 50 envelope recipients")
    recipients_count: int
    fates: list[RecipientFate]
    backup: list[ExposureBackupEntry]
    events: int = Field(description="how many events the log still holds for the message")


class ExposureSearch(Answer):
    kind: IndicatorKind
    value: str = Field(description="the indicator as the index keys it (normalised)")
    messages: list[ExposedMessage]
    next_cursor: str | None


class ActionOutcome(Answer):
    action: str
    done: bool
    detail: str
    count: int


class ExposureActionsAnswer(Answer):
    kind: IndicatorKind
    value: str
    messages: int = Field(description="messages the search found (at most 1000 are acted on)")
    outcomes: list[ActionOutcome]


class ExposureActions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: IndicatorKind
    value: str = Field(min_length=1, max_length=4096)
    start: str | None = Field(default=None, alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)
    end: str | None = Field(default=None, alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)
    actions: list[ActionName] = Field(min_length=1, max_length=5)
