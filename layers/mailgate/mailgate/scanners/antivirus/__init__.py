"""Anti-virus: ClamAV's clamd scans the whole message and each decoded attachment.

Importing this package is cheap: the scanner (and the clamd client) is imported on first use, so the
admin API can read the signature status without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailgate.scanners.antivirus.scanner import AntivirusScanner

__all__ = ["AntivirusScanner"]


def __getattr__(name: str) -> Any:
    if name == "AntivirusScanner":
        from mailgate.scanners.antivirus.scanner import AntivirusScanner  # noqa: PLC0415

        return AntivirusScanner
    raise AttributeError(name)
