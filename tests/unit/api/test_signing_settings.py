"""DKIM and ARC keys through the admin API: names of secrets only, validated, versioned."""

from __future__ import annotations

from tests.unit.api.resolver import call, local_app

ADMIN = "Administrator"
ARC = {"domain": "example.org", "selector": "arc2026", "secret_name": "mailgate/arc/example.org"}


def test_sealing_key_is_set_read_back_and_audited(aws) -> None:
    app = local_app()
    status, current = call(app, "GET", "/settings/signing", ADMIN)
    assert status == 200 and current["settings"] == {"dkim_signing": [], "arc_sealing": None}
    status, saved = call(app, "PUT", "/settings/signing", ADMIN,
                         {"version": current["version"], "settings": {"arc_sealing": ARC}})
    assert status == 200, saved
    assert saved["settings"]["arc_sealing"] == {**ARC, "algorithm": "rsa-sha256"}
    assert call(app, "GET", "/settings/signing", "Auditor")[1]["settings"]["arc_sealing"]["selector"] == "arc2026"
    status, _stale = call(app, "PUT", "/settings/signing", ADMIN,
                         {"version": current["version"], "settings": {"arc_sealing": None}})
    assert status == 409


def test_bad_keys_are_refused_naming_the_field(aws) -> None:
    app = local_app()
    version = call(app, "GET", "/settings/signing", ADMIN)[1]["version"]
    status, body = call(app, "PUT", "/settings/signing", ADMIN, {"version": version, "settings": {
        "arc_sealing": {**ARC, "algorithm": "ed25519-sha256"}, "dkim": []}})
    assert status == 422
    paths = {p["path"] for p in body["problems"]}
    assert "$.signing.dkim" in paths
    status, body = call(app, "PUT", "/settings/signing", ADMIN, {"version": version, "settings": {
        "arc_sealing": {**ARC, "algorithm": "ed25519-sha256"}}})
    assert status == 422 and [p["path"] for p in body["problems"]] == ["$.arc_sealing.algorithm"]
    assert call(app, "PUT", "/settings/signing", "Auditor", {"version": version, "settings": {}})[0] == 403


def test_disclaimers_are_validated_and_a_named_one_cannot_be_removed(aws) -> None:
    app = local_app()
    current = call(app, "GET", "/settings/modifications", ADMIN)[1]
    assert current["settings"]["warning_text"].startswith("Caution")
    legal = {"name": "Legal", "text": "Example Corp GmbH, Berlin"}
    status, body = call(app, "PUT", "/settings/modifications", ADMIN, {
        "version": current["version"], "settings": {"disclaimers": [legal, {**legal, "position": "middle"}]}})
    assert status == 422
    assert {p["path"] for p in body["problems"]} == {"$.modifications.disclaimers[1].position"}
    status, body = call(app, "PUT", "/settings/modifications", ADMIN, {
        "version": current["version"], "settings": {"disclaimers": [legal, legal]}})
    assert status == 422 and body["problems"][0]["path"] == "$.modifications.disclaimers[1].name"
    status, saved = call(app, "PUT", "/settings/modifications", ADMIN, {
        "version": current["version"], "settings": {"disclaimers": [legal]}})
    assert status == 200, saved
    rules = call(app, "GET", "/settings/rules", ADMIN)[1]
    table = rules["settings"]
    table["rules"].insert(0, {"name": "Outgoing", "senders": {"domains": ["example.org"]}, "disclaimer": "Lega"})
    status, body = call(app, "PUT", "/settings/rules", ADMIN, {"version": rules["version"], "settings": table})
    assert status == 422 and "no disclaimer is named 'Lega'" in str(body["problems"])
    table["rules"][0]["disclaimer"] = "Legal"
    status, saved_rules = call(app, "PUT", "/settings/rules", ADMIN, {"version": rules["version"], "settings": table})
    assert status == 200, saved_rules
    status, body = call(app, "PUT", "/settings/modifications", ADMIN, {
        "version": saved_rules["version"], "settings": {"disclaimers": []}})
    assert status == 422 and body["problems"][0]["path"] == "$.rules.rules[0].disclaimer"
