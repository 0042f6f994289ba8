"""The admin API answers the web console's origin and no other (CORS): a browser's preflight carries no token
and is answered before any role check; a page from another origin gets no Access-Control-Allow-Origin."""

import json

import pytest

from mailgate.environment import Env
from mailgate.local.api_server import api_gateway_event
from mailgate.local.functions import LocalLambdaContext
from mailgate.web_console import console_origin
from tests.unit.api.resolver import local_app

CONSOLE = "https://console.example.org"
ADMIN = {"sub": "s-1", "cognito:username": "ann", "email": "ann@example.org", "email_verified": "true",
         "cognito:groups": "Administrator"}


@pytest.fixture
def app(aws, monkeypatch):
    monkeypatch.setenv(Env.CONSOLE_ORIGIN, CONSOLE)
    return local_app()


def _send(app, method, path, headers, claims=None):
    event = api_gateway_event(method, path, headers, b"", claims)
    reply = app.resolve(event, LocalLambdaContext("api"))
    headers = {name.lower(): value for name, value in (reply.get("headers") or {}).items()}
    headers.update({name.lower(): values[-1] for name, values in (reply.get("multiValueHeaders") or {}).items()})
    return reply["statusCode"], headers


def _preflight(origin, method="PATCH"):
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type"}


def test_a_preflight_from_the_console_is_allowed_without_a_token(app):
    status, headers = _send(app, "OPTIONS", "/settings/general", _preflight(CONSOLE))
    assert status == 204  # not 401: the browser sends no Authorization with a preflight
    assert headers["access-control-allow-origin"] == CONSOLE
    assert {"PATCH", "GET"} <= set(headers["access-control-allow-methods"].split(","))
    assert {"Authorization", "Content-Type"} <= set(headers["access-control-allow-headers"].split(","))
    assert headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in headers


def test_a_preflight_from_another_origin_is_not_allowed(app):
    _, headers = _send(app, "OPTIONS", "/settings/general", _preflight("https://evil.example"))
    assert "access-control-allow-origin" not in headers  # the browser refuses the request that would follow


def test_an_authenticated_get_from_the_console_carries_the_header_and_exposes_the_cursor(app):
    status, headers = _send(app, "GET", "/me", {"Origin": CONSOLE}, ADMIN)
    assert status == 200
    assert headers["access-control-allow-origin"] == CONSOLE
    assert headers["access-control-expose-headers"] == "X-Next-Cursor"


def test_a_refusal_is_readable_by_the_console_but_not_by_another_page(app):
    status, headers = _send(app, "GET", "/settings/general", {"Origin": CONSOLE})
    assert (status, headers["access-control-allow-origin"]) == (401, CONSOLE)
    status, headers = _send(app, "GET", "/settings/general", {"Origin": "https://evil.example"})
    assert status == 401 and "access-control-allow-origin" not in headers


def test_without_a_console_the_api_sends_no_cors_headers(aws, monkeypatch):
    monkeypatch.delenv(Env.CONSOLE_ORIGIN, raising=False)
    app = local_app()
    status, headers = _send(app, "GET", "/health", {"Origin": CONSOLE})
    assert status == 200 and not [name for name in headers if name.startswith("access-control-")]
    status, _ = _send(app, "OPTIONS", "/settings/general", _preflight(CONSOLE))
    assert status != 204


@pytest.mark.parametrize("value", ["*", "https://console.example.org/app", "console.example.org", "ftp://x.org"])
def test_an_origin_that_is_no_origin_stops_the_cold_start(value):
    with pytest.raises(ValueError, match=Env.CONSOLE_ORIGIN):
        console_origin({Env.CONSOLE_ORIGIN: value})


def test_the_origin_is_taken_without_a_trailing_slash():
    assert console_origin({Env.CONSOLE_ORIGIN: "https://console.example.org/"}) == CONSOLE
    assert console_origin({Env.CONSOLE_ORIGIN: "http://127.0.0.1:8026"}) == "http://127.0.0.1:8026"
    assert console_origin({}) is None


def test_json_answers_keep_their_body_with_cors(app):
    event = api_gateway_event("GET", "/health", {"Origin": CONSOLE}, b"")
    reply = app.resolve(event, LocalLambdaContext("api"))
    assert json.loads(reply["body"])["status"] in ("ok", "degraded")
