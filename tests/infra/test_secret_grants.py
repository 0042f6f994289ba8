"""Each function reads only the secrets of its own use (issue 12 item 3): an Administrator who points a
setting at another secret gets nothing from IAM, whatever the code does.

rules: DKIM and ARC keys and SMTP relay logins; ldap_sync: LDAP bind passwords; the admin API: writes LDAP
bind passwords and reads only the digest links' keys; scan: none. No function may read every `mailgate/` secret.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.helpers import actions, of_type, role_id, statements

Resources = dict[str, dict[str, Any]]
READ = "secretsmanager:GetSecretValue"
WRITE = ("secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret")


def _secret_names(statement: dict[str, Any]) -> set[str]:
    """The secret-name patterns a statement's resources grant, e.g. {'mailgate/ldap/*'} (or '*' for any)."""
    resources = statement.get("Resource")
    found: set[str] = set()
    for resource in resources if isinstance(resources, list) else [resources]:
        text = json.dumps(resource)
        if text == '"*"':
            found.add("*")
        elif ":secret:" in text:
            found.add(text.rsplit(":secret:", 1)[1].split('"')[0])
    return found


def _granted(resources: Resources, role: str, wanted: tuple[str, ...]) -> set[str]:
    return {name for s in statements(resources, role_id(resources, role))
            if any(a in wanted or a in ("secretsmanager:*", "*") for a in actions(s)) for name in _secret_names(s)}


@pytest.mark.parametrize(("role", "reads"), [
    ("ProcessingRulesRole", {"mailgate/dkim/*", "mailgate/arc/*", "mailgate/smtp/*"}),
    ("DirectoryLdapSyncRole", {"mailgate/ldap/*"}),
    ("AdminApiRole", {"mailgate/links/*"}),  # the digest links' signing keys (issue 14)
    ("ProcessingScanRole", set()),
])
def test_each_function_reads_only_the_secrets_of_its_own_use(resources: Resources, role: str,
                                                              reads: set[str]) -> None:
    assert _granted(resources, role, (READ,)) == reads


def test_only_the_admin_api_writes_secrets_and_only_ldap_passwords(resources: Resources) -> None:
    assert _granted(resources, "AdminApiRole", WRITE) == {"mailgate/ldap/*"}
    for role in ("ProcessingRulesRole", "DirectoryLdapSyncRole", "ProcessingScanRole"):
        assert _granted(resources, role, WRITE) == set()


def test_no_role_in_the_stack_may_read_every_gateway_secret(resources: Resources) -> None:
    for role in of_type(resources, "AWS::IAM::Role"):
        granted = _granted(resources, role, (READ,))
        assert not granted & {"mailgate/*", "*"}, (role, granted)
