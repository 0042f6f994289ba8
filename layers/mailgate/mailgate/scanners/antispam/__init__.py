"""Anti-spam: a statistical classifier, named rule tests, bulk recognition and DNS blocklists.

Importing this package is cheap: the scanner is imported on first use (the rules function needs
only `verdict`, for the headers it adds) and the model file is read on the first scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.scanners.plugin import lazy_export

if TYPE_CHECKING:
    from mailgate.scanners.antispam.scanner import AntispamScanner

__all__ = ["AntispamScanner"]
__getattr__ = lazy_export("AntispamScanner", "mailgate.scanners.antispam.scanner")
