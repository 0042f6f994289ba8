"""What can go wrong with a settings change, in the domain's words; the API maps these to 422 and 409."""

from __future__ import annotations


class SettingsInvalid(ValueError):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems))
        self.problems = problems


class VersionConflict(Exception):
    def __init__(self, expected: int, current: int | None) -> None:
        now = f"it is now at version {current}" if current is not None else "it was changed meanwhile"
        super().__init__(f"the settings are not at version {expected} any more: {now}; reload and apply again")
        self.expected = expected
        self.current = current
