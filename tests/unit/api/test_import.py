"""Lists imported through the API into a rule's conditions and into the organisation's lists."""

from __future__ import annotations

from tests.unit.api.resolver import call, local_app

ADMIN, OFFICER = "Administrator", "SecurityOfficer"
EXPORT = "# partners\nalice@partner.test\n*@news.partner.test\n@vendor.test\n198.51.100.0/24\ngroup:Sales\n"


def add_rule(app) -> int:
    current = call(app, "GET", "/settings/rules", ADMIN)[1]
    table = current["settings"]
    table["rules"].insert(0, {"name": "Partners", "senders": {"addresses": ["bob@partner.test"]}})
    status, saved = call(app, "PUT", "/settings/rules", ADMIN, {"version": current["version"], "settings": table})
    assert status == 200, saved
    return int(saved["version"])


def test_a_text_list_is_merged_into_a_rules_conditions(aws) -> None:
    app = local_app()
    version = add_rule(app)
    status, done = call(app, "POST", "/settings/rules/Partners/import", ADMIN,
                        {"version": version, "side": "senders", "text": EXPORT})
    assert status == 200, done
    senders = done["rule"]["senders"]
    assert senders["addresses"] == ["bob@partner.test", "alice@partner.test"]
    assert (senders["masks"], senders["domains"], senders["networks"], senders["groups"]) == (
        ["*@news.partner.test"], ["vendor.test"], ["198.51.100.0/24"], ["Sales"])
    status, replaced = call(app, "POST", "/settings/rules/Partners/import", ADMIN,
                            {"version": done["version"], "side": "senders", "text": "carol@partner.test",
                             "replace": True})
    assert status == 200 and replaced["rule"]["senders"]["addresses"] == ["carol@partner.test"]
    assert "masks" not in replaced["rule"]["senders"] or not replaced["rule"]["senders"]["masks"]


def test_bad_lines_unknown_rules_stale_versions_and_networks_for_recipients_are_refused(aws) -> None:
    app = local_app()
    version = add_rule(app)
    status, body = call(app, "POST", "/settings/rules/Partners/import", ADMIN,
                        {"version": version, "side": "senders", "text": "ok@partner.test\nnonsense here\n"})
    assert status == 422 and body["problems"][0]["path"] == "body.text:line 2"
    assert call(app, "POST", "/settings/rules/Nobody/import", ADMIN,
                {"version": version, "side": "senders", "text": "a@b.test"})[0] == 404
    assert call(app, "POST", "/settings/rules/Partners/import", ADMIN,
                {"version": version - 1, "side": "senders", "text": "a@b.test"})[0] == 409
    status, body = call(app, "POST", "/settings/rules/Partners/import", ADMIN,
                        {"version": version, "side": "recipients", "text": "10.0.0.0/8"})
    assert status == 422 and body["problems"] == [
        {"path": "body.text:line 1", "message": "'10.0.0.0/8' is a network, which is not accepted here"}]
    assert call(app, "POST", "/settings/rules/Partners/import", OFFICER,
                {"version": version, "side": "senders", "text": "a@b.test"})[0] == 403


def test_a_text_list_fills_the_deny_list(aws) -> None:
    app = local_app()
    version = call(app, "GET", "/lists", OFFICER)[1]["version"]
    status, done = call(app, "POST", "/lists/import", OFFICER,
                        {"version": version, "list": "deny", "text": "spam.test\r\n*@promo.test\r\n203.0.113.0/24\r\n"})
    assert status == 200, done
    assert done["imported"] == 3 and set(done["settings"]["deny"]) == {"spam.test", "*@promo.test", "203.0.113.0/24"}
    status, body = call(app, "POST", "/lists/import", OFFICER,
                        {"version": done["version"], "list": "allow", "text": "group:Sales\n"})
    assert status == 422 and "not accepted here" in body["problems"][0]["message"]
