"""Which scanners run, in order. Later issues add anti-virus, anti-spam, anti-phishing here."""

from __future__ import annotations

from mailgate.aws.list_source import read_list
from mailgate.config import GatewayConfig
from mailgate.dns import Resolver
from mailgate.scanners.antiphishing import AntiphishingScanner
from mailgate.scanners.antispam import AntispamScanner
from mailgate.scanners.authentication.scanner import AuthenticationScanner
from mailgate.scanners.base import Scanner
from mailgate.scanners.links import LinkScanner


def build_scanners(config: GatewayConfig) -> list[Scanner]:
    resolver = Resolver.from_settings(config.dns)
    return [AuthenticationScanner(resolver), AntispamScanner(resolver, config.antispam),
            AntiphishingScanner(config.antiphishing), LinkScanner(config.antiphishing, resolver, read_list)]
