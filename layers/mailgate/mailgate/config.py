"""The gateway's settings: accepted domains and their routes, DNS, DKIM signing, retention.

Loaded once per process from JSON (a file named by MAILGATE_CONFIG_FILE, or the JSON text in
MAILGATE_CONFIG). Validation errors name the field, so a bad deployment fails loudly at start-up
instead of mis-routing mail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(ValueError):
    """The configuration is missing or invalid; the message says which field and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmtpHost(_Model):
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    priority: int = 10  # lower is tried first, as with MX preferences


class Route(_Model):
    """Where mail for one accepted domain goes after scanning."""

    kind: Literal["smtp", "ses"] = "smtp"
    hosts: tuple[SmtpHost, ...] = ()
    require_tls: bool = False  # STARTTLS is always used when offered; this makes it mandatory
    verify_tls: bool = True
    username_secret: str | None = None  # Secrets Manager name holding {"username","password"}

    @field_validator("hosts")
    @classmethod
    def _ordered(cls, hosts: tuple[SmtpHost, ...]) -> tuple[SmtpHost, ...]:
        return tuple(sorted(hosts, key=lambda h: h.priority))


class DkimSigningKey(_Model):
    domain: str
    selector: str
    secret_name: str  # Secrets Manager secret (or SSM parameter) holding the PEM private key
    algorithm: Literal["rsa-sha256", "ed25519-sha256"] = "rsa-sha256"


class DnsSettings(_Model):
    servers: tuple[str, ...] = ()  # empty: the system resolver
    port: Annotated[int, Field(ge=1, le=65535)] = 53
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    no_network: bool = False  # every lookup answers "temperror": a neutral input


class DeliverySettings(_Model):
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 5  # queue redeliveries before Backup
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 20.0
    retry_base_seconds: Annotated[int, Field(ge=0, le=3600)] = 60  # doubles with every redelivery

    def retry_delay(self, attempt: int) -> int:
        """Exponential backoff for the queue: 1, 2, 4… times the base, capped at 12 hours."""
        return int(min(self.retry_base_seconds * 2 ** max(0, attempt - 1), 43200))


class GatewayConfig(_Model):
    authserv_id: str = "mailgate.invalid"  # our name in Authentication-Results headers
    domains: dict[str, Route] = Field(default_factory=dict)  # accepted domain → route
    bounce_from: str = "mailer-daemon@mailgate.invalid"
    dkim_signing: tuple[DkimSigningKey, ...] = ()
    dns: DnsSettings = DnsSettings()
    delivery: DeliverySettings = DeliverySettings()
    event_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    backup_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30

    @field_validator("domains")
    @classmethod
    def _lowercase_domains(cls, domains: dict[str, Route]) -> dict[str, Route]:
        return {d.lower().rstrip("."): r for d, r in domains.items()}

    def route_for(self, address: str) -> Route | None:
        """The route for a recipient address, or None when its domain is not accepted."""
        domain = address.rpartition("@")[2].lower().rstrip(".")
        return self.domains.get(domain)

    def accepts(self, address: str) -> bool:
        return self.route_for(address) is not None

    def signing_key_for(self, domain: str) -> DkimSigningKey | None:
        domain = domain.lower()
        return next((k for k in self.dkim_signing if k.domain.lower() == domain), None)


def parse_config(text: str) -> GatewayConfig:
    try:
        return GatewayConfig.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"configuration is not valid JSON: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc


def load_config(environ: dict[str, str] | None = None) -> GatewayConfig:
    env = os.environ if environ is None else environ
    if path := env.get("MAILGATE_CONFIG_FILE"):
        try:
            return parse_config(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
    if text := env.get("MAILGATE_CONFIG"):
        return parse_config(text)
    return GatewayConfig()
