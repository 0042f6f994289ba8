"""Tokens for the local gateway's users and a small JSON client for the admin API."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from mailgate.api.roles import Role
from mailgate.local.api_server import call
from mailgate.local.cognito import LOCAL_USERS
from mailgate.local.gateway import LocalGateway

USER_FOR_ROLE = {role: name for name, (role, _address) in LOCAL_USERS.items()}


@cache
def _token(gw: LocalGateway, user: str) -> str:
    return str(gw.cognito.token(user))


def token(gw: LocalGateway, role: Role | str) -> str:
    """An ID token of the local user who has this role (or of that user name)."""
    user = USER_FOR_ROLE[role] if isinstance(role, Role) else role
    return _token(gw, user)


def api(gw: LocalGateway, method: str, path: str, role: Role | str | None = Role.ADMINISTRATOR,
        body: Any = None) -> tuple[int, Any]:
    """(status, parsed JSON body or the text) of one API call as that role; role None sends no token."""
    status, headers, raw = call(method, f"{gw.api_url}{path}", token(gw, role) if role else None, body)
    if headers.get("Content-Type", "").startswith("application/json") and raw:
        return status, json.loads(raw)
    return status, raw.decode()
