"""What the admin API answers, as typed models: the OpenAPI document shows them, the resolver holds every
answer to them (a key a model does not declare is not sent, so `additionalProperties: false` is true).

Settings documents (`settings` of a section, the export) are validated by mailgate.settings; their declared
shapes are the settings Structs' own JSON Schemas (see mailgate.api.schemas).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailgate.api.schemas import (
    AntispamDocument,
    AntivirusDocument,
    ContentFilterDocument,
    DeliveryDocument,
    DirectoryAttributes,
    DirectoryFilters,
    DnsDocument,
    ModificationsDocument,
    NotificationsDocument,
    QuarantineLimitsDocument,
    RouteDocument,
    RuleDocument,
    RuleTableDocument,
    SenderListsDocument,
    SettingsDocument,
    SigningDocument,
)


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


class EngineStatus(Answer):
    """A scanner's engine as the scan function last saw it (published by the scan function: every field may be
    missing from an older publication)."""

    engine: str | None = Field(default=None, examples=["clamd"])
    address: str | None = None
    state: str | None = Field(default=None, description="up or down")
    since: str | None = Field(default=None, description="when it entered this state")
    reported_at: str | None = None
    detail: str | None = Field(default=None, description="why it is down")


class SignatureStatus(Answer):
    """The ClamAV signature database as clamd last reported it to the scan function."""

    engine: str | None = Field(default=None, examples=["ClamAV 1.4.6"])
    database_version: int | None = None
    database_date: str | None = None
    age_hours: float | None = Field(default=None, description="null: a database of unknown age (loose files)")
    max_age_hours: float | None = None
    stale: bool | None = None
    clamd: str | None = None
    reported_at: str | None = None


class Health(Answer):
    status: Literal["ok", "degraded"]
    version: str
    authserv_id: str
    accepted_domains: list[str]
    engines: dict[str, EngineStatus] = Field(description="per scanner, its engine as the scan function last saw it")
    signatures: SignatureStatus | None = Field(description="the ClamAV signature status the scan function published")
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

class BackupHistoryEntry(Answer):
    action: str = Field(description="released, released_as_attachment, downloaded, release_requested, ...")
    actor: str
    to: list[str]
    outcome: str = Field(description="delivered, failed: <why>, or empty when nothing was delivered")
    at: str


class BackupEntry(Answer):
    backup_id: str
    message_id: str = Field(description="the gateway's id of the message (the event log's key)")
    recipients: list[str]
    sender: str
    subject: str
    reason: str
    object_key: str
    error: str | None
    verdicts: dict[str, str]
    created_at: str
    held_by: str = Field(description="why it is in Backup: antivirus, antispam, antiphishing, links, content_filter, "
                                     "authentication, deny_list, delivery_failure, processing_error or rule")
    verdict_class: str | None
    rule: str
    header_message_id: str = Field(description="the message's own Message-ID header")
    sender_ip: str
    size: int = Field(description="bytes of the original")
    released: bool
    released_to: list[str]
    history: list[BackupHistoryEntry]
    version: int


class BackupPage(Answer):
    items: list[BackupEntry]
    next_cursor: str | None


class BackupCounts(Answer):
    first_day: str = Field(description="the first day counted (UTC)")
    last_day: str = Field(description="the last day counted (UTC)")
    counts: dict[str, int] = Field(description="entries kept on those days per reason (held_by)")
    total: int
    entries_now: int = Field(description="entries in Backup now")
    bytes_now: int = Field(description="bytes of their originals now")


class BackupRemoval(Answer):
    dry_run: bool
    matched: int = Field(description="entries the filter selects, up to the request's limit")
    more: bool = Field(description="more than the limit match: send the request again after this one")
    removed: list[str] = Field(description="the ids removed (none in a dry run)")


class HeldMessage(Answer):
    """A message the Anti-Spam Quarantine holds until its re-scan, as its ledger records it."""

    hold_key: str
    message_id: str
    recipients: list[str]
    sender: str
    rule: str = Field(description="the rule whose action held it")
    held_at: str
    due_at: str = Field(description="when it is scanned again")
    hold_minutes: int
    size: int = Field(description="bytes")


class HeldMessages(Answer):
    items: list[HeldMessage]
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
    detail: dict[str, Any] = Field(description=(
        "the event's facts, a free-form object whose keys depend on `kind` and on the step that wrote it (e.g. "
        "`received`: envelope, size, subject, notes, defects; `scanned`: result, one scanner's verdict, score, "
        "reasons and details; `feedback`: label, learned, by, source, message_sha256, previous_label, "
        "model_version); events stored long ago keep the keys of their time"))
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
    domains: dict[str, RouteDocument] = Field(description="accepted domain → its route")


class Section(Answer):
    """A settings section with the settings version; each section's model declares its `settings`, as PUT
    takes it."""

    version: int


class ContentFilterSection(Section):
    settings: ContentFilterDocument


class RulesSection(Section):
    settings: RuleTableDocument


class AntivirusSection(Section):
    settings: AntivirusDocument


class AntispamSection(Section):
    settings: AntispamDocument


class ModificationsSection(Section):
    settings: ModificationsDocument


class SpamQuarantineSection(Section):
    settings: QuarantineLimitsDocument


class SigningSection(Section):
    settings: SigningDocument


class NotificationsSection(Section):
    settings: NotificationsDocument


class ListsSection(Section):
    settings: SenderListsDocument


class General(Answer):
    version: int
    authserv_id: str
    bounce_from: str
    header_prefix: str
    event_retention_days: int
    backup_retention_days: int
    backup_max_megabytes: int
    backup_self_release: list[str]
    dns: DnsDocument
    delivery: DeliveryDocument


class SettingsExport(Answer):
    """Every settings section (`settings`), as POST /settings/import takes it back."""

    format: str
    format_version: int
    exported_at: str
    settings_version: int
    settings: SettingsDocument


class Imported(Answer):
    version: int
    imported: bool


class RuleImported(Answer):
    """The settings version after the import and the rule (`rule`) as GET /settings/rules shows it."""

    version: int
    imported: int = Field(description="entries read from the text")
    rule: RuleDocument


class ListImported(Answer):
    """The settings version after the import and the organisation's lists (`settings`) as GET /lists shows
    them."""

    version: int
    imported: int = Field(description="entries read from the text")
    settings: SenderListsDocument


class Change(Answer):
    path: str = Field(description="the changed setting's JSON path", examples=["$.antivirus.clamd"])
    before: Any = Field(description="its value before, any JSON value (null: not set)")
    after: Any = Field(description="its value after, any JSON value (null: removed)")


class AuditEntry(Answer):
    entry_id: str
    at: str
    actor: str
    subject: str
    operation: str
    version_before: int
    version_after: int
    changes: list[Change] = Field(description="each changed value")


class AuditPage(Answer):
    items: list[AuditEntry]
    next_cursor: str | None


class PersonalListsView(Answer):
    address: str
    allow: list[str]
    deny: list[str]
    digest: bool = Field(description="the user gets the daily Backup digest (false: they opted out)")
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
    filters: DirectoryFilters
    attributes: DirectoryAttributes
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
