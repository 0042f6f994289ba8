"""Event log exports: CSV (one row per event, flat columns) and JSON (the events as the API shows them)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from mailgate.events.model import Event

EXPORT_MAX = 2000  # events per export request: the reply stays well inside Lambda's 6 MB; page for more
CSV_COLUMNS = ("at", "message_id", "kind", "recipient", "sender", "subject", "action", "verdicts", "summary")


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(events: Iterable[Event]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event.to_dict()
        row["verdicts"] = " ".join(event.verdicts)
        writer.writerow([_safe(str(row.get(c) or "")) for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(events: Iterable[Event], next_cursor: str | None) -> str:
    return json.dumps({"events": [e.to_dict() for e in events], "next_cursor": next_cursor})
