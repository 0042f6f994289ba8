"""Roles come from the Cognito groups claim in whichever shape API Gateway or a decoded token gives it."""

import pytest

from mailgate.api.errors import Forbidden, Unauthenticated
from mailgate.api.roles import (
    ADMINISTRATORS,
    READERS,
    SETTINGS_READERS,
    Role,
    authorize,
    groups_from_claim,
    principal_from_claims,
)


@pytest.mark.parametrize(("claim", "groups"), [
    (["Administrator", "Auditor"], ["Administrator", "Auditor"]),
    ("Administrator,Auditor", ["Administrator", "Auditor"]),
    ("Administrator Auditor", ["Administrator", "Auditor"]),
    ("[Administrator, Auditor]", ["Administrator", "Auditor"]),
    ("", []),
    (None, []),
])
def test_groups_claim_is_read_as_list_or_any_separated_string(claim, groups):
    assert groups_from_claim(claim) == groups


def test_unknown_groups_grant_nothing_and_addresses_are_lowercased():
    who = principal_from_claims({"sub": "s1", "cognito:groups": "Staff,PersonalUser", "email": "Bob@Example.Test",
                                 "email_verified": "true", "custom:addresses": "bob.alias@example.test, ",
                                 "cognito:username": "bob"})
    assert who.roles == {Role.PERSONAL_USER}
    assert who.addresses == ("bob@example.test", "bob.alias@example.test")
    assert who.is_personal_only
    assert who.owns(["BOB.ALIAS@example.test"])
    assert not who.owns(["carol@example.test"])
    assert who.who == "bob <bob@example.test>"


@pytest.mark.parametrize("verified", [None, "false", False])
def test_an_unverified_email_is_not_the_callers_address(verified):
    claims = {"sub": "s1", "cognito:groups": "PersonalUser", "email": "carol@example.test",
              "custom:addresses": "bob@example.test", **({"email_verified": verified} if verified is not None else {})}
    assert principal_from_claims(claims).addresses == ("bob@example.test",)


def test_no_claims_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        principal_from_claims({})
    with pytest.raises(Unauthenticated):
        principal_from_claims({"email": "x@y.test"})


@pytest.mark.parametrize(("role", "allowed", "ok"), [
    (Role.ADMINISTRATOR, ADMINISTRATORS, True),
    (Role.AUDITOR, ADMINISTRATORS, False),
    (Role.AUDITOR, SETTINGS_READERS, True),
    (Role.SECURITY_OFFICER, SETTINGS_READERS, False),
    (Role.SECURITY_OFFICER, READERS, True),
    (Role.PERSONAL_USER, READERS, False),
])
def test_a_role_outside_the_allowed_set_is_forbidden(role, allowed, ok):
    who = principal_from_claims({"sub": "s", "cognito:groups": [role.value]})
    if ok:
        authorize(who, allowed)
    else:
        with pytest.raises(Forbidden) as refused:
            authorize(who, allowed)
        assert refused.value.body()["error"] == "forbidden"


def test_a_personal_user_who_is_also_an_auditor_is_not_limited_to_their_own_mail():
    who = principal_from_claims({"sub": "s", "cognito:groups": "PersonalUser,Auditor"})
    assert not who.is_personal_only
