"""The code that reads and writes secrets refuses names outside its prefix before Secrets Manager is asked
(issue 12 item 3, defence in depth behind the connection's validation and the IAM policies)."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.aws.password_vault import SecretsManagerVault
from mailgate.aws.secrets import SecretsError, SecretStore
from mailgate.directory.connection import parse_connection
from mailgate.directory.errors import ConnectionInvalid
from mailgate.secret_names import DELIVERY, LDAP


class RecordingSecretsManager:
    """Answers every name: only the prefix checks stand between a caller and any secret."""

    class exceptions:
        ResourceNotFoundException = KeyError

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.asked.append(SecretId)
        return {"SecretString": f"value of {SecretId}"}

    def put_secret_value(self, SecretId: str, SecretString: str) -> None:
        self.asked.append(SecretId)

    def delete_secret(self, SecretId: str, **_: Any) -> None:
        self.asked.append(SecretId)


OUTSIDE_LDAP = ["mailgate/dkim/example.org", "mailgate/arc/example.org", "mailgate/smtp/relay", "mailgate/ldap",
                "mailgate/ldap/", "mailgate/ldapx/c1", "other/ldap/c1",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailgate/ldap/c1-AbCdEf"]


@pytest.mark.parametrize("name", OUTSIDE_LDAP)
def test_the_ldap_password_reader_refuses_every_other_secret(name: str) -> None:
    sm = RecordingSecretsManager()
    with pytest.raises(SecretsError, match=r"refused to read secret .* only secrets under mailgate/ldap/"):
        SecretStore(allowed=(LDAP,), secretsmanager=sm).get(name)
    assert sm.asked == []


def test_the_ldap_password_reader_reads_ldap_passwords() -> None:
    sm = RecordingSecretsManager()
    assert SecretStore(allowed=(LDAP,), secretsmanager=sm).get("mailgate/ldap/c1") == "value of mailgate/ldap/c1"


def test_the_delivery_reader_reads_keys_and_relay_logins_but_never_ldap_passwords() -> None:
    sm = RecordingSecretsManager()
    store = SecretStore(allowed=DELIVERY, secretsmanager=sm)
    for name in ("mailgate/dkim/example.org", "mailgate/arc/example.org", "mailgate/smtp/relay"):
        store.get(name)
    with pytest.raises(SecretsError):
        store.get("mailgate/ldap/c1")
    assert sm.asked == ["mailgate/dkim/example.org", "mailgate/arc/example.org", "mailgate/smtp/relay"]


@pytest.mark.parametrize("name", OUTSIDE_LDAP)
def test_the_vault_neither_overwrites_nor_deletes_a_secret_outside_ldap_passwords(name: str) -> None:
    sm = RecordingSecretsManager()
    vault = SecretsManagerVault(sm)
    with pytest.raises(SecretsError, match="refused to write"):
        vault.put(name, "attacker's value")
    with pytest.raises(SecretsError, match="refused to write"):
        vault.delete(name)
    assert sm.asked == []


@pytest.mark.parametrize("name", OUTSIDE_LDAP)
def test_a_connection_may_name_only_an_ldap_password(name: str) -> None:
    with pytest.raises(ConnectionInvalid) as invalid:
        parse_connection({"connection_id": "c1", "name": "Corp", "domain": "example.org", "base_dn": "dc=example",
                          "bind_dn": "cn=svc", "password_secret": name})
    [problem] = invalid.value.problems
    assert problem["path"] == "password_secret" and "mailgate/ldap/" in problem["message"]


def test_settings_name_signing_keys_and_relay_logins_only_under_their_own_prefix() -> None:
    from mailgate.settings.validation import settings_problems

    settings = {
        "domains": {"example.org": {"hosts": [{"host": "mail.example.org"}], "username_secret": "mailgate/ldap/c1"}},
        "dkim_signing": [{"domain": "example.org", "selector": "s1", "secret_name": "mailgate/smtp/relay"},
                         {"domain": "example.org", "selector": "s2", "secret_name": "mailgate/dkim/example.org"}],
        "arc_sealing": {"domain": "example.org", "selector": "a1", "secret_name": "mailgate/dkim/example.org"},
    }
    found = {p["path"]: p["message"] for p in settings_problems(settings)}
    assert set(found) == {'$.domains["example.org"].username_secret', "$.dkim_signing[0].secret_name",
                          "$.arc_sealing.secret_name"}
    assert "under mailgate/smtp/" in found['$.domains["example.org"].username_secret']
    assert "under mailgate/dkim/" in found["$.dkim_signing[0].secret_name"]
    assert "under mailgate/arc/" in found["$.arc_sealing.secret_name"]
