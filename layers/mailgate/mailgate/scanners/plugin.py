"""A scanner as one record: its name and label, its settings, its per-rule module, its named tests, how it
is built and how the rules step turns its result into per-rule requests. Each scanner package declares its
record in its own `plugin.py`; `scanners.registry` lists them in order.

The records are light: the rules step imports them to judge results without importing any scanner's
implementation, which `build` imports when the scan step asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mailgate.scan.report import Contribution

if TYPE_CHECKING:
    from mailgate.config import GatewayConfig
    from mailgate.directory.cache import DirectoryCache
    from mailgate.dns import Resolver
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.antispam.learning import OrganisationModel
    from mailgate.scanners.base import Scanner


@dataclass(frozen=True)
class Test:
    """One named test of a scanner: a stable name that settings and rules refer to, the weight a hit adds
    to the scanner's score, and what a hit means in one line."""

    name: str
    weight: float
    description: str

    def hit(self, evidence: str = "") -> Contribution:
        return Contribution(self.name, self.weight, self.description, evidence)


def catalog(*tests: Test) -> dict[str, Test]:
    """A scanner's tests by name, in the order given; a name given twice is a mistake caught at import."""
    table = {test.name: test for test in tests}
    if len(table) != len(tests):
        raise ValueError("a test name is given twice")
    return table


def by_verdict(groups: Mapping[str, tuple[Test, ...]]) -> tuple[dict[str, Test], dict[str, str]]:
    """Tests grouped by the verdict a hit implies: the catalog, and each test's verdict by its name."""
    tests = catalog(*(test for group in groups.values() for test in group))
    return tests, {test.name: verdict for verdict, group in groups.items() for test in group}


def lazy_export(name: str, module: str) -> Callable[[str], Any]:
    """A scanner package's `__getattr__` that imports its scanner on first use: importing the package (its
    record, its catalog, its details) stays light for the rules step and the admin API."""

    def attribute(wanted: str) -> Any:
        if wanted == name:
            return getattr(importlib.import_module(module), name)
        raise AttributeError(wanted)

    return attribute


class ScannerDeps:
    """What building a scanner may use: the settings, the directory (whose names anti-phishing protects),
    the organisation's learned anti-spam counts, and one DNS resolver shared by every scanner."""

    def __init__(self, config: GatewayConfig, directory: DirectoryCache | None = None,
                 organisation: OrganisationModel | None = None) -> None:
        self.config = config
        self.directory = directory
        self.organisation = organisation

    @cached_property
    def resolver(self) -> Resolver:
        from mailgate.dns import Resolver  # noqa: PLC0415  # the rules step imports the records, not DNS

        return Resolver.from_settings(self.config.dns)


M = TypeVar("M")


@dataclass(frozen=True)
class ScannerPlugin(Generic[M]):
    """`name` is the scanner's result key in the scan report and its field in a rule's ModuleSettings;
    `module` is that field's type, whose `verdict_classes` are the actions a rule sets for the scanner's
    verdicts. `settings_field` names the GatewayConfig field holding `settings` (None: no settings of its
    own). `judge` writes each step it takes to the decision path and returns what the verdict asks."""

    name: str
    label: str  # how the decision path names it
    module: type[M]
    tests: Mapping[str, Test]
    build: Callable[[ScannerDeps], Scanner]
    judge: Callable[[M, ScannerResult | None, Judging], list[Request]]
    settings: type[Any] | None = None
    settings_field: str | None = None

    @property
    def verdict_classes(self) -> tuple[str, ...]:
        classes: tuple[str, ...] = getattr(self.module, "verdict_classes", ())
        return classes
