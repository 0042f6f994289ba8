"""The resolver as Lambda sees it: API Gateway's event with the authorizer's claims, errors in one format."""

import json

import pytest

from mailgate.api.app import create_app
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.backup_table import DynamoBackupIndex
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.config import GatewayConfig
from mailgate.local.api_server import api_gateway_event
from mailgate.local.functions import LocalLambdaContext
from mailgate.settings.service import SettingsService


@pytest.fixture
def app(aws):
    resources.create_tables("events", "backup", "idem")
    resources.create_settings_table("settings")
    config = GatewayConfig(authserv_id="mx.example.org")
    return create_app(Ports(events=lambda: DynamoEventLog("events"), backup=lambda: DynamoBackupIndex("backup"),
                            settings=lambda: SettingsService(DynamoSettingsStore("settings"), lambda: config),
                            config=lambda: config))


def _call(app, method, path, groups=None, body=None):
    claims = None if groups is None else {"sub": "s-1", "cognito:username": "ann", "email": "ann@example.org",
                                          "cognito:groups": groups}
    event = api_gateway_event(method, path, {"Content-Type": "application/json"},
                              json.dumps(body).encode() if body is not None else b"", claims)
    reply = app.resolve(event, LocalLambdaContext("api"))
    return reply["statusCode"], json.loads(reply["body"])


def test_no_authorizer_claims_is_401_and_a_role_not_listed_is_403(app):
    assert _call(app, "GET", "/settings/general")[1]["error"] == "unauthorized"
    status, reply = _call(app, "GET", "/settings/general", groups="SecurityOfficer")
    assert (status, reply["error"]) == (403, "forbidden")


@pytest.mark.parametrize("groups", ["Auditor", "[Auditor PersonalUser]", "PersonalUser,Auditor"])
def test_groups_in_any_shape_api_gateway_sends_them(app, groups):
    status, reply = _call(app, "GET", "/settings/general", groups=groups)
    assert status == 200
    assert reply["version"] == 0 and reply["authserv_id"] == "mx.example.org"


def test_the_first_change_is_stored_as_version_1_by_the_administrator(app):
    status, reply = _call(app, "PATCH", "/settings/general", "Administrator", {"version": 0, "bounce_from": "b@x.org"})
    assert (status, reply["version"], reply["bounce_from"]) == (200, 1, "b@x.org")
    status, reply = _call(app, "PATCH", "/settings/general", "Administrator", {"version": 0})
    assert (status, reply["error"], reply["current_version"]) == (409, "version_conflict", 1)
    status, audit = _call(app, "GET", "/audit", "Auditor")
    assert [e["actor"] for e in audit["items"]] == ["ann <ann@example.org>"]


def test_unknown_paths_and_bad_input_answer_in_the_error_format(app):
    assert _call(app, "GET", "/nowhere", "Administrator") == (404, {"error": "not_found",
                                                                    "message": "no such endpoint"})
    status, reply = _call(app, "GET", "/events?limit=5000", "Administrator")
    assert (status, reply["error"], reply["problems"][0]["path"]) == (422, "validation_error", "query.limit")
