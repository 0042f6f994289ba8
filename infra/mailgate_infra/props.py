"""The construct's inputs, checked at synth time so a bad configuration fails `cdk synth`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_ec2 as ec2

from mailgate.config import GatewayConfig, parse_config


@dataclass(frozen=True)
class ApiDomain:
    """A custom domain for the admin API: the name and an ACM certificate ARN in the stack's region."""

    domain_name: str
    certificate_arn: str


@dataclass(frozen=True)
class ConsoleDomain:
    """A custom domain for the web console: the name and an ACM certificate ARN in us-east-1, the only region
    CloudFront takes certificates from, whatever the stack's region."""

    domain_name: str
    certificate_arn: str

    def __post_init__(self) -> None:
        region = self.certificate_arn.split(":")[3] if self.certificate_arn.count(":") >= 5 else None
        if region is not None and not region.startswith("${Token") and region != "us-east-1":
            raise ValueError(f"console_domain.certificate_arn: CloudFront takes certificates from us-east-1 "
                             f"only; {self.certificate_arn} is in {region}")


# A Cognito prefix domain: lower-case letters, digits and hyphens, and none of the words Cognito reserves.
LOGIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")


RECEIPT_RULE = "receipt_rule"  # an SES receipt rule: the cheap default (docs/cost.md)
MAIL_MANAGER = "mail_manager"  # SES Mail Manager ingress points: recipients checked during SMTP, an outbound path
INGRESS_MODES = (RECEIPT_RULE, MAIL_MANAGER)
MIN_INCOMING_RETENTION_DAYS = 2  # a held original must outlive the longest hold (1,440 minutes) and its retries


@dataclass(frozen=True)
class MailGatewayProps:
    """`gateway_config` is the JSON configuration the functions read (`mailgate.config`); its
    `domains` are the accepted domains (the receipt rule's recipients) with their delivery routes."""

    gateway_config: dict[str, Any]
    alarm_email: str | None = None
    incoming_retention_days: int = 30
    reports_retention_days: int = 90
    log_retention_days: int = 90
    function_memory_mb: int = 1024
    vpc: ec2.IVpc | None = None
    api_domain: ApiDomain | None = None
    activate_rule_set: bool = False
    rules_concurrency: int = 10  # protects the organisation's mail server from a burst
    # The scan function as a container image with clamd inside (docs/antivirus.md); False keeps it a
    # zip function without Anti-Virus (verdict `skipped`) unless gateway_config names a clamd.
    clamav_scanning: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # The web console (docs/deploy.md, Web console): served by CloudFront from console/dist, login through the user
    # pool's domain `https://<console_login_prefix>.auth.<region>.amazoncognito.com` (default: the stack's name
    # and the account id).
    console: bool = True
    console_domain: ConsoleDomain | None = None
    console_login_prefix: str | None = None
    siem: Any = None  # a mailgate_infra.siem.SiemTarget: events to a SIEM over syslog (docs/siem.md); None: no export
    # How mail comes in (docs/deploy.md, Mail Manager mode): "receipt_rule" (an SES receipt rule, the default) or
    # "mail_manager" (an open ingress point refusing recipients not in the address list ldap_sync keeps, and an
    # authenticated one for the organisation's own outgoing mail; no receipt rule, rule set or activation).
    ingress_mode: str = RECEIPT_RULE

    def __post_init__(self) -> None:
        prefix = self.console_login_prefix
        if prefix is not None and (not LOGIN_PREFIX.fullmatch(prefix) or any(w in prefix for w in RESERVED_IN_PREFIX)):
            raise ValueError(f"console_login_prefix: lower-case letters, digits and hyphens, at most 63, without "
                             f"{', '.join(RESERVED_IN_PREFIX)}: {prefix!r}")
        if self.ingress_mode not in INGRESS_MODES:
            raise ValueError(f"ingress_mode: one of {', '.join(INGRESS_MODES)}, not {self.ingress_mode!r}")
        if self.ingress_mode == MAIL_MANAGER and self.activate_rule_set:
            raise ValueError("activate_rule_set: the mail_manager ingress mode has no receipt rule set to activate")
        if self.incoming_retention_days < MIN_INCOMING_RETENTION_DAYS:
            raise ValueError(f"incoming_retention_days: at least {MIN_INCOMING_RETENTION_DAYS} (the Anti-Spam "
                             "Quarantine holds originals up to a day before scanning them again)")

    def parsed(self) -> GatewayConfig:
        """Validate with the functions' own parser: the ConfigError names the bad field."""
        config = parse_config(self.config_json())
        if not config.domains:
            raise ValueError("gateway_config.domains: at least one accepted domain is required")
        return config

    def config_json(self) -> str:
        return json.dumps(self.gateway_config, separators=(",", ":"), sort_keys=True)
