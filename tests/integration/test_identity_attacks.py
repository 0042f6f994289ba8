"""Who a caller is and what they may change, as an attacker with a token of their own would probe it."""

from __future__ import annotations

import pytest

from mailgate.api.roles import Role
from tests.support.cognito import api

pytestmark = pytest.mark.integration


def test_an_auditor_changes_nothing_not_even_their_own_personal_lists(gateway) -> None:
    status, own = api(gateway, "GET", "/lists/personal", role=Role.AUDITOR)
    assert status == 200
    status, reply = api(gateway, "PUT", "/lists/personal", role=Role.AUDITOR,
                        body={"version": own["version"], "allow": ["friend@partner.test"], "deny": []})
    assert (status, reply["error"]) == (403, "forbidden")
    assert api(gateway, "GET", "/lists/personal", role=Role.AUDITOR)[1]["allow"] == own["allow"]
    status, mine = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)
    status, saved = api(gateway, "PUT", "/lists/personal", role=Role.PERSONAL_USER,
                        body={"version": mine["version"], "allow": mine["allow"], "deny": mine["deny"]})
    assert status == 200, saved
