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
