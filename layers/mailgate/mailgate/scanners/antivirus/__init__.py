"""Anti-virus: ClamAV's clamd scans the whole message and each decoded attachment.

Importing this package is cheap: the scanner (and the clamd client) is imported on first use, so the
admin API can read the signature status without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.scanners.plugin import lazy_export

if TYPE_CHECKING:
    from mailgate.scanners.antivirus.scanner import AntivirusScanner

__all__ = ["AntivirusScanner"]
__getattr__ = lazy_export("AntivirusScanner", "mailgate.scanners.antivirus.scanner")
