"""Which scanners there are, in the order they run and the order the rules step judges them.

Each scanner declares itself in one record (its package's `plugin.py`); adding one is a line here.
Importing this module is light: no scanner implementation is imported before `build_scanners` asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailgate.scanners.antiphishing.plugin import PLUGIN as ANTIPHISHING
from mailgate.scanners.antispam.plugin import PLUGIN as ANTISPAM
from mailgate.scanners.antivirus.plugin import PLUGIN as ANTIVIRUS
from mailgate.scanners.authentication.plugin import PLUGIN as AUTHENTICATION
from mailgate.scanners.content_filter.plugin import PLUGIN as CONTENT_FILTER
from mailgate.scanners.links.plugin import PLUGIN as LINKS
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.config import GatewayConfig
    from mailgate.directory.cache import DirectoryCache
    from mailgate.scanners.antispam.learning import OrganisationModel
    from mailgate.scanners.base import Scanner

# The order they run: a scanner sees the results of those before it (anti-phishing weighs anti-spam's).
SCANNERS: tuple[ScannerPlugin[Any], ...] = (AUTHENTICATION, ANTIVIRUS, ANTISPAM, ANTIPHISHING, LINKS, CONTENT_FILTER)
# The order the rules step judges them: of equally strict actions, the first module's reason wins.
JUDGE_ORDER: tuple[ScannerPlugin[Any], ...] = (AUTHENTICATION, ANTIVIRUS, LINKS, ANTIPHISHING, ANTISPAM,
                                               CONTENT_FILTER)


def build_scanners(config: GatewayConfig, directory: DirectoryCache | None = None,
                   organisation: OrganisationModel | None = None) -> list[Scanner]:
    """`directory`: the LDAP/AD cache, whose unique display names anti-phishing protects.
    `organisation`: the learned anti-spam counts (feedback); without it (the CLI) the base model alone."""
    deps = ScannerDeps(config, directory, organisation)
    return [plugin.build(deps) for plugin in SCANNERS]
