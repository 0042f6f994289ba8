"""The resolver as Lambda sees it: API Gateway's event with the authorizer's claims, errors in one format."""


import pytest

from tests.unit.api.resolver import call, local_app


@pytest.fixture
def app(aws):
    return local_app()





def test_no_authorizer_claims_is_401_and_a_role_not_listed_is_403(app):
    assert call(app, "GET", "/settings/general")[1]["error"] == "unauthorized"
    status, reply = call(app, "GET", "/settings/general", groups="SecurityOfficer")
    assert (status, reply["error"]) == (403, "forbidden")


@pytest.mark.parametrize("groups", ["Auditor", "[Auditor PersonalUser]", "PersonalUser,Auditor"])
def test_groups_in_any_shape_api_gateway_sends_them(app, groups):
    status, reply = call(app, "GET", "/settings/general", groups=groups)
    assert status == 200
    assert reply["version"] == 0 and reply["authserv_id"] == "mx.example.org"


def test_the_first_change_is_stored_as_version_1_by_the_administrator(app):
    status, reply = call(app, "PATCH", "/settings/general", "Administrator", {"version": 0, "bounce_from": "b@x.org"})
    assert (status, reply["version"], reply["bounce_from"]) == (200, 1, "b@x.org")
    status, reply = call(app, "PATCH", "/settings/general", "Administrator", {"version": 0})
    assert (status, reply["error"], reply["current_version"]) == (409, "version_conflict", 1)
    status, audit = call(app, "GET", "/audit", "Auditor")
    assert [e["actor"] for e in audit["items"]] == ["ann <ann@example.org>"]


def test_unknown_paths_and_bad_input_answer_in_the_error_format(app):
    assert call(app, "GET", "/nowhere", "Administrator") == (404, {"error": "not_found",
                                                                    "message": "no such endpoint"})
    status, reply = call(app, "GET", "/events?limit=5000", "Administrator")
    assert (status, reply["error"], reply["problems"][0]["path"]) == (422, "validation_error", "query.limit")
