"""What can go wrong with a settings change, in the domain's words; the API answers these 422 and 409."""

from __future__ import annotations

from typing import Any

from mailgate.errors import SettingsError, problems_sentence


class SettingsInvalid(SettingsError, ValueError):
    """Every problem of a settings document at once, each with its JSON path (422)."""

    http_status = 422
    error_code = "validation_error"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems), problems=problems)
        self.problems = problems

    def body(self) -> dict[str, Any]:
        return {"error": self.error_code, "message": problems_sentence(self.problems, "settings"),
                "problems": self.problems}


class VersionConflict(SettingsError):
    """A change made from a version that is not the current one any more (409, with `current_version`)."""

    http_status = 409
    error_code = "version_conflict"

    def __init__(self, expected: int, current: int | None) -> None:
        now = f"it is now at version {current}" if current is not None else "it was changed meanwhile"
        super().__init__(f"the settings are not at version {expected} any more: {now}; reload and apply again",
                         current_version=current)
        self.expected = expected
        self.current = current
