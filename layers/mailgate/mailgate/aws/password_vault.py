"""Write-only passwords in Secrets Manager: the API stores LDAP bind passwords here and never reads them."""

from __future__ import annotations

import contextlib
from typing import Any

from mailgate.aws.clients import client


class SecretsManagerVault:
    def __init__(self, secretsmanager: Any | None = None) -> None:
        self._client = secretsmanager

    @property
    def sm(self) -> Any:
        return self._client or client("secretsmanager")

    def put(self, name: str, value: str) -> None:
        sm = self.sm
        try:
            sm.put_secret_value(SecretId=name, SecretString=value)
        except sm.exceptions.ResourceNotFoundException:
            sm.create_secret(Name=name, SecretString=value, Description="mailgate LDAP bind password")

    def delete(self, name: str) -> None:
        sm = self.sm
        with contextlib.suppress(sm.exceptions.ResourceNotFoundException):
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
