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


class AntispamSettings(_Model, frozen=True):
    """Anti-spam thresholds (on the summed score of the named tests) and blocklists (none by default:
    public lists refuse queries from shared cloud resolvers, so an operator configures their own)."""

    probable_threshold: Annotated[float, Meta(gt=0)] = 3.0
    spam_threshold: Annotated[float, Meta(gt=0)] = 6.0
    disabled_tests: tuple[str, ...] = ()  # test names, e.g. "SUBJ_ALL_CAPS"
    blocklists: tuple[BlocklistZone, ...] = ()
    max_domain_lookups: Annotated[int, Meta(ge=0, le=50)] = 10


class GatewayConfig(_Model, frozen=True):
    authserv_id: str = "mailgate.invalid"  # our name in Authentication-Results headers
    domains: dict[str, Route] = msgspec.field(default_factory=dict)  # accepted domain → route
    bounce_from: str = "mailer-daemon@mailgate.invalid"
    dkim_signing: tuple[DkimSigningKey, ...] = ()
    dns: DnsSettings = msgspec.field(default_factory=DnsSettings)
    delivery: DeliverySettings = msgspec.field(default_factory=DeliverySettings)
    event_retention_days: Annotated[int, Meta(ge=1, le=3650)] = 90
    backup_retention_days: Annotated[int, Meta(ge=1, le=3650)] = 30
    antispam: AntispamSettings = msgspec.field(default_factory=AntispamSettings)
    antiphishing: AntiphishingSettings = msgspec.field(default_factory=AntiphishingSettings)

    def __post_init__(self) -> None:
        normalised = {d.lower().rstrip("."): r for d, r in self.domains.items()}
        msgspec.structs.force_setattr(self, "domains", normalised)

    def route_for(self, address: str) -> Route | None:
        """The route for a recipient address, or None when its domain is not accepted."""
        domain = address.rpartition("@")[2].lower().rstrip(".")
        return self.domains.get(domain)

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
    if path := env.get("MAILGATE_CONFIG_FILE"):
        try:
            return parse_config(Path(path).read_bytes())
        except OSError as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
    if text := env.get("MAILGATE_CONFIG"):
        return parse_config(text)
    return GatewayConfig()
