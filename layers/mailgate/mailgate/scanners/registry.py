"""Which scanners run, in order. Later issues add anti-virus, anti-spam, anti-phishing here."""

from __future__ import annotations

from mailgate.aws.list_source import read_list
from mailgate.config import GatewayConfig
from mailgate.directory.cache import DirectoryCache
from mailgate.dns import Resolver
from mailgate.scanners.antiphishing import AntiphishingScanner
from mailgate.scanners.antispam import AntispamScanner
from mailgate.scanners.antispam.learning import OrganisationModel
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.authentication.scanner import AuthenticationScanner
from mailgate.scanners.base import Scanner
from mailgate.scanners.content_filter.scanner import ContentFilterScanner
from mailgate.scanners.links import LinkScanner


def build_scanners(config: GatewayConfig, directory: DirectoryCache | None = None,
                   organisation: OrganisationModel | None = None) -> list[Scanner]:
    """`directory`: the LDAP/AD cache, whose unique display names anti-phishing protects.
    `organisation`: the learned anti-spam counts (feedback); without it (the CLI) the base model alone."""
    resolver = Resolver.from_settings(config.dns)
    names = directory.spoofing_names if directory else None
    return [AuthenticationScanner(resolver), AntivirusScanner(config.antivirus),
            AntispamScanner(resolver, config.antispam, organisation),
            AntiphishingScanner(config.antiphishing, names), LinkScanner(config.antiphishing, resolver, read_list),
            ContentFilterScanner(config.content_filter)]
