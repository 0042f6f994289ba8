"""The audit trail: who changed which settings when, and what exactly changed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from mailgate.documents import Document
from mailgate.events.model import utc_now

AUDIT_VERSION = 1


def diff(before: Any, after: Any, path: str = "$") -> list[dict[str, Any]]:
    """Changed leaves as {path, before, after}; objects are compared key by key, arrays whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            step = f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f'["{key}"]'
            changes += diff(before.get(key), after.get(key), path + step)
        return changes
    return [] if before == after else [{"path": path, "before": before, "after": after}]


class AuditEntry(Document, frozen=True):
    actor: str  # the token's user name and e-mail address
    subject: str  # the token's `sub`: stable even when a user is renamed
    operation: str  # the endpoint, e.g. "PUT /settings/domains"
    version_before: int
    version_after: int
    changes: tuple[dict[str, Any], ...]
    at: str = msgspec.field(default_factory=utc_now)
    entry_id: str = msgspec.field(default_factory=lambda: uuid.uuid4().hex[:12])
    version: int = AUDIT_VERSION

    read_defaults: ClassVar[Mapping[str, Any]] = {"actor": "", "subject": "", "operation": "",
                                                  "version_before": 0, "version_after": 0, "changes": ()}
