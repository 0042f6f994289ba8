"""Write-only passwords in Secrets Manager: the API stores LDAP bind passwords here and never reads them.

It writes and deletes only under `mailgate/ldap/`: a connection can never overwrite or delete a DKIM key.
"""

from __future__ import annotations

import contextlib
from typing import Any

from mailgate.aws.clients import client
from mailgate.aws.secrets import SecretsError
from mailgate.secret_names import LDAP, is_under


class SecretsManagerVault:
    def __init__(self, secretsmanager: Any | None = None, prefix: str = LDAP) -> None:
        self._client = secretsmanager
        self._prefix = prefix

    @property
    def sm(self) -> Any:
        return self._client or client("secretsmanager")

    def _check(self, name: str) -> None:
        if not is_under(name, (self._prefix,)):
            raise SecretsError(f"refused to write secret {name!r}: LDAP passwords live under {self._prefix}")

    def put(self, name: str, value: str) -> None:
        self._check(name)
        sm = self.sm
        try:
            sm.put_secret_value(SecretId=name, SecretString=value)
        except sm.exceptions.ResourceNotFoundException:
            sm.create_secret(Name=name, SecretString=value, Description="mailgate LDAP bind password")

    def delete(self, name: str) -> None:
        self._check(name)
        sm = self.sm
        with contextlib.suppress(sm.exceptions.ResourceNotFoundException):
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
