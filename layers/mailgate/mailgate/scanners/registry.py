"""Which scanners run, in order. Later issues add anti-virus, anti-spam, anti-phishing here."""

from __future__ import annotations

from mailgate.config import GatewayConfig
from mailgate.dns import Resolver
from mailgate.scanners.authentication.scanner import AuthenticationScanner
from mailgate.scanners.base import Scanner


def build_scanners(config: GatewayConfig) -> list[Scanner]:
    resolver = Resolver.from_settings(config.dns)
    return [AuthenticationScanner(resolver)]
