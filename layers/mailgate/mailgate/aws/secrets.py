"""Secrets (DKIM private keys, SMTP credentials, LDAP bind passwords) from Secrets Manager, cached per process.

Each reader is limited to the name prefixes its function needs (`mailgate.secret_names`): a name from a
setting that points elsewhere is refused before Secrets Manager is asked, whatever the IAM policy allows.
"""

from __future__ import annotations

from typing import Any

from mailgate.aws.clients import client
from mailgate.secret_names import is_under


class SecretsError(RuntimeError):
    """A secret could not be read; the message names it (never its value)."""


class SecretStore:
    def __init__(self, *, allowed: tuple[str, ...], secretsmanager: Any | None = None) -> None:
        self._allowed = allowed
        self._client = secretsmanager
        self._cache: dict[str, str] = {}

    def get(self, name: str) -> str:
        if not is_under(name, self._allowed):
            raise SecretsError(f"refused to read secret {name!r}: this function reads only secrets under "
                               f"{', '.join(self._allowed)}")
        if name not in self._cache:
            sm = self._client or client("secretsmanager")
            try:
                self._cache[name] = str(sm.get_secret_value(SecretId=name)["SecretString"])
            except Exception as exc:
                raise SecretsError(f"cannot read secret {name!r}: {type(exc).__name__}") from exc
        return self._cache[name]
