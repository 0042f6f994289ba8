"""Proposed settings: a whole settings document (as GET /settings/export writes it) or the live settings with
some top-level sections replaced whole (`rules`, `lists`, `content_filter`, ...), validated exactly as
POST /settings/import and the section PUTs validate them (SettingsInvalid names every problem, 422)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailgate.config import GatewayConfig
from mailgate.settings.document import parse_document
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.validation import as_document, problem, validate_settings


def proposed_config(live: GatewayConfig, document: Mapping[str, Any] | None = None,
                    sections: Mapping[str, Any] | None = None) -> GatewayConfig:
    """Exactly one of `document` (everything replaced) and `sections` (a diff of whole sections)."""
    if (document is None) == (sections is None):
        raise SettingsInvalid([problem("$", "give exactly one of document and sections")])
    if document is not None:
        return parse_document(dict(document))
    merged = as_document(live)
    unknown = sorted(set(sections or {}) - set(merged))
    if unknown:
        raise SettingsInvalid([problem(f"$.sections.{key}", f"unknown settings section {key!r}") for key in unknown])
    merged.update(sections or {})
    return validate_settings(merged, "$.sections")
