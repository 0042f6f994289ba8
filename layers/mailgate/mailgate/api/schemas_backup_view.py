"""The safe view of a Backup entry and its download link, as the admin API answers them (mailgate.backup.safe_view
builds the view; these models are its declared shape in OpenAPI). Every string a sender wrote is plain text."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.responses import Answer


class HeaderLineView(Answer):
    name: str
    value: str = Field(description="decoded (RFC 2047), unfolded; control characters shown as ␀…␟ or <U+XXXX>")
    truncated: bool = Field(description="the value is longer than the view shows (8 KiB)")


class BodyTextView(Answer):
    text: str = Field(description="plain text: the text/plain part, else the HTML rendered to its visible text")
    source: Literal["text/plain", "text/html", "none"]
    truncated: bool


class AttachmentLineView(Answer):
    part_path: str
    name: str | None
    declared_type: str = Field(description="what the sender's Content-Type says")
    true_type: str | None = Field(description="what the bytes are")
    size: int
    sha256: str
    infected: bool
    threats: list[str]
    removed: bool = Field(description="the decision took it out of the delivered copy")
    why: list[str] = Field(description="each finding about this attachment, in plain words")


class NamedTestView(Answer):
    test: str
    score: float
    description: str
    evidence: str


class ScannerLineView(Answer):
    scanner: str
    verdict: str
    score: float
    tests: list[NamedTestView] = Field(description="the named tests that fired")


class RemovedPartView(Answer):
    part_path: str
    name: str | None
    reason: str


class DecisionPathView(Answer):
    recipients: list[str]
    rule: str
    action: str
    reason: str
    module: str | None
    verdict_class: str | None
    steps: list[str] = Field(description="every step of the decision, in plain words")
    recorded: bool = Field(description="true: the rules step's own record; false: decided again from the stored "
                                       "scan report with the current settings")
    removals: list[RemovedPartView]


class SafeViewAnswer(Answer):
    backup_id: str
    message_id: str
    sender: str
    recipients: list[str] = Field(description="a personal user sees only their own")
    subject: str
    reason: str
    held_by: str
    verdict_class: str | None
    dangerous: bool = Field(description="infected or phishing: only an Administrator downloads it, with "
                                        "`include_infected`")
    created_at: str
    size: int
    headers: list[HeaderLineView]
    headers_truncated: bool
    body: BodyTextView
    attachments: list[AttachmentLineView]
    attachments_truncated: bool
    scanners: list[ScannerLineView] = Field(description="each scanner's verdict and named tests (empty when the "
                                                        "scan report has expired)")
    decision: DecisionPathView | None
    defects: list[str] = Field(description="what was malformed or cut while parsing")
    incomplete: bool = Field(description="a parsing bound stopped inspection: not everything is shown")


class DownloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_infected: bool = Field(default=False, description="download an infected or phishing message "
                                                              "(Administrator only)")


class DownloadLink(Answer):
    url: str = Field(description="a pre-signed GET URL of the original .eml; needs no token")
    expires_in: int = Field(description="seconds the URL works")
