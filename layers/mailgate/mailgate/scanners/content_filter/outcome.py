"""Triggered expressions resolved to one outcome: the strictest action wins
(delete_message > reject > delete_attachment > skip); Backup and header changes accumulate.

`resolve` works on the details the scanner reports (details.MatchDetails), so the rules step can apply the
outcome for one recipient from the stored ScanReport without re-running the filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailgate.scanners.content_filter.details import MatchDetails

STRICTNESS = {"skip": 0, "delete_attachment": 1, "reject": 2, "delete_message": 3}


@dataclass(frozen=True)
class Outcome:
    action: str = "skip"
    backup: bool = False
    parts: tuple[str, ...] = ()  # attachments to remove when the action is delete_attachment
    remove_headers: tuple[str, ...] = ()
    set_headers: dict[str, str] = field(default_factory=dict)
    expressions: tuple[str, ...] = ()  # the triggered expressions, in settings order

    def header_changes(self) -> dict[str, Any]:
        return {"remove": list(self.remove_headers), "set": dict(self.set_headers)}


def resolve(matches: Iterable[MatchDetails], recipient: str | None = None) -> Outcome:
    """The outcome of the reported matches for one recipient (None: whatever applies to anyone).
    Header values set by an earlier expression win over a later one's."""
    applying = [m for m in matches if m.applies_to(recipient)]
    if not applying:
        return Outcome()
    action = max((m.action for m in applying), key=STRICTNESS.__getitem__)
    parts = dict.fromkeys(p for m in applying if m.action == "delete_attachment" for p in m.parts)
    removed: dict[str, None] = {}
    headers: dict[str, str] = {}
    for match in applying:
        removed.update(dict.fromkeys(match.header_changes.remove))
        for name, value in match.header_changes.set_.items():
            headers.setdefault(name, value)
    return Outcome(action, any(m.backup for m in applying),
                   tuple(parts) if action == "delete_attachment" else (), tuple(removed), headers,
                   tuple(m.expression for m in applying))
