"""A release from Backup as the admin API takes and answers it (mailgate.backup.releasing does the work)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.responses import Answer, BackupHistoryEntry

Address = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[Address] | None = Field(
        default=None, min_length=1, max_length=50,
        description="where to deliver (default: the entry's recipients, a personal user's own ones). Each must be "
                    "a recipient of the entry unless you are an Administrator or SecurityOfficer, and in a domain "
                    "this gateway accepts (its route delivers it)")
    as_attachment: bool = Field(default=False, description="false: the original as is, with X-Mailgate-Released "
                                "and SCL -1; true: a message from the gateway with the original attached")
    request_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
        description="the client's id of this release: sending it again delivers nothing new. Without it, the "
                    "same release to the same targets within 60 s delivers once")
    confirm: bool = Field(default=False, description="required (true) to release infected or phishing mail, "
                                                     "which only an Administrator may")
    allow_sender: Literal["personal", "organisation"] | None = Field(
        default=None, description="after a delivery, put the envelope sender on the allow list: `personal` (each "
        "target's own list) or `organisation` (Administrator and SecurityOfficer), so their next message is not "
        "held by Anti-Spam again")
    learn_not_spam: bool = Field(default=False, description="after a delivery, learn the message as not spam "
                                 "(Administrator and SecurityOfficer), as POST /antispam/feedback does")


class TargetOutcomeView(Answer):
    to: str
    status: Literal["delivered", "already_delivered", "failed"] = Field(
        description="delivered by this request; already_delivered: an earlier request with the same id (or a "
                    "double click) delivered it, nothing new was sent; failed: not delivered, `detail` says why "
                    "and releasing again tries again")
    detail: str = Field(description="the destination server's reply, or the error")


class ReleaseAnswer(Answer):
    backup_id: str
    request_id: str = Field(description="yours, or the one made for this release")
    as_attachment: bool
    outcomes: list[TargetOutcomeView] = Field(description="one per target, in the order given")
    released_to: list[str] = Field(description="every address a release of this entry was delivered to")
    history: list[BackupHistoryEntry] = Field(description="the entry's sending history, this release last")
    follow_up: list[str] = Field(default_factory=list, description="what was done after the delivery (the sender "
                                 "allowed, the message learned as not spam), or why it was not")


class BackupHistory(Answer):
    backup_id: str
    history: list[BackupHistoryEntry] = Field(description="releases, downloads, requests: oldest first")


BULK_RELEASE_CAP = 50  # entries one request releases: each is delivered before the answer (the API's 29 s)


class BulkReleaseEntry(Answer):
    backup_id: str
    outcomes: list[TargetOutcomeView] = Field(description="empty when it was skipped (`skipped` says why)")
    skipped: str = Field(default="", description="why it was not released: infected or phishing without confirm")


class BulkReleaseAnswer(Answer):
    dry_run: bool
    matched: int = Field(description="entries the filter selects, up to the request's limit")
    more: bool = Field(description="more than the limit match: send the request again (released ones are skipped "
                                   "when you filter with released false)")
    released: list[BulkReleaseEntry] = Field(description="each entry this request released (none in a dry run)")
