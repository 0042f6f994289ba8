"""Local mode's API server in front of the real api function, as the stack's API Gateway REST API is: names with
spaces, `+` and `@` reach their routes through percent-encoded paths, query parameters arrive decoded, a method
no route has is 405 with Allow, and nothing (HEAD, OPTIONS, a malformed request) is answered with an HTML page."""

from __future__ import annotations

import json
import socket
import urllib.parse
from typing import Any

import pytest

from mailgate.api.roles import Role
from mailgate.local.api_server import call
from tests.support.cognito import api, token
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration
# The server sends `path` percent-encoded and every method to the function, as API Gateway does; decoding route
# parameters and answering 405 are the api function's part (mailgate/api/app.py), in the cloud as here.

PARTNER = "Partner skip"
PARTNER_PATH = f"/settings/rules/{urllib.parse.quote(PARTNER)}/import"  # /settings/rules/Partner%20skip/import


def _rule(table: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((r for r in table["rules"] if r["name"] == name), None)


def test_a_rule_named_with_a_space_is_read_and_changed_through_its_percent_encoded_path(
        gateway, restore_settings) -> None:
    def with_partner(table: dict[str, Any]) -> dict[str, Any]:
        table["rules"].insert(0, {"name": PARTNER, "mode": "skip", "senders": {"domains": ["partner.test"]}})
        return table

    put_section(gateway, "rules", with_partner)  # created through the API
    version = api(gateway, "GET", "/settings/rules")[1]["version"]

    status, imported = api(gateway, "POST", PARTNER_PATH,
                           body={"version": version, "side": "senders", "text": "sales@partner.test\n"})
    assert status == 200, imported
    assert imported["rule"]["name"] == PARTNER
    senders = imported["rule"]["senders"]
    assert (senders["domains"], senders["addresses"]) == (["partner.test"], ["sales@partner.test"])

    status, replaced = api(gateway, "POST", PARTNER_PATH, body={"version": version + 1, "side": "recipients",
                                                                "text": "@example.test\n", "replace": True})
    assert status == 200, replaced
    status, current = api(gateway, "GET", "/settings/rules")
    assert _rule(current["settings"], PARTNER)["recipients"]["domains"] == ["example.test"]

    put_section(gateway, "rules", lambda table: {**table, "rules": [r for r in table["rules"] if r["name"] != PARTNER]})
    status, gone = api(gateway, "POST", PARTNER_PATH,
                       body={"version": current["version"] + 1, "side": "senders", "text": "a@partner.test\n"})
    assert (status, gone["error"]) == (404, "not_found"), gone
    assert PARTNER in gone["message"]  # the decoded name, not Partner%20skip


def test_an_address_with_plus_and_at_reaches_its_personal_lists_percent_encoded(gateway) -> None:
    address = "partner+sales@example.test"
    path = f"/lists/personal/{urllib.parse.quote(address, safe='')}"  # partner%2Bsales%40example.test
    status, lists = api(gateway, "GET", path)
    assert status == 200, lists
    status, saved = api(gateway, "PUT", path, body={"version": lists["version"], "deny": ["spam@bulk.test"]})
    assert status == 200, saved
    status, again = api(gateway, "GET", path)
    assert (status, again["deny"]) == (200, ["spam@bulk.test"])
    assert api(gateway, "PUT", path, body={"version": again["version"]})[0] == 200  # emptied for the next test


def test_query_parameters_arrive_decoded(gateway) -> None:
    asked = "o'brien sales+tag%@example.test"  # a space sent as +, a plus, a percent and an @ percent-encoded
    query = urllib.parse.urlencode({"address": asked})  # address=o%27brien+sales%2Btag%25%40example.test
    status, reply = api(gateway, "GET", f"/directory/resolve?{query}", Role.AUDITOR)
    assert (status, reply["error"]) == (404, "not_found"), reply
    assert reply["message"] == f"{asked} is not in the directory"


def test_a_wrong_method_on_a_known_path_is_405_with_allow_in_the_error_shape(gateway) -> None:
    for method, path, allowed in (("DELETE", "/settings/rules", "GET, PUT"),
                                  ("POST", "/lists/personal/ann%40example.test", "GET, PUT"),
                                  ("PUT", "/health", "GET")):
        status, headers, raw = call(method, f"{gateway.api_url}{path}", token(gateway, Role.ADMINISTRATOR), {})
        assert status == 405, (method, path, raw)
        assert headers["Allow"] == allowed
        assert headers["Content-Type"].startswith("application/json")
        reply = json.loads(raw)
        assert reply["error"] == "method_not_allowed" and method in reply["message"]
    status, _headers, raw = call("DELETE", f"{gateway.api_url}/no/such/path", token(gateway, Role.ADMINISTRATOR))
    assert (status, json.loads(raw)["error"]) == (404, "not_found")


def test_head_and_options_are_answered_in_json_never_an_html_page(gateway) -> None:
    bearer = token(gateway, Role.ADMINISTRATOR)
    status, headers, raw = call("HEAD", f"{gateway.api_url}/settings/rules", bearer)
    assert status < 500 and headers["Content-Type"].startswith("application/json") and raw == b""
    status, headers, raw = call("OPTIONS", f"{gateway.api_url}/settings/rules", bearer)
    # the session's gateway serves the web console, so OPTIONS is a CORS preflight: answered without a body (by
    # API Gateway's mock integration in the cloud, by the function's CORS here), never with an HTML page
    assert status < 500 and raw == b"" and "text/html" not in headers.get("Content-Type", "")


def test_a_malformed_request_is_answered_in_json(gateway) -> None:
    host, port = gateway.api_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + b"x" * 70_000 + b"\r\n\r\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b" 431 " in head.split(b"\r\n")[0]  # http.server refuses a header line over 65,536 octets
    assert b"application/json" in head and json.loads(body)["error"] == "request_header_fields_too_large"
