"""Settings that would break mail are refused by the admin API with the field named: a bounce sender, a DKIM
selector, BCC and notification addresses, route hosts are checked as what they are (a CR/LF in any of them
ends up in an SMTP command or a header line), and an expression a rule applies cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.local.gateway import LocalGateway
from tests.support.cognito import api

pytestmark = pytest.mark.integration

INJECTED = "\r\nBcc: attacker@evil.test"


def problems(body: Any) -> dict[str, str]:
    return {p["path"]: p["message"] for p in body["problems"]}


def version(gateway: LocalGateway, path: str) -> int:
    status, current = api(gateway, "GET", path)
    assert status == 200
    return int(current["version"])


def test_a_bounce_sender_with_a_line_break_or_no_domain_is_refused(gateway, restore_settings) -> None:
    for bad in ("postmaster@example.test" + INJECTED, "postmaster", "post master@example.test", "<a@example.test>"):
        status, body = api(gateway, "PATCH", "/settings/general",
                           body={"version": version(gateway, "/settings/general"), "bounce_from": bad})
        assert status == 422, (bad, body)
        assert "e-mail address" in problems(body)["$.bounce_from"]
    good = "postmaster@example.test"
    status, saved = api(gateway, "PATCH", "/settings/general",
                        body={"version": version(gateway, "/settings/general"), "bounce_from": good})
    assert status == 200 and saved["bounce_from"] == good


def test_a_dkim_selector_or_domain_that_is_not_a_dns_name_is_refused(gateway, restore_settings) -> None:
    status, current = api(gateway, "GET", "/settings/signing")
    assert status == 200
    key = {"domain": "example.test", "selector": "s1" + INJECTED, "secret_name": "mailgate/dkim/example.test"}
    sealing = {"domain": "example test", "selector": "sel_1", "secret_name": "mailgate/arc/example.test"}
    status, body = api(gateway, "PUT", "/settings/signing", body={
        "version": current["version"], "settings": {"dkim_signing": [key], "arc_sealing": sealing}})
    assert status == 422, body
    found = problems(body)
    assert set(found) == {"$.dkim_signing[0].selector", "$.arc_sealing.domain", "$.arc_sealing.selector"}
    assert "DNS labels" in found["$.dkim_signing[0].selector"]


def test_route_hosts_must_be_host_names_or_ip_addresses(gateway, restore_settings) -> None:
    status, current = api(gateway, "GET", "/settings/domains")
    assert status == 200
    domains = current["domains"]
    changed = {**domains, "new.test": {"hosts": [{"host": "mx.new.test" + INJECTED}, {"host": "[192.0.2.1]"},
                                                 {"host": "mail server"}]}}
    status, body = api(gateway, "PUT", "/settings/domains", body={"version": current["version"], "domains": changed})
    assert status == 422, body
    assert set(problems(body)) == {'$.domains["new.test"].hosts[0].host', '$.domains["new.test"].hosts[2].host'}


def test_bcc_and_notification_addresses_are_addresses(gateway, restore_settings) -> None:
    status, current = api(gateway, "GET", "/settings/rules")
    assert status == 200
    table = current["settings"]
    table["rules"].insert(0, {"name": "Archive", "bcc": ["archive@example.test" + INJECTED],
                              "modules": {"antivirus": {"infected": {"notify": ["soc@example.test" + INJECTED]}}}})
    status, body = api(gateway, "PUT", "/settings/rules", body={"version": current["version"], "settings": table})
    assert status == 422, body
    found = problems(body)
    assert "not an e-mail address" in found["$.rules.rules[0].bcc[0]"]
    assert "e-mail address" in found["$.rules.rules[0].modules.antivirus.infected.notify[0]"]


def test_an_expression_a_rule_applies_cannot_be_deleted(gateway, restore_settings) -> None:
    status, filters = api(gateway, "GET", "/settings/content-filter")
    assert status == 200
    settings = filters["settings"]
    settings["expressions"] = [*settings["expressions"], {
        "name": "Invoices from outside", "action": "skip", "backup": True,
        "conditions": [{"attribute": "subject", "operator": "contains", "value": "invoice"}]}]
    status, saved = api(gateway, "PUT", "/settings/content-filter",
                        body={"version": filters["version"], "settings": settings})
    assert status == 200, saved
    status, rules = api(gateway, "GET", "/settings/rules")
    table = rules["settings"]
    table["rules"].insert(0, {"name": "Finance", "recipients": {"addresses": ["finance@example.test"]},
                              "modules": {"content_filter": {"expressions": ["invoices from outside"]}}})
    status, saved_rules = api(gateway, "PUT", "/settings/rules", body={"version": rules["version"], "settings": table})
    assert status == 200, saved_rules

    settings["expressions"] = [e for e in settings["expressions"] if e["name"] != "Invoices from outside"]
    status, body = api(gateway, "PUT", "/settings/content-filter",
                       body={"version": saved_rules["version"], "settings": settings})
    assert status == 422, body
    path = "$.rules.rules[0].modules.content_filter.expressions[0]"
    assert "'Finance' applies it" in problems(body)[path]
    status, still = api(gateway, "GET", "/settings/content-filter", role=Role.AUDITOR)
    assert any(e["name"] == "Invoices from outside" for e in still["settings"]["expressions"])
