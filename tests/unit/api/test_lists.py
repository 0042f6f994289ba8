"""Allow and deny lists through the admin API: the organisation's for operators, a user's own for them."""

from __future__ import annotations

from tests.unit.api.resolver import call, local_app

ADMIN, OFFICER, AUDITOR, PERSONAL = "Administrator", "SecurityOfficer", "Auditor", "PersonalUser"


def test_organisation_lists_are_validated_versioned_and_audited(aws) -> None:
    app = local_app()
    status, current = call(app, "GET", "/lists", AUDITOR)
    assert status == 200 and current["settings"]["allow"] == [] and current["settings"]["deny"] == []
    status, body = call(app, "PUT", "/lists", OFFICER, {"version": current["version"], "settings": {
        "allow": ["partner.test", "not an entry"], "deny": ["198.51.100.0/33"]}})
    assert status == 422
    assert {p["path"] for p in body["problems"]} == {"$.lists.allow[1]", "$.lists.deny[0]"}
    status, saved = call(app, "PUT", "/lists", OFFICER, {"version": current["version"], "settings": {
        "allow": ["partner.test"], "deny": ["*@spam.test", "203.0.113.0/24"], "allow_skips_antiphishing": True}})
    assert status == 200, saved
    assert saved["settings"]["deny"] == ["*@spam.test", "203.0.113.0/24"]
    assert call(app, "PUT", "/lists", AUDITOR, {"version": saved["version"], "settings": {}})[0] == 403
    assert call(app, "PUT", "/lists", OFFICER, {"version": current["version"], "settings": {}})[0] == 409
    audit = call(app, "GET", "/audit", ADMIN)[1]
    assert any(e["operation"] == "PUT /lists" for e in audit["items"])


def test_a_personal_user_manages_their_own_lists_only(aws) -> None:
    app = local_app()
    mine = "dave@example.org"
    status, empty = call(app, "GET", "/lists/personal", PERSONAL, email=mine)
    assert (status, empty["address"], empty["version"], empty["allow"]) == (200, mine, 0, [])
    status, saved = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 0, "allow": ["news@shop.test"],
                                                                    "deny": ["*@spam.test"]}, email=mine)
    assert status == 200, saved
    assert (saved["version"], saved["allow"], saved["deny"]) == (1, ["news@shop.test"], ["*@spam.test"])
    assert saved["updated_by"].endswith(f"<{mine}>")
    stale = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 0, "allow": []}, email=mine)
    assert stale[0] == 409
    assert call(app, "GET", f"/lists/personal/{mine}", PERSONAL, email="eve@example.org")[0] == 403
    status, seen = call(app, "GET", f"/lists/personal/{mine}", OFFICER)
    assert (status, seen["allow"]) == (200, ["news@shop.test"])
    status, changed = call(app, "PUT", f"/lists/personal/{mine}", OFFICER, {"version": 1, "allow": []})
    assert (status, changed["version"], changed["allow"]) == (200, 2, [])
    assert call(app, "GET", "/lists/personal", PERSONAL, email=mine)[1]["version"] == 2


def test_personal_lists_refuse_networks_bad_entries_and_more_than_500(aws) -> None:
    app = local_app()
    status, body = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 0, "allow": ["198.51.100.0/24"],
                                                                   "deny": ["x"]}, email="dave@example.org")
    assert status == 422 and {p["path"] for p in body["problems"]} == {"body.allow[0]", "body.deny[0]"}
    many = [f"u{i}@partner.test" for i in range(300)]
    status, body = call(app, "PUT", "/lists/personal", PERSONAL, {"version": 0, "allow": many, "deny": many[:201]},
                        email="dave@example.org")
    assert status == 422 and "at most 500 entries" in body["problems"][0]["message"]
    status, body = call(app, "GET", "/lists/personal/not-an-address", OFFICER)
    assert status == 400


def test_organisation_list_entries_carry_comments_through_the_api_and_imports(aws) -> None:
    app = local_app()
    version = call(app, "GET", "/lists", OFFICER)[1]["version"]
    status, saved = call(app, "PUT", "/lists", OFFICER, {"version": version, "settings": {"allow": [
        {"entry": "partner.test", "comment": "supplier, ticket 4711", "subdomains": False}, "shop.test"]}})
    assert status == 200, saved
    status, done = call(app, "POST", "/lists/import", OFFICER,
                        {"version": saved["version"], "list": "allow", "text": "Partner.test\nnews.test\n"})
    assert status == 200, done
    assert call(app, "GET", "/lists", AUDITOR)[1]["settings"]["allow"] == [
        {"entry": "partner.test", "comment": "supplier, ticket 4711", "subdomains": False}, "shop.test", "news.test"]
    status, body = call(app, "PUT", "/lists", OFFICER, {"version": done["version"], "settings": {"deny": [
        {"entry": "*@spam.test", "subdomains": False}]}})
    assert status == 422 and body["problems"][0]["path"] == "$.lists.deny[0].subdomains"
