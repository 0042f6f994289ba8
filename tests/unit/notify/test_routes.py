"""The notification endpoints as Lambda sees them: roles, the 400 for a template typo, 409, the preview."""


import pytest

from tests.unit.api.resolver import call, local_app


@pytest.fixture
def app(aws):
    return local_app()


def a_template(**changes):
    return {"name": "admin_virus", "subject": "Virus from %SENDER%", "body_text": "%DATA_BEGIN%%OBJECT_NAME%: "
            "%STATUS%\n%DATA_END%", **changes}


def test_auditors_read_the_default_templates_and_security_officers_may_not(app):
    status, reply = call(app, "GET", "/settings/notifications", "Auditor")
    assert status == 200 and reply["version"] == 0
    names = [t["name"] for t in reply["settings"]["templates"]]
    assert "admin_virus_found" in names and "sender_message_rejected" in names
    assert call(app, "GET", "/settings/notifications", "SecurityOfficer")[0] == 403
    assert call(app, "GET", "/settings/notifications")[0] == 401


def test_an_unknown_macro_is_a_clear_400_naming_template_field_and_macro(app):
    body = {"version": 0, "settings": {"templates": [a_template(), a_template(name="other", body_text="%SENDR%")]}}
    status, reply = call(app, "PUT", "/settings/notifications", "Administrator", body)
    assert status == 400
    assert reply["error"] == "invalid_template"
    assert reply["problems"] == [{"path": "settings.templates[1].body_text",
                                  "message": "template 'other': unknown macro %SENDR% (did you mean %SENDER%?)"}]
    assert "%SENDR%" in reply["message"]


def test_the_template_check_comes_before_the_version_check(app):
    body = {"version": 7, "settings": {"templates": [a_template(subject="%OBJECT_NAME%")]}}
    assert call(app, "PUT", "/settings/notifications", "Administrator", body)[1]["error"] == "invalid_template"


def test_a_stale_version_is_409_and_only_administrators_change_templates(app):
    body = {"version": 3, "settings": {"templates": [a_template()]}}
    status, reply = call(app, "PUT", "/settings/notifications", "Administrator", body)
    assert (status, reply["error"], reply["current_version"]) == (409, "version_conflict", 0)
    assert call(app, "PUT", "/settings/notifications", "Auditor", body)[0] == 403


def test_a_structural_problem_is_a_422_naming_the_field(app):
    body = {"version": 0, "settings": {"administrator_addresses": ["not an address"]}}
    status, reply = call(app, "PUT", "/settings/notifications", "Administrator", body)
    assert (status, reply["error"]) == (422, "validation_error")
    assert "not an e-mail address" in reply["problems"][0]["message"]
    body = {"version": 0, "settings": {"templates": [{"name": "x", "subject": "s"}]}}
    status, reply = call(app, "PUT", "/settings/notifications", "Administrator", body)
    assert (status, reply["problems"][0]["path"]) == (422, "settings.templates[0]")


def test_valid_templates_are_stored_as_the_next_version(app):
    body = {"version": 0, "settings": {"sender_address": "noreply@example.org",
                                       "administrator_addresses": ["admin@example.org"], "templates": [a_template()]}}
    status, reply = call(app, "PUT", "/settings/notifications", "Administrator", body)
    assert (status, reply["version"]) == (200, 1)
    status, reply = call(app, "GET", "/settings/notifications", "Auditor")
    assert reply["settings"]["sender_address"] == "noreply@example.org"
    assert [t["name"] for t in reply["settings"]["templates"]] == ["admin_virus"]


def test_a_stored_template_is_previewed_against_a_sample_message(app):
    status, reply = call(app, "POST", "/notifications/preview", "SecurityOfficer", {"name": "admin_virus_found"})
    assert status == 200
    assert reply["subject"] == "[mailgate] Virus found in a message from sender@example.net"
    assert "invoice.pdf.exe (71.5 KB): infected: Win.Trojan.Sample" in reply["text"]
    assert "<li>tool.js (2.0 KB): removed: executable</li>" in reply["html"]


def test_an_inline_template_is_previewed_or_refused_with_its_problems(app):
    status, reply = call(app, "POST", "/notifications/preview", "Administrator",
                         {"template": a_template(body_html="<b>%SUBJECT%</b>")})
    assert (status, reply["name"], reply["html"]) == (200, "admin_virus", "<b>Invoice for November</b>")
    status, reply = call(app, "POST", "/notifications/preview", "Administrator",
                         {"template": a_template(body_text="%OBJECT_SIZE%")})
    assert (status, reply["error"], reply["problems"][0]["path"]) == (400, "invalid_template", "template.body_text")


def test_a_preview_needs_exactly_one_template_that_exists_and_a_role_that_may_see_it(app):
    assert call(app, "POST", "/notifications/preview", "Administrator", {})[0] == 400
    assert call(app, "POST", "/notifications/preview", "Administrator",
                {"name": "x", "template": a_template()})[0] == 400
    assert call(app, "POST", "/notifications/preview", "Administrator", {"name": "nope"})[0] == 404
    assert call(app, "POST", "/notifications/preview", "Auditor", {"name": "admin_virus_found"})[0] == 403
