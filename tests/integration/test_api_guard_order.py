"""Who you are is checked before what you sent: a caller without a token or without the role gets 401/403
from every endpoint that takes a body, whatever the body, never 422 with the schema; and a body no request
needs (nested 100,000 deep, larger than Lambda carries) is a clear 4xx before anything parses it, never a
RecursionError and a 5xx."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from mailgate.api.app import create_app
from mailgate.api.guard import ROUTE_ROLES
from mailgate.api.ports import Ports
from mailgate.api.request_limits import MAX_BODY_BYTES, MAX_DEPTH
from mailgate.api.roles import Role
from tests.support.cognito import api, token

pytestmark = pytest.mark.integration
create_app(Ports(*[lambda: None] * 4))  # every route registers its roles, so collection sees them all
WITH_BODY = sorted(route for route, roles in ROUTE_ROLES.items() if roles and route[0] in ("POST", "PUT", "PATCH"))
WRONG = {"unexpected": [1, {"deep": True}], "version": "not a number"}


def raw_call(method: str, url: str, bearer: str | None, data: bytes) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _path(rule: str) -> str:
    return re.sub(r"<(\w+)>", lambda m: f"no-such-{m[1]}", rule)


@pytest.mark.parametrize("route", WITH_BODY, ids=lambda r: f"{r[0]} {r[1]}")
def test_a_wrong_body_without_a_token_or_the_role_is_401_or_403_not_422(gateway, route) -> None:
    method, rule = route
    status, reply = api(gateway, method, _path(rule), role=None, body=WRONG)
    assert (status, reply["error"]) == (401, "unauthorized"), reply
    for role in set(Role) - ROUTE_ROLES[route]:
        status, reply = api(gateway, method, _path(rule), role=role, body=WRONG)
        assert (status, reply["error"]) == (403, "forbidden"), (role, reply)
    allowed = sorted(ROUTE_ROLES[route])[0]
    status, reply = api(gateway, method, _path(rule), role=allowed, body=WRONG)
    assert status in (400, 404, 422), reply  # with the role, the schema speaks


def test_a_body_nested_deeper_than_any_request_needs_is_400_not_a_crash(gateway) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    bearer = token(gateway, Role.ADMINISTRATOR)
    url = f"{gateway.api_url}/settings/rules"
    status, raw = raw_call("PUT", url, bearer, deep.encode())
    assert status == 400 and b"body_too_deep" in raw and str(MAX_DEPTH).encode() in raw
    assert raw_call("PUT", url, None, deep.encode())[0] == 401
    status, raw = raw_call("PUT", url, bearer, b'{"settings": "' + b"x" * MAX_BODY_BYTES + b'"}')
    assert status == 413 and b"body_too_large" in raw
