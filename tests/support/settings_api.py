"""Changing the local gateway's settings through its admin API, as an administrator would, and undoing it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from mailgate.local.gateway import LocalGateway
from mailgate.wiring import process
from tests.support.cognito import api


def put_section(gateway: LocalGateway, section: str, change: Callable[[Any], Any]) -> None:
    """GET a settings section, change it, PUT it back; the in-process functions take it at once."""
    status, current = api(gateway, "GET", f"/settings/{section}")
    assert status == 200
    settings = change(json.loads(json.dumps(current["settings"])))
    status, saved = api(gateway, "PUT", f"/settings/{section}", body={"version": current["version"],
                                                                     "settings": settings})
    assert status == 200, saved
    process.reset()  # not after the 30 s re-read


def settings_restored(gateway: LocalGateway) -> Iterator[None]:
    """Export now, re-import afterwards: a test's settings changes do not leak into the next test."""
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    yield
    _status, current = api(gateway, "GET", "/settings/general")
    exported.pop("exported_at")
    assert api(gateway, "POST", f"/settings/import?version={current['version']}", body=exported)[0] == 200
    process.reset()


def lists_changed() -> None:
    """Warm functions see list changes within a minute (docs/backup.md says so); the tests do not wait for it."""
    from mailgate.wiring import rules

    rules.personal_lists.cache_clear()
    process.reset()


def personal_lists_emptied(gateway: LocalGateway) -> Iterator[None]:
    """bob@example.test is the local personal user; his lists are emptied afterwards."""
    from mailgate.api.roles import Role

    yield
    current = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)[1]
    api(gateway, "PUT", "/lists/personal", role=Role.PERSONAL_USER,
        body={"version": current["version"], "allow": [], "deny": []})
    lists_changed()
