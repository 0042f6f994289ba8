"""Settings operations over a store port: read the current version, change it conditionally, audit it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from mailgate.config import GatewayConfig
from mailgate.settings.audit import AuditEntry, diff
from mailgate.settings.errors import SettingsInvalid, VersionConflict
from mailgate.settings.validation import as_document, problem, validate_settings

# The general settings: everything but the accepted domains and the signing keys.
GENERAL = ("authserv_id", "bounce_from", "header_prefix", "event_retention_days", "backup_retention_days",
           "backup_max_megabytes", "backup_self_release", "dns", "delivery")


@dataclass(frozen=True)
class SettingsRecord:
    config: GatewayConfig
    version: int  # 0: never stored, the gateway runs on its deployment configuration


class SettingsStore(Protocol):
    def load(self) -> SettingsRecord | None: ...

    def save(self, config: GatewayConfig, expected_version: int, audit: AuditEntry) -> SettingsRecord:
        """One conditional write of the settings and their audit entry; VersionConflict when stale."""
        ...

    def record(self, audit: AuditEntry) -> None:
        """An audit entry alone (no settings version change), found by audit_between like the others."""
        ...

    def audit_between(self, start: str, end: str, limit: int,
                      cursor: str | None) -> tuple[list[AuditEntry], str | None]: ...


@dataclass(frozen=True)
class Actor:
    who: str
    subject: str
    operation: str


def general_view(config: GatewayConfig) -> dict[str, Any]:
    document = as_document(config)
    return {k: document[k] for k in GENERAL}


def merge_general(config: GatewayConfig, changes: dict[str, Any]) -> GatewayConfig:
    """A shallow merge, one level deep for `dns` and `delivery` (JSON merge-patch without deletes)."""
    document = as_document(config)
    for key, value in changes.items():
        current = document.get(key)
        document[key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    return validate_settings(document)


def replace_domains(config: GatewayConfig, domains: dict[str, Any]) -> GatewayConfig:
    return replace_section(config, "domains", domains)


def replace_section(config: GatewayConfig, section: str, value: dict[str, Any]) -> GatewayConfig:
    """One top-level section replaced whole, then the whole configuration validated (problems name fields)."""
    document = as_document(config)
    document[section] = value
    return validate_settings(document)


SIGNING = ("dkim_signing", "arc_sealing")


def signing_view(config: GatewayConfig) -> dict[str, Any]:
    document = as_document(config)
    return {k: document[k] for k in SIGNING}


def replace_signing(config: GatewayConfig, value: dict[str, Any]) -> GatewayConfig:
    """DKIM keys and the ARC sealing key together (both name secrets, never hold them)."""
    unknown = sorted(set(value) - set(SIGNING))
    if unknown:
        raise SettingsInvalid([problem(f"$.signing.{key}", f"unknown setting {key!r}") for key in unknown])
    document = as_document(config)
    document.update({key: value.get(key, [] if key == "dkim_signing" else None) for key in SIGNING})
    return validate_settings(document)


class SettingsService:
    def __init__(self, store: SettingsStore, fallback: Callable[[], GatewayConfig]) -> None:
        self.store = store
        self.fallback = fallback

    def current(self) -> SettingsRecord:
        return self.store.load() or SettingsRecord(self.fallback(), 0)

    def change(self, expected_version: int | None, update: Callable[[GatewayConfig], GatewayConfig],
               actor: Actor) -> SettingsRecord:
        current = self.current()
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(expected_version, current.version)
        updated = update(current.config)
        entry = AuditEntry(actor=actor.who, subject=actor.subject, operation=actor.operation,
                           version_before=current.version, version_after=current.version + 1,
                           changes=tuple(diff(as_document(current.config), as_document(updated))))
        return self.store.save(updated, current.version, entry)

    def audit(self, actor: Actor, version: int, before: GatewayConfig, after: GatewayConfig) -> AuditEntry:
        """An audit entry for an act that changes no settings version (shadow settings set or cleared): every
        value that differs between `before` and `after`, at the live `version` (before and after alike)."""
        entry = AuditEntry(actor=actor.who, subject=actor.subject, operation=actor.operation,
                           version_before=version, version_after=version,
                           changes=tuple(diff(as_document(before), as_document(after))))
        self.store.record(entry)
        return entry
