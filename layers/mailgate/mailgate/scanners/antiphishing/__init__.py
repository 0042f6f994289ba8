"""Anti-phishing: a detector of its own (brand impersonation, deceptive links, credential
harvesting, lures, look-alike senders), each test named and weighted.

Importing this package is cheap: the scanner is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.scanners.plugin import lazy_export

if TYPE_CHECKING:
    from mailgate.scanners.antiphishing.scanner import AntiphishingScanner

__all__ = ["AntiphishingScanner"]
__getattr__ = lazy_export("AntiphishingScanner", "mailgate.scanners.antiphishing.scanner")
