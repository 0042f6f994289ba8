"""The gateway's settings: accepted domains and their routes, DNS, DKIM signing, retention.

Loaded once per process from JSON (a file named by MAILGATE_CONFIG_FILE, or the JSON text in
MAILGATE_CONFIG). Validation errors name the field, so a bad deployment fails loudly at start-up
instead of mis-routing mail. msgspec rather than pydantic: it validates the same way at a fraction
of the import time, which every cold start pays.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from mailgate.directory.recipients import MAX_PATTERNS, pattern_problem
from mailgate.environment import Env
from mailgate.notify.templates import NotificationSettings, is_address
from mailgate.rules.table import RuleTable

Port = Annotated[int, Meta(ge=1, le=65535)]


class ConfigError(ValueError):
    """The configuration is missing or invalid; the message says which field and why."""


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class SmtpHost(_Model, frozen=True):
    host: str
    port: Port = 25
    priority: int = 10  # lower is tried first, as with MX preferences


class Route(_Model, frozen=True):
    """Where mail for one accepted domain goes after scanning."""

    kind: Literal["smtp", "ses"] = "smtp"
    hosts: tuple[SmtpHost, ...] = ()
    require_tls: bool = False  # STARTTLS is always used when offered; this makes it mandatory
    verify_tls: bool = True
    username_secret: str | None = None  # Secrets Manager name holding {"username","password"}

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "hosts", tuple(sorted(self.hosts, key=lambda h: h.priority)))

    def key(self) -> bytes:
        """Identifies the destination: recipients with the same key can share one transaction."""
        return msgspec.json.encode(self)


class DkimSigningKey(_Model, frozen=True):
    domain: str
    selector: str
    secret_name: str  # Secrets Manager secret holding the PEM private key
    algorithm: Literal["rsa-sha256", "ed25519-sha256"] = "rsa-sha256"


class DnsSettings(_Model, frozen=True):
    servers: tuple[str, ...] = ()  # empty: the system resolver
    port: Port = 53
    timeout_seconds: Annotated[float, Meta(gt=0, le=30)] = 2.0
    no_network: bool = False  # every lookup answers "temperror": a neutral input


class DeliverySettings(_Model, frozen=True):
    max_attempts: Annotated[int, Meta(ge=1, le=50)] = 5  # queue deliveries before Backup
    connect_timeout_seconds: Annotated[float, Meta(gt=0, le=120)] = 20.0
    retry_base_seconds: Annotated[int, Meta(ge=0, le=3600)] = 60  # doubles with every redelivery

    def retry_delay(self, attempt: int) -> int:
        """Exponential backoff for the queue: 1, 2, 4… times the base, capped at 12 hours."""
        return int(min(self.retry_base_seconds * 2 ** max(0, attempt - 1), 43200))


LinkVerdict = Literal["phishing_link", "malicious_link"]


class UriBlocklist(_Model, frozen=True):
    """A DBL/SURBL-style zone: `<registered-domain>.<zone>` answering 127.x.x.x means listed."""

    zone: str
    verdict: LinkVerdict = "phishing_link"


class LinkListFile(_Model, frozen=True):
    """A reputation list: one domain or URL prefix a line (see scanners/links/reputation.py), in a file
    or in S3 (`s3://bucket/key`), re-read every `refresh_seconds` by warm functions."""

    path: str
    verdict: LinkVerdict = "phishing_link"
    refresh_seconds: Annotated[int, Meta(ge=10, le=86400)] = 300


class AntiphishingSettings(_Model, frozen=True):
    """Anti-phishing and link scanning. `protected_names` are internal users' display names."""

    protected_names: tuple[str, ...] = ()
    probable_threshold: Annotated[float, Meta(gt=0)] = 4.0
    phishing_threshold: Annotated[float, Meta(gt=0)] = 7.0
    disabled_tests: tuple[str, ...] = ()  # test names, e.g. "LINK_SHORTENER"
    uri_blocklists: tuple[UriBlocklist, ...] = ()
    link_lists: tuple[LinkListFile, ...] = ()


class BlocklistZone(_Model, frozen=True):
    """A DNS blocklist for anti-spam: `ip` zones (Spamhaus ZEN-style) are asked about the client IP,
    `domain` zones (DBL/SURBL-style) about each link's registered domain. A 127.x.y.z answer is a hit
    (127.255.255.x and 127.0.0.1 are the lists' own error codes: neutral)."""

    zone: str
    kind: Literal["ip", "domain"] = "ip"
    weight: Annotated[float, Meta(ge=0)] = 5.0


_DNS_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
SenderDomain = Annotated[str, Meta(pattern=rf"^(?=.{{1,253}}$){_DNS_LABEL}(?:\.{_DNS_LABEL})+\.?$")]


class KnownSendersSettings(_Model, frozen=True):
    """The well-known senders whose mail, with an aligned DMARC pass, counts as strong evidence of ham
    (test AUTH_KNOWN_SENDER; docs/known-senders.md). Domains are ASCII (IDNA A-labels for Unicode ones);
    a domain also covers its subdomains."""

    shipped: bool = True  # start from the list mailgate ships
    add: Annotated[tuple[SenderDomain, ...], Meta(max_length=10_000)] = ()  # the organisation's own additions
    remove: Annotated[tuple[SenderDomain, ...], Meta(max_length=10_000)] = ()  # shipped domains not to trust


class AntispamSettings(_Model, frozen=True):
    """Anti-spam thresholds (on the summed score of the named tests) and blocklists (none by default:
    public lists refuse queries from shared cloud resolvers, so an operator configures their own)."""

    probable_threshold: Annotated[float, Meta(gt=0)] = 3.0
    spam_threshold: Annotated[float, Meta(gt=0)] = 6.0
    disabled_tests: tuple[str, ...] = ()  # test names, e.g. "SUBJ_ALL_CAPS"
    blocklists: tuple[BlocklistZone, ...] = ()
    max_domain_lookups: Annotated[int, Meta(ge=0, le=50)] = 10
    known_senders: KnownSendersSettings = msgspec.field(default_factory=KnownSendersSettings)


PuaCategory = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
CLAMD_ADDRESS = r"^(unix://)?[/.][^\n]+$|^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$"


class AntivirusSettings(_Model, frozen=True):
    """Anti-virus with ClamAV's clamd. Without `clamd` the verdict is `skipped`, never `clean`.

    The clamd launcher (local mode, the Lambda image) writes `heuristics` and the PUA categories into
    clamd.conf; the scanner applies `detect_pua` and the categories to what clamd reports.
    """

    clamd: Annotated[str, Meta(pattern=CLAMD_ADDRESS)] | None = None  # "host:port" or a unix socket path
    timeout_seconds: Annotated[float, Meta(gt=0, le=600)] = 30.0  # one stream's answer
    total_timeout_seconds: Annotated[float, Meta(gt=0, le=900)] = 120.0  # all streams of one message
    max_stream_bytes: Annotated[int, Meta(ge=1024, le=2**31)] = 50 * 2**20  # below clamd's StreamMaxLength
    detect_pua: bool = False  # riskware/adware/remote-admin tools make the message infected
    pua_exclude: tuple[PuaCategory, ...] = ()  # ClamAV PUA categories, e.g. "Tool", "Win.Packer"
    pua_include: tuple[PuaCategory, ...] = ()  # when set, only these categories count
    heuristics: Literal["off", "standard", "strict"] = "standard"
    on_infected: Literal["backup", "remove_parts"] = "backup"
    max_signature_age_hours: Annotated[int, Meta(ge=1, le=24 * 365)] = 48  # older signatures are stale

    def __post_init__(self) -> None:
        port = self.clamd.rpartition(":")[2] if self.clamd and not self.clamd.startswith(("/", ".", "unix:")) else ""
        if port and not 0 < int(port) < 65536:
            raise ValueError(f"antivirus: clamd port {port} is out of range")
        if self.pua_include and self.pua_exclude:
            raise ValueError("antivirus: pua_include and pua_exclude cannot both be set (clamd takes one)")


# Content Filtering (scanners/content_filter): expressions of conditions, and the dictionaries they use.
FileCategory = Literal["executables", "scripts", "shortcuts", "archives", "encrypted", "office_macros",
                       "office_documents", "pdf", "disk_images", "html", "images"]
ContentAttribute = Literal["message_size", "attachment_name", "attachment_type", "attachment_size",
                           "attachment_count", "subject", "body", "sender", "recipient", "cc", "header"]
ContentOperator = Literal["contains", "equals", "wildcard", "regex", "dictionary", "greater_than", "less_than"]
ContentAction = Literal["skip", "reject", "delete_attachment", "delete_message"]


class ContentCondition(_Model, frozen=True):
    """One test of one attribute, case-insensitive; `negate` reads "does not match" (no value matches)."""

    attribute: ContentAttribute
    operator: ContentOperator
    value: str | int = ""  # the string, wildcard or regular expression; a number for sizes (bytes) and counts
    dictionary: str = ""  # operator "dictionary": the dictionary's name
    header: str = ""  # attribute "header": the field name
    negate: bool = False
    enabled: bool = True


class ContentExpression(_Model, frozen=True):
    """A named set of conditions, "all" or "any" of which must match, with its action."""

    name: str
    conditions: tuple[ContentCondition, ...]
    match: Literal["all", "any"] = "all"
    action: ContentAction = "skip"
    backup: bool = False  # place the original in Backup, whatever the action
    remove_headers: tuple[str, ...] = ()  # on delivered mail
    set_headers: dict[str, str] = msgspec.field(default_factory=dict)
    enabled: bool = True
    description: str = ""


class ContentDictionary(_Model, frozen=True):
    """A named, reusable list. `file_types`: categories and MIME types (wildcards allowed). `text`:
    strings (contained), wildcards (the whole value) and regular expressions (searched)."""

    name: str
    type: Literal["file_types", "text"]
    categories: tuple[FileCategory, ...] = ()
    types: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    wildcards: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    description: str = ""


_RUNNABLE_EXTENSIONS = (
    "exe", "scr", "com", "pif", "cpl", "msi", "msp", "mst", "dll", "ocx", "sys", "drv", "xll", "bat", "cmd", "js",
    "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "ps1", "psm1", "psd1", "hta", "sct", "jar", "lnk", "scf", "reg",
    "inf", "msc", "chm", "hlp", "gadget", "application", "appref-ms", "appx", "appxbundle", "msix", "msixbundle",
    "settingcontent-ms", "library-ms", "searchconnector-ms", "iqy", "slk", "apk", "command")
_DOUBLE_EXTENSION = (r"\.(?:pdf|docx?|docm|xlsx?|xlsm|pptx?|rtf|txt|csv|jpe?g|png|gif|bmp|tiff?|html?|zip|rar|7z"
                     r"|mp3|mp4|wav|avi|mov)[\s._-]*\.(?:exe|scr|com|pif|cpl|msi|bat|cmd|js|jse|vbs|vbe|wsf|ps1"
                     r"|hta|lnk|jar|iso|img|vhdx?)$")


def _type_condition(dictionary: str) -> ContentCondition:
    return ContentCondition(attribute="attachment_type", operator="dictionary", dictionary=dictionary)


DEFAULT_CONTENT_DICTIONARIES = (
    # Shortcuts by type: the "shortcuts" category also holds .url files, common in legitimate mail.
    ContentDictionary(name="Executable file types", type="file_types", categories=("executables", "scripts"),
                      types=("application/x-ms-shortcut",)),
    ContentDictionary(name="Executable file names", type="text",
                      wildcards=tuple(f"*.{extension}" for extension in _RUNNABLE_EXTENSIONS)),
    ContentDictionary(name="Disk images", type="file_types", categories=("disk_images",)),
    ContentDictionary(name="Office documents with macros", type="file_types", categories=("office_macros",)),
    ContentDictionary(name="Encrypted archives and documents", type="file_types", categories=("encrypted",)),
    ContentDictionary(name="Archives", type="file_types", categories=("archives",)),
)
DEFAULT_CONTENT_EXPRESSIONS = (
    ContentExpression(
        name="Executables and scripts", match="any", action="delete_attachment", backup=True,
        conditions=(_type_condition("Executable file types"),
                    ContentCondition(attribute="attachment_name", operator="dictionary",
                                     dictionary="Executable file names")),
        description="Programs, Windows scripts and .lnk shortcuts by true type or by name, also inside archives."),
    ContentExpression(
        name="Double extension", action="delete_attachment", backup=True,
        conditions=(ContentCondition(attribute="attachment_name", operator="regex", value=_DOUBLE_EXTENSION),),
        description='A document-like name hiding a program: "invoice.pdf.exe".'),
    ContentExpression(
        name="Disk images", action="delete_attachment", backup=True,
        conditions=(_type_condition("Disk images"),),
        description="ISO, IMG and VHD files: containers that slip programs past mark-of-the-web."),
    ContentExpression(
        name="Office macros from outside", action="delete_attachment", backup=True, enabled=False,
        conditions=(_type_condition("Office documents with macros"),
                    ContentCondition(attribute="sender", operator="wildcard", value="*@example.com", negate=True)),
        description="Replace example.com with your own domain, then enable."),
    ContentExpression(
        name="Encrypted attachments", action="skip", enabled=False,
        set_headers={"X-Mailgate-Encrypted-Attachment": "yes"},
        conditions=(_type_condition("Encrypted archives and documents"),),
        description="Anti-virus cannot look inside: tag the delivered mail."),
)


class ContentFilterSettings(_Model, frozen=True):
    """Content Filtering: expressions evaluated in order; dictionaries referenced by name."""

    enabled: bool = True
    expressions: tuple[ContentExpression, ...] = DEFAULT_CONTENT_EXPRESSIONS
    dictionaries: tuple[ContentDictionary, ...] = DEFAULT_CONTENT_DICTIONARIES


class ListEntry(_Model, frozen=True):
    """An allow/deny entry with the administrator's note of why it is there (shown in the decision path).
    A plain string is the same entry without a comment; `subdomains: false` limits a domain to itself."""

    entry: Annotated[str, Meta(min_length=1, max_length=1024)]
    comment: Annotated[str, Meta(max_length=500)] = ""
    subdomains: bool = True  # domain entries only


class SenderLists(_Model, frozen=True):
    """The organisation's allow and deny lists of senders (see mailgate.rules.sender_lists)."""

    allow: Annotated[tuple[str | ListEntry, ...], Meta(max_length=50_000)] = ()
    deny: Annotated[tuple[str | ListEntry, ...], Meta(max_length=50_000)] = ()
    allow_skips_antiphishing: bool = False  # besides Anti-Spam, which an allow entry always skips
    allow_skips_authentication: bool = False  # SPF/DKIM/DMARC violations then do not count


DEFAULT_WARNING = ("Caution: the mail gateway found this message suspicious. Do not open its links or attachments, "
                   "and do not reply with passwords or personal data, unless you are sure it is genuine.")


class Disclaimer(_Model, frozen=True):
    """Added once per thread to the mail of the rules that name it (typically outgoing mail)."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    text: Annotated[str, Meta(min_length=1, max_length=5000)]
    html: Annotated[str, Meta(max_length=20000)] = ""  # administrator-written HTML; empty: the text, escaped
    position: Literal["top", "bottom"] = "bottom"


class ModificationSettings(_Model, frozen=True):
    """What the gateway writes into bodies: the warning about an insecure message, and disclaimers."""

    warning_text: Annotated[str, Meta(min_length=1, max_length=2000)] = DEFAULT_WARNING
    warning_html: Annotated[str, Meta(max_length=10000)] = ""  # empty: the text, escaped
    disclaimers: tuple[Disclaimer, ...] = ()

    def disclaimer(self, name: str) -> Disclaimer | None:
        return next((d for d in self.disclaimers if d.name == name), None)


class QuarantineLimits(_Model, frozen=True):
    """How much the Anti-Spam Quarantine may hold at once; beyond either limit mail is decided at once."""

    max_messages: Annotated[int, Meta(ge=0, le=1_000_000)] = 10_000
    max_megabytes: Annotated[int, Meta(ge=0, le=100_000)] = 2_048


class DigestSettings(_Model, frozen=True):
    """The daily digest of what Backup held for each user, with signed single-use links (mailgate.backup.digest)."""

    enabled: bool = True  # the organisation's opt-out
    hour: Annotated[int, Meta(ge=0, le=23)] = 8  # sent daily at this hour of `time_zone`
    time_zone: Annotated[str, Meta(min_length=1, max_length=64)] = "UTC"  # an IANA name: Europe/Berlin
    link_days: Annotated[int, Meta(ge=1, le=30)] = 7  # how long a link works
    public_base_url: Annotated[str, Meta(max_length=500)] = ""  # the admin API's URL the links point at
    console_url: Annotated[str, Meta(max_length=500)] = ""  # the personal Backup's page; empty: its link page
    opted_out: Annotated[tuple[str, ...], Meta(max_length=10_000)] = ()  # users who want no digest

    def __post_init__(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415 - only when a digest is configured

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone {self.time_zone!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
        for name in ("public_base_url", "console_url"):
            url = getattr(self, name)
            if url and not url.startswith(("https://", "http://")):
                raise ValueError(f"{name} must be an http(s) URL, not {url[:60]!r}")
        msgspec.structs.force_setattr(self, "opted_out", tuple(a.strip().lower() for a in self.opted_out))


class ReportSettings(_Model, frozen=True):
    """The summary reports (mailgate.reports): which periods are sent, when, in which time zone, to whom."""

    daily: bool = False
    weekly: bool = False  # for the week (Monday to Sunday) before the day it runs
    monthly: bool = False  # for the month before
    hour: Annotated[int, Meta(ge=0, le=23)] = 6  # made at this hour of `time_zone`
    time_zone: Annotated[str, Meta(min_length=1, max_length=64)] = "UTC"  # an IANA name: Europe/Berlin
    recipients: Annotated[tuple[str, ...], Meta(max_length=50)] = ()  # mailed to these (in accepted domains)

    def __post_init__(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415 - only when reports are configured

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone {self.time_zone!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
        for address in self.recipients:
            if address.count("@") != 1 or len(address) > 254 or any(c.isspace() for c in address):
                raise ValueError(f"recipients: {address[:60]!r} is not a mail address")
        msgspec.structs.force_setattr(self, "recipients", tuple(a.strip().lower() for a in self.recipients))


class RecipientVerification(_Model, frozen=True):
    """Unknown recipients refused during SMTP (docs/recipient-verification.md): recipients of accepted domains
    that the directory cache does not know, unless a pattern here accepts them (`local@domain`, `*@domain`,
    `local@*`); postmaster@ always. Off by default; nothing is refused while the directory holds no users."""

    enabled: bool = False
    also_accept: Annotated[tuple[str, ...], Meta(max_length=MAX_PATTERNS)] = ("abuse@*",)

    def __post_init__(self) -> None:
        for pattern in self.also_accept:
            if problem := pattern_problem(pattern):
                raise ValueError(f"also_accept: {problem}")
        msgspec.structs.force_setattr(self, "also_accept",
                                      tuple(dict.fromkeys(p.strip().lower() for p in self.also_accept)))


SelfReleasable = Literal["antispam", "content_filter", "links", "authentication", "deny_list", "rule"]

_SNS_TOPIC = r"^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256})?$"
ApplicationKind = Literal["signatures_outdated", "directory", "dead_letters", "backup_size", "delivery_failing",
                          "antispam_model", "settings_import", "outbound_limit"]


class ApplicationNotifications(_Model, frozen=True):
    """Mail to the administrators when the gateway itself needs a person (mailgate.notify.application): one
    notice per change of a condition (failing, recovered), not one per check."""

    enabled: bool = True
    kinds_off: tuple[ApplicationKind, ...] = ()  # kinds that send nothing
    recipients: Annotated[tuple[str, ...], Meta(max_length=50)] = ()  # empty: notifications.administrator_addresses
    sns_topic_arn: Annotated[str, Meta(max_length=300, pattern=_SNS_TOPIC)] = ""  # also published there
    delivery_failing_minutes: Annotated[int, Meta(ge=1, le=10_080)] = 30

    def __post_init__(self) -> None:
        for address in self.recipients:
            if not is_address(address):
                raise ValueError(f"recipient {address!r} is not an e-mail address")

    def sends(self, kind: str) -> bool:
        return self.enabled and kind not in self.kinds_off


class OutboundLimits(_Model, frozen=True):
    """Outbound spam control per sender and hour (a compromised account sends much, to many, or spam); 0: no
    limit of that kind."""

    messages_per_hour: Annotated[int, Meta(ge=0, le=1_000_000)] = 500
    recipients_per_hour: Annotated[int, Meta(ge=0, le=10_000_000)] = 2_000
    spam_per_hour: Annotated[int, Meta(ge=0, le=100_000)] = 10  # messages anti-spam called spam or probable spam


class OutboundSettings(_Model, frozen=True):
    """The organisation's own mail through the gateway (docs/outbound.md): submitted by its servers over an
    authenticated ingress, scanned, decided by the rules (direction outbound), signed and sent on."""

    enabled: bool = False
    relay: Route = msgspec.field(default_factory=lambda: Route(kind="ses"))  # where mail for other domains goes
    limits: OutboundLimits = msgspec.field(default_factory=OutboundLimits)
    hold_over_limit: bool = True  # past a limit the sender's mail is kept in Backup (else only announced)


Price = Annotated[float, Meta(ge=0, le=1000)]  # USD, in the unit its name says


class Prices(_Model, frozen=True):
    """AWS list prices the per-message cost uses (mailgate.costing; docs/cost.md, "Prices used": us-east-1, x86, as
    known in 2025: re-check them). Each in the unit its name says, as AWS's pricing pages quote it."""

    lambda_per_gb_second: Price = 0.0000166667
    lambda_per_million_requests: Price = 0.20
    sqs_per_million_requests: Price = 0.40  # each 64 KB of payload is one request
    sns_per_million_publishes: Price = 0.50
    s3_per_thousand_puts: Price = 0.005
    s3_per_thousand_gets: Price = 0.0004
    s3_per_gb_month: Price = 0.023
    dynamodb_per_million_wru: Price = 0.625
    dynamodb_per_million_rru: Price = 0.125
    dynamodb_per_gb_month: Price = 0.25
    logs_per_gb: Price = 0.50  # CloudWatch Logs ingested
    ses_receiving_per_thousand_mails: Price = 0.10
    ses_receiving_per_thousand_chunks: Price = 0.09  # each incoming 256 KB


class GatewayConfig(_Model, frozen=True):
    authserv_id: str = "mailgate.invalid"  # our name in Authentication-Results headers
    domains: dict[str, Route] = msgspec.field(default_factory=dict)  # accepted domain → route
    bounce_from: str = "mailer-daemon@mailgate.invalid"
    dkim_signing: tuple[DkimSigningKey, ...] = ()
    arc_sealing: DkimSigningKey | None = None  # seals all delivered mail (rsa-sha256); None: no seal
    header_prefix: str = "X-Mailgate-"  # names our verdict fields (X-Mailgate-Id keeps its name)
    dns: DnsSettings = msgspec.field(default_factory=DnsSettings)
    delivery: DeliverySettings = msgspec.field(default_factory=DeliverySettings)
    event_retention_days: Annotated[int, Meta(ge=1, le=3650)] = 90
    backup_retention_days: Annotated[int, Meta(ge=1, le=3650)] = 30
    backup_max_megabytes: Annotated[int, Meta(ge=1, le=10_000_000)] = 7_168  # the oldest go first beyond this
    # what a user may release from their personal Backup themselves (never infected or phishing mail)
    backup_self_release: tuple[SelfReleasable, ...] = ("antispam", "content_filter")
    antispam: AntispamSettings = msgspec.field(default_factory=AntispamSettings)
    antiphishing: AntiphishingSettings = msgspec.field(default_factory=AntiphishingSettings)
    antivirus: AntivirusSettings = msgspec.field(default_factory=AntivirusSettings)
    content_filter: ContentFilterSettings = msgspec.field(default_factory=ContentFilterSettings)
    notifications: NotificationSettings = msgspec.field(default_factory=NotificationSettings)
    digest: DigestSettings = msgspec.field(default_factory=DigestSettings)
    reports: ReportSettings = msgspec.field(default_factory=ReportSettings)
    application_notifications: ApplicationNotifications = msgspec.field(default_factory=ApplicationNotifications)
    modifications: ModificationSettings = msgspec.field(default_factory=ModificationSettings)
    lists: SenderLists = msgspec.field(default_factory=SenderLists)
    recipient_verification: RecipientVerification = msgspec.field(default_factory=RecipientVerification)
    spam_quarantine: QuarantineLimits = msgspec.field(default_factory=QuarantineLimits)
    rules: RuleTable = msgspec.field(default_factory=RuleTable)  # first match wins; Default last
    outbound: OutboundSettings = msgspec.field(default_factory=OutboundSettings)
    prices: Prices = msgspec.field(default_factory=Prices)  # for each message's cost (mailgate.costing)

    def __post_init__(self) -> None:
        normalised = {d.lower().rstrip("."): r for d, r in self.domains.items()}
        msgspec.structs.force_setattr(self, "domains", normalised)

    def route_for(self, address: str, outbound: bool = False) -> Route | None:
        """The route for a recipient address, or None when its domain is not accepted; for outbound mail a
        recipient of another domain goes to the outbound relay."""
        domain = address.rpartition("@")[2].lower().rstrip(".")
        route = self.domains.get(domain)
        if route is None and outbound and self.outbound.enabled:
            return self.outbound.relay
        return route

    def accepts(self, address: str) -> bool:
        return self.route_for(address) is not None

    def signing_key_for(self, domain: str) -> DkimSigningKey | None:
        domain = domain.lower()
        return next((k for k in self.dkim_signing if k.domain.lower() == domain), None)


def parse_config(text: str | bytes) -> GatewayConfig:
    try:
        return msgspec.json.decode(text, type=GatewayConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise ConfigError(f"configuration is not valid JSON: {exc}") from exc


def load_config(environ: dict[str, str] | None = None) -> GatewayConfig:
    env = os.environ if environ is None else environ
    if path := env.get(Env.CONFIG_FILE):
        try:
            return parse_config(Path(path).read_bytes())
        except OSError as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
    if text := env.get(Env.CONFIG):
        return parse_config(text)
    return GatewayConfig()
