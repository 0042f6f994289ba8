"""How fresh the signatures are: clamd's VERSION answer, parsed, with the database's age.

clamd answers "ClamAV 1.4.6/27500/Tue Dec 10 09:33:15 2024" when a versioned database (daily.cvd,
or any .cvd/.cld/.cud container) is loaded, and only "ClamAV 1.4.6" with loose signature files.
The date is printed in clamd's local time zone (UTC in Lambda).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class SignatureInfo:
    engine: str  # "ClamAV 1.4.6"
    database_version: int | None
    database_date: datetime | None  # when the signatures were built (aware)
    checked_at: datetime  # when clamd was asked (aware)

    def age_hours(self) -> float | None:
        if self.database_date is None:
            return None
        return max(0.0, (self.checked_at - self.database_date).total_seconds() / 3600)

    def stale(self, max_age_hours: float) -> bool:
        """Older than the threshold, or of unknown age (loose signature files carry no date)."""
        age = self.age_hours()
        return age is None or age > max_age_hours

    def to_dict(self, max_age_hours: float) -> dict[str, Any]:
        age = self.age_hours()
        return {
            "engine": self.engine,
            "database_version": self.database_version,
            "database_date": self.database_date.isoformat() if self.database_date else None,
            "age_hours": round(age, 2) if age is not None else None,
            "max_age_hours": max_age_hours,
            "stale": self.stale(max_age_hours),
        }


def parse_version(line: str, checked_at: datetime | None = None) -> SignatureInfo:
    checked_at = checked_at or datetime.now(UTC)
    engine, _, rest = line.strip().partition("/")
    number, _, date_text = rest.partition("/")
    built: datetime | None = None
    if date_text:
        try:
            built = datetime.strptime(date_text.strip(), "%a %b %d %H:%M:%S %Y").astimezone()
        except ValueError:
            built = None
    return SignatureInfo(engine=engine.strip(), database_version=int(number) if number.isdigit() else None,
                         database_date=built, checked_at=checked_at)
