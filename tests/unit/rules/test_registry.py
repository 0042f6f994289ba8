"""A scanner is one record: the registry's records agree with the rule table, the settings and the scan
report, and the rules step judges them in the documented order."""

from __future__ import annotations

import msgspec

from mailgate.config import DnsSettings, GatewayConfig
from mailgate.rules.engine import decide
from mailgate.rules.table import VERDICT_CLASSES, ModuleSettings
from mailgate.scanners.registry import JUDGE_ORDER, SCANNERS, build_scanners

from .build import report, table

RUN_ORDER = ("authentication", "antivirus", "antispam", "antiphishing", "links", "content_filter")
DOCUMENTED_JUDGE_ORDER = ("authentication", "antivirus", "links", "antiphishing", "antispam", "content_filter")


def test_every_record_names_its_label_module_settings_and_tests() -> None:
    modules = {f.name: f.type for f in msgspec.structs.fields(ModuleSettings)}
    settings = {f.name: f.type for f in msgspec.structs.fields(GatewayConfig)}
    assert sorted(p.name for p in SCANNERS) == sorted(modules)
    for plugin in SCANNERS:
        assert plugin.label and plugin.label != plugin.name, plugin.name
        assert modules[plugin.name] is plugin.module, plugin.name
        assert plugin.verdict_classes == VERDICT_CLASSES[plugin.name]
        assert all(hasattr(plugin.module(), verdict_class) for verdict_class in plugin.verdict_classes)
        if plugin.settings_field is not None:
            assert settings[plugin.settings_field] is plugin.settings, plugin.name
        else:
            assert plugin.settings is None, plugin.name
        assert all(name == test.name and test.description for name, test in plugin.tests.items()), plugin.name
    assert len({p.label for p in SCANNERS}) == len(SCANNERS)


# A link to a bare IP address weighs in Anti-Spam (URI_IP_LITERAL), Anti-Phishing and link scanning
# (LINK_IP_LITERAL): each scanner's verdicts depend on that weight (spam recall, corroboration, the link
# structure threshold), so it stays until a change of verdicts is decided; no other overlap may come.
KNOWN_OVERLAP = {"LINK_IP_LITERAL"}


def test_a_test_name_belongs_to_one_scanner() -> None:
    names = [name for plugin in SCANNERS for name in plugin.tests]
    assert {name for name in names if names.count(name) > 1} == KNOWN_OVERLAP


def test_the_built_scanners_run_in_registry_order_and_name_their_result_keys() -> None:
    scanners = build_scanners(GatewayConfig(dns=DnsSettings(no_network=True)))
    assert tuple(s.name for s in scanners) == tuple(p.name for p in SCANNERS) == RUN_ORDER


def test_decide_judges_every_module_in_the_documented_order() -> None:
    assert tuple(p.name for p in JUDGE_ORDER) == DOCUMENTED_JUDGE_ORDER
    assert sorted(JUDGE_ORDER, key=lambda p: p.name) == sorted(SCANNERS, key=lambda p: p.name)
    decision = decide(report(), "bob@example.test", table())
    labels = {p.label: p.name for p in SCANNERS}
    judged = [labels[step.split(":")[0]] for step in decision.path if step.split(":")[0] in labels]
    assert judged == list(DOCUMENTED_JUDGE_ORDER)
