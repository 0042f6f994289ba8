"""Secrets (DKIM private keys, SMTP credentials) from Secrets Manager, cached per process."""

from __future__ import annotations

from typing import Any

from mailgate.aws.clients import client


class SecretsError(RuntimeError):
    """A secret could not be read; the message names it (never its value)."""


class SecretStore:
    def __init__(self, secretsmanager: Any | None = None) -> None:
        self._client = secretsmanager
        self._cache: dict[str, str] = {}

    def get(self, name: str) -> str:
        if name not in self._cache:
            sm = self._client or client("secretsmanager")
            try:
                self._cache[name] = str(sm.get_secret_value(SecretId=name)["SecretString"])
            except Exception as exc:
                raise SecretsError(f"cannot read secret {name!r}: {type(exc).__name__}") from exc
        return self._cache[name]
