"""The audit trail: who changed which settings when, and what exactly changed."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from mailgate.events.model import utc_now


def diff(before: Any, after: Any, path: str = "$") -> list[dict[str, Any]]:
    """Changed leaves as {path, before, after}; objects are compared key by key, arrays whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            step = f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f'["{key}"]'
            changes += diff(before.get(key), after.get(key), path + step)
        return changes
    return [] if before == after else [{"path": path, "before": before, "after": after}]


@dataclass(frozen=True)
class AuditEntry:
    actor: str  # the token's user name and e-mail address
    subject: str  # the token's `sub`: stable even when a user is renamed
    operation: str  # the endpoint, e.g. "PUT /settings/domains"
    version_before: int
    version_after: int
    changes: tuple[dict[str, Any], ...]
    at: str = field(default_factory=utc_now)
    entry_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "at": self.at,
            "actor": self.actor,
            "subject": self.subject,
            "operation": self.operation,
            "version_before": self.version_before,
            "version_after": self.version_after,
            "changes": list(self.changes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEntry:
        return cls(
            actor=str(data.get("actor", "")),
            subject=str(data.get("subject", "")),
            operation=str(data.get("operation", "")),
            version_before=int(data.get("version_before", 0)),
            version_after=int(data.get("version_after", 0)),
            changes=tuple(data.get("changes") or ()),
            at=str(data["at"]),
            entry_id=str(data["entry_id"]),
        )
