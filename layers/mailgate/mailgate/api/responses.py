"""What the admin API answers, as typed models: the OpenAPI document shows them, the resolver holds every
answer to them (a key a model does not declare is not sent, so `additionalProperties: false` is true).

Settings documents (`settings` of a section, the export) keep their own schema in mailgate.settings; here
they are JSON objects validated there.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"additionalProperties": False})


class Problem(Answer):
    path: str = Field(description="where: `body.rules[2].name`, `query.limit`, `body.text:line 4`")
    message: str


class ErrorBody(Answer):
    """Every error answer: a machine-readable code and one sentence; some errors add a field."""

    error: str = Field(description="validation_error, bad_request, unauthorized, forbidden, not_found, "
                                   "version_conflict, internal_error, …", examples=["not_found"])
    message: str = Field(description="one sentence for a person")
    problems: list[Problem] | None = Field(default=None, description="each problem of an invalid document")
    field: str | None = Field(default=None, description="the parameter a 400 is about")
    current_version: int | None = Field(default=None, description="with 409: the version now stored")
    other: str | None = Field(default=None, description="with duplicate_connection: the connection it duplicates")
    correlation_id: str | None = Field(default=None, description="with 500: the request's id in the logs")


# --- health and identity

class AntispamModelSummary(Answer):
    spam_messages: int
    ham_messages: int
    tokens: int
    version: int
    updated_at: str | None
    updated_by: str | None


class Models(Answer):
    antispam: AntispamModelSummary


class Health(Answer):
    status: Literal["ok", "degraded"]
    version: str
    authserv_id: str
    accepted_domains: list[str]
    engines: dict[str, dict[str, Any]] = Field(description="per scanner, its engine as the scan function last saw it")
    signatures: dict[str, Any] | None = Field(description="the ClamAV signature status the scan function published")
    models: Models | None
    warnings: list[str]


class Me(Answer):
    subject: str
    username: str
    addresses: list[str]
    roles: list[str]


# --- anti-spam feedback

class FeedbackOutcome(Answer):
    learned: bool = Field(description="false: it was already learned with this label, nothing changed")
    message_sha256: str
    label: Literal["spam", "not_spam"]
    previous_label: Literal["spam", "not_spam"] | None
    model: AntispamModelSummary


# --- Backup and the Anti-Spam Quarantine

class BackupEntry(Answer):
    backup_id: str
    message_id: str
    recipients: list[str]
    sender: str
    subject: str
    reason: str
    object_key: str
    error: str | None
    verdicts: dict[str, str]
    created_at: str


class BackupPage(Answer):
    items: list[BackupEntry]
    next_cursor: str | None


class HeldMessages(Answer):
    items: list[dict[str, Any]] = Field(description="the held messages as the quarantine ledger records them")
    held_messages: int
    held_megabytes: float
    max_messages: int
    max_megabytes: float


# --- the event log, explanations and dry runs

class EventView(Answer):
    message_id: str
    kind: str
    summary: str
    recipient: str | None
    detail: dict[str, Any] = Field(description="the event's facts; their keys depend on `kind`")
    at: str
    sender: str | None
    subject: str | None
    action: str | None
    verdicts: list[str]


class MessageEvents(Answer):
    message_id: str
    events: list[EventView]


class EventPage(Answer):
    events: list[EventView]
    next_cursor: str | None


class EnvelopeView(Answer):
    mail_from: str
    recipients: list[str]
    client_ip: str | None
    helo: str | None
    ses_message_id: str | None
    received_at: str | None
    ses_verdicts: dict[str, str]
    problems: list[str] = Field(default_factory=list, description="what had to change in the envelope strings")


class Contribution(Answer):
    test: str
    score: float
    description: str
    evidence: str


class ScannerVerdict(Answer):
    verdict: str
    score: float
    reasons: list[Contribution]


class PartRemoval(Answer):
    part_path: str
    filename: str | None
    reason: str


class NotificationRequest(Answer):
    to: str
    verdict_class: str


class DecisionView(Answer):
    action: str
    backup: bool
    rule: str
    reason: str
    module: str | None
    verdict_class: str | None
    path: list[str] = Field(description="every step of the decision, in plain words")
    removals: list[PartRemoval]
    remove_headers: list[str]
    set_headers: dict[str, str]
    subject_tags: list[str]
    insecure_warning: bool
    notifications: list[NotificationRequest]
    bcc: list[str]
    disclaimer: str | None
    hold_minutes: int | None = Field(default=None, description="with action hold: minutes until the re-scan")


class RecipientGroup(Answer):
    recipients: list[str]
    decision: DecisionView


class Explanation(Answer):
    message_id: str
    envelope: EnvelopeView
    verdicts: dict[str, ScannerVerdict]
    groups: list[RecipientGroup]


class DryRun(Explanation):
    table: Literal["current", "proposed"]
    notes: list[str]


# --- settings, lists and the audit trail

class Domains(Answer):
    version: int
    domains: dict[str, dict[str, Any]] = Field(description="accepted domain → its route")


class Section(Answer):
    version: int
    settings: dict[str, Any] = Field(description="the section as PUT takes it")


class General(Answer):
    version: int
    authserv_id: str
    bounce_from: str
    header_prefix: str
    event_retention_days: int
    backup_retention_days: int
    dns: dict[str, Any]
    delivery: dict[str, Any]


class SettingsExport(Answer):
    format: str
    format_version: int
    exported_at: str
    settings_version: int
    settings: dict[str, Any] = Field(description="every settings section")


class Imported(Answer):
    version: int
    imported: bool


class RuleImported(Answer):
    version: int
    imported: int = Field(description="entries read from the text")
    rule: dict[str, Any] = Field(description="the rule as GET /settings/rules shows it")


class ListImported(Answer):
    version: int
    imported: int = Field(description="entries read from the text")
    settings: dict[str, Any] = Field(description="the organisation's lists as GET /lists shows them")


class AuditEntry(Answer):
    entry_id: str
    at: str
    actor: str
    subject: str
    operation: str
    version_before: int
    version_after: int
    changes: list[dict[str, Any]] = Field(description="each changed value: path, before, after")


class AuditPage(Answer):
    items: list[AuditEntry]
    next_cursor: str | None


class PersonalListsView(Answer):
    address: str
    allow: list[str]
    deny: list[str]
    version: int = Field(description="0: never saved")
    updated_at: str | None
    updated_by: str | None


class NotificationPreview(Answer):
    name: str
    subject: str
    text: str
    html: str


# --- the directory

class SyncStatus(Answer):
    connection_id: str
    state: Literal["never", "ok", "warning", "failed"]
    last_success: str | None
    last_attempt: str | None
    stale_since: str | None
    error_kind: str | None
    last_error: str | None
    warnings: list[str]
    counts: dict[str, int]
    duplicates: int
    mode: str | None
    server: str | None
    generation: int


class SyncRun(Answer):
    sync_id: str
    connection_id: str
    trigger: Literal["schedule", "api"]
    state: str
    requested_at: str
    started_at: str | None
    finished_at: str | None
    mode: str | None
    full_reason: str | None
    server: str | None
    counts: dict[str, int]
    changed: int
    duplicates: int
    errors: list[str]
    warnings: list[str]
    error_kind: str | None
    previous_state: str | None
    previous_duplicates: int


class SyncStarted(Answer):
    sync_id: str
    state: str
    status: str = Field(description="the path of this sync's status")


class ServerAddress(Answer):
    host: str
    port: int | None = None


class ConnectionView(Answer):
    """A connection as stored, never with its password (only the secret's name)."""

    connection_id: str
    name: str
    domain: str
    kind: Literal["active_directory", "ldap"]
    profile: str | None
    filters: dict[str, Any]
    attributes: dict[str, Any]
    servers: list[ServerAddress]
    base_dn: str
    bind_dn: str
    bind_method: Literal["simple", "ntlm"]
    password_secret: str
    tls: Literal["ldaps", "starttls"]
    ca_pem: str | None
    tls_server_name: str | None
    netbios_domain: str | None
    connect_timeout_seconds: float
    read_timeout_seconds: int
    read_contacts: bool
    schedule_minutes: int
    page_size: int


class ConnectionWithStatus(ConnectionView):
    status: SyncStatus


class Connections(Answer):
    items: list[ConnectionWithStatus]


class Deleted(Answer):
    deleted: str


class DuplicateAccount(Answer):
    key: str
    label: str


class Duplicate(Answer):
    kind: str
    value: str
    consequence: str
    accounts: list[DuplicateAccount]


class Duplicates(Answer):
    items: list[Duplicate]


class Account(Answer):
    key: str
    kind: str
    dn: str
    display_name: str
    primary: str
    addresses: list[str]
    kerberos_name: str
    ntlm_name: str
    connection_id: str
    disabled: bool


class Accounts(Answer):
    items: list[Account]


class Resolution(Answer):
    address: str
    account: Account | None = Field(description="null when two accounts claim the address")
    groups: list[Account]
    personal_allowed: bool
    duplicates: list[str]
