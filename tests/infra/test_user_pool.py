"""The user pool cannot be used to become another mailbox: users cannot write the attributes that say
which mail is theirs, and a changed e-mail address counts only once verified."""

from __future__ import annotations

from typing import Any

from tests.infra.helpers import of_type

Resources = dict[str, dict[str, Any]]


def test_users_cannot_write_their_address_and_a_change_waits_for_verification(resources: Resources) -> None:
    clients = of_type(resources, "AWS::Cognito::UserPoolClient").values()
    assert len(clients) == 2  # the API's and the web console's: the same limits for both
    for client in clients:
        writable = set(client["Properties"]["WriteAttributes"])
        assert writable and not writable & {"email", "email_verified", "custom:addresses"}
        assert {"email", "email_verified", "custom:addresses"} <= set(client["Properties"]["ReadAttributes"])
    [pool] = of_type(resources, "AWS::Cognito::UserPool").values()
    keep = pool["Properties"]["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"]
    assert keep == ["email"]
    assert {"Name": "addresses", "AttributeDataType": "String", "Mutable": True,
            "StringAttributeConstraints": {"MaxLength": "2048"}} in pool["Properties"]["Schema"]
