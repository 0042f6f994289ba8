"""Export and import of all settings as one versioned JSON document.

Secrets are never in it: the configuration holds only the *names* of Secrets Manager secrets
(`username_secret`, `secret_name`), so an export can be stored and reviewed like code.
"""

from __future__ import annotations

from typing import Any

from mailgate.config import GatewayConfig
from mailgate.events.model import utc_now
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.validation import Problem, as_document, problem, settings_problems, validate_settings

FORMAT = "mailgate-settings"
FORMAT_VERSION = 1
_TOP_LEVEL = {"format", "format_version", "exported_at", "settings_version", "settings"}


def export_document(config: GatewayConfig, version: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utc_now(),
        "settings_version": version,
        "settings": as_document(config),
    }


def _envelope_problems(document: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if document.get("format") != FORMAT:
        problems.append(problem("$.format", f"Expected {FORMAT!r}"))
    if document.get("format_version") != FORMAT_VERSION:
        problems.append(problem("$.format_version", f"Expected {FORMAT_VERSION}: the only format this gateway reads"))
    if "settings" not in document:
        problems.append(problem("$.settings", "missing: the settings object"))
    problems += [problem(f"$.{k}", f"unknown field {k!r}") for k in document if k not in _TOP_LEVEL]
    return problems


def parse_document(document: Any) -> GatewayConfig:
    """The document's settings, or SettingsInvalid listing every problem of the whole document."""
    if not isinstance(document, dict):
        raise SettingsInvalid([problem("$", "Expected a JSON object")])
    problems = _envelope_problems(document)
    if "settings" in document:
        problems += settings_problems(document["settings"], "$.settings")
    if problems:
        raise SettingsInvalid(problems)
    return validate_settings(document["settings"], "$.settings")
