"""Settings: accepted domains and routing, Content Filtering and Anti-Virus, general settings,
export/import, and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from mailgate.api.application_sections import (
    ApplicationNotificationsSection,
    ApplicationNotificationsUpdate,
    DigestSection,
    DigestUpdate,
    OutboundSection,
    OutboundUpdate,
)
from mailgate.api.guard import acting, endpoint
from mailgate.api.pagination import page
from mailgate.api.ports import Ports
from mailgate.api.prices_section import PricesSection, PricesUpdate
from mailgate.api.recipient_sections import RecipientVerificationSection, RecipientVerificationUpdate
from mailgate.api.responses import (
    AntispamSection,
    AntivirusSection,
    AuditPage,
    ContentFilterSection,
    Domains,
    General,
    Imported,
    ModificationsSection,
    RulesSection,
    Section,
    SettingsExport,
    SigningSection,
    SpamQuarantineSection,
)
from mailgate.api.roles import ADMINISTRATORS, SETTINGS_READERS
from mailgate.api.routes_reports import ReportsSection, ReportsUpdate
from mailgate.api.schemas import (
    AntispamUpdate,
    AntivirusUpdate,
    ContentFilterUpdate,
    DomainsUpdate,
    GeneralUpdate,
    ImportDocument,
    ModificationsUpdate,
    RulesUpdate,
    SectionUpdate,
    SigningUpdate,
    SpamQuarantineUpdate,
)
from mailgate.api.timerange import time_range
from mailgate.notify.application import settings_import_notice
from mailgate.settings.document import export_document, parse_document
from mailgate.settings.service import (
    SettingsRecord,
    general_view,
    merge_general,
    replace_domains,
    replace_section,
    replace_signing,
    signing_view,
)
from mailgate.settings.validation import as_document

AUDIT_DEFAULT_RANGE = timedelta(days=30)
AUDIT_LONGEST_RANGE = timedelta(days=366)


def _domains(record: SettingsRecord) -> Domains:
    return Domains(version=record.version, domains=as_document(record.config)["domains"])


def _section(record: SettingsRecord, section: str, model: type[Section]) -> Section:
    return model.model_validate({"version": record.version, "settings": as_document(record.config)[section]})


def _general(record: SettingsRecord) -> General:
    return General.model_validate({"version": record.version, **general_view(record.config)})


# Sections replaced whole through GET/PUT /settings/<path>: (path, section, its answer and request models,
# what GET shows, what PUT does).
SECTIONS: tuple[tuple[str, str, type[Section], type[SectionUpdate], str, str], ...] = (
    ("/settings/content-filter", "content_filter", ContentFilterSection, ContentFilterUpdate,
     "Content Filtering: expressions, their conditions and actions, and the dictionaries.",
     "Replace the Content Filtering settings (conditional on `version`; 422 names the bad field)."),
    ("/settings/rules", "rules", RulesSection, RulesUpdate,
     "The rule table: ordered rules with their conditions, mode and actions per verdict; Default last.",
     "Replace the rule table (conditional on `version`; 422 names each bad field)."),
    ("/settings/antivirus", "antivirus", AntivirusSection, AntivirusUpdate,
     "Anti-Virus: clamd address, timeouts, PUA and heuristics, the action on infected parts.",
     "Replace the Anti-Virus settings (conditional on `version`)."),
    ("/settings/antispam", "antispam", AntispamSection, AntispamUpdate,
     "Anti-Spam: thresholds, tests switched off by name, DNS blocklists, and the well-known senders "
     "(`known_senders`: the shipped list, the organisation's additions and removals).",
     "Replace the Anti-Spam settings (conditional on `version`; 422 names the bad field, e.g. a value in "
     "`known_senders.add` that is not a domain)."),
    ("/settings/modifications", "modifications", ModificationsSection, ModificationsUpdate,
     "The warning about an insecure message (text and HTML) and the disclaimers rules may name.",
     "Replace the warning and the disclaimers (conditional on `version`; a disclaimer a rule still names "
     "cannot be removed: 422 names the rule)."),
    ("/settings/spam-quarantine", "spam_quarantine", SpamQuarantineSection, SpamQuarantineUpdate,
     "How much the Anti-Spam Quarantine may hold at once (messages, megabytes).",
     "Replace the quarantine's limits (conditional on `version`); beyond them mail is decided at once."),
    ("/settings/application-notifications", "application_notifications", ApplicationNotificationsSection,
     ApplicationNotificationsUpdate,
     "Mail (and SNS) to the administrators about the gateway itself: the kinds switched off, the recipients "
     "(empty: the notifications' administrators), the SNS topic.",
     "Replace the application notifications' settings (conditional on `version`; 422 names a bad address)."),
    ("/settings/outbound", "outbound", OutboundSection, OutboundUpdate,
     "Outbound mail (the organisation's own, from its authenticated ingress): on or off, where mail for other "
     "domains goes (SES or a smart host), the hourly limits per sender and whether passing one holds the mail.",
     "Replace the outbound settings (conditional on `version`; 422 names the bad field)."),
    ("/settings/prices", "prices", PricesSection, PricesUpdate,
     "The AWS list prices (USD, in the unit each name says) every message's cost is computed with (docs/cost.md).",
     "Replace the prices (conditional on `version`; 422 names a price that is negative or implausibly high)."),
    ("/settings/digest", "digest", DigestSection, DigestUpdate,
     "The users' daily Backup digest: on or off, its hour and time zone, how long its links work, who opted out.",
     "Replace the digest's settings (conditional on `version`; 422 names a bad time zone, address or URL)."),
    ("/settings/reports", "reports", ReportsSection, ReportsUpdate,
     "Summary reports: daily, weekly and monthly schedules, their hour and time zone, the recipients.",
     "Replace the summary reports' settings (conditional on `version`; 422 names a bad time zone or address)."),
    ("/settings/recipient-verification", "recipient_verification", RecipientVerificationSection,
     RecipientVerificationUpdate,
     "Recipient verification: unknown recipients of accepted domains refused during SMTP (550 5.1.1) from the "
     "directory cache, and the addresses accepted outside it (`also_accept`: local@domain, *@domain, local@*).",
     "Replace the recipient verification settings (conditional on `version`; 422 names a bad pattern)."),
)


def settings_router(ports: Ports) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @endpoint(router, "GET", "/settings/domains", SETTINGS_READERS, tags=["settings"])
    def get_domains() -> Domains:
        """Accepted domains and where their mail goes, with the settings version."""
        return _domains(ports.settings().current())

    @endpoint(router, "PUT", "/settings/domains", ADMINISTRATORS, errors=(409,), tags=["settings"])
    def put_domains(update: DomainsUpdate) -> Domains:
        """Replace the accepted domains and their routes (conditional on `version`)."""
        record = ports.settings().change(update.version, lambda c: replace_domains(c, update.domains),
                                         acting(router, "PUT /settings/domains"))
        return _domains(record)

    def section(path: str, name: str, answer: type[Section], request: type[SectionUpdate], shows: str,
                replaces: str) -> None:
        """GET and PUT for one top-level settings section, replaced whole and versioned."""

        def get_section() -> Section:
            return _section(ports.settings().current(), name, answer)

        def put_section(update: SectionUpdate) -> Section:
            settings = update.model_dump()["settings"]
            record = ports.settings().change(update.version, lambda c: replace_section(c, name, settings),
                                             acting(router, f"PUT {path}"))
            return _section(record, name, answer)

        get_section.__name__, get_section.__doc__ = f"get_{name}", shows
        put_section.__name__, put_section.__doc__ = f"put_{name}", replaces
        # Powertools reads the models from the annotations: this section's own, not the shared base
        get_section.__annotations__ = {"return": answer}
        put_section.__annotations__ = {"update": request, "return": answer}
        endpoint(router, "GET", path, SETTINGS_READERS, tags=["settings"])(get_section)
        endpoint(router, "PUT", path, ADMINISTRATORS, errors=(409,), tags=["settings"])(put_section)

    for path, name, answer, request, shows, replaces in SECTIONS:
        section(path, name, answer, request, shows, replaces)

    @endpoint(router, "GET", "/settings/signing", SETTINGS_READERS, tags=["settings"])
    def get_signing() -> SigningSection:
        """DKIM signing keys per From domain and the ARC sealing key (secret names only, never the keys)."""
        record = ports.settings().current()
        return SigningSection(version=record.version, settings=signing_view(record.config))

    @endpoint(router, "PUT", "/settings/signing", ADMINISTRATORS, errors=(409,), tags=["settings"])
    def put_signing(update: SigningUpdate) -> SigningSection:
        """Replace `dkim_signing` and `arc_sealing` (conditional on `version`; 422 names the bad field)."""
        record = ports.settings().change(update.version, lambda c: replace_signing(c, update.settings),
                                         acting(router, "PUT /settings/signing"))
        return SigningSection(version=record.version, settings=signing_view(record.config))

    @endpoint(router, "GET", "/settings/general", SETTINGS_READERS, tags=["settings"])
    def get_general() -> General:
        """authserv-id, bounce sender, retention, DNS and delivery settings."""
        return _general(ports.settings().current())

    @endpoint(router, "PATCH", "/settings/general", ADMINISTRATORS, errors=(409,), tags=["settings"])
    def patch_general(update: GeneralUpdate) -> General:
        """Change some general settings; `dns` and `delivery` merge key by key."""
        record = ports.settings().change(update.version, lambda c: merge_general(c, update.changes()),
                                         acting(router, "PATCH /settings/general"))
        return _general(record)

    @endpoint(router, "GET", "/settings/export", SETTINGS_READERS, tags=["settings"])
    def export_settings() -> SettingsExport:
        """All settings as one versioned document (secret names only, never secret values)."""
        record = ports.settings().current()
        return SettingsExport.model_validate(export_document(record.config, record.version))

    @endpoint(router, "POST", "/settings/import", ADMINISTRATORS, errors=(409,), tags=["settings"])
    def import_settings(
        document: Annotated[ImportDocument, Body(description="a document as /settings/export writes it")],
        version: Annotated[int | None, Query(ge=0, description="apply only if the settings are at this version")]
        = None,
    ) -> Imported:
        """Replace all settings at once: every problem reported together (422), or one atomic write."""
        config = parse_document(document)
        actor = acting(router, "POST /settings/import")
        record = ports.settings().change(version, lambda _current: config, actor)
        ports.notice(settings_import_notice(actor.who, record.version), record.config)
        return Imported(version=record.version, imported=True)

    @endpoint(router, "GET", "/audit", SETTINGS_READERS, errors=(400,), tags=["audit"])
    def list_audit(
        start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> AuditPage:
        """Configuration changes, newest first: who, when, which endpoint, each changed value before/after."""
        first, last = time_range(start, end, AUDIT_DEFAULT_RANGE, AUDIT_LONGEST_RANGE)
        entries, next_cursor = ports.settings().store.audit_between(first, last, limit, cursor)
        return AuditPage.model_validate(page([e.to_dict() for e in entries], next_cursor))

    return router
