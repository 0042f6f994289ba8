"""Link scanning: every URL in a message, unwrapped and checked against reputation lists.

Importing this package is cheap: the scanner is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.scanners.plugin import lazy_export

if TYPE_CHECKING:
    from mailgate.scanners.links.scanner import LinkScanner

__all__ = ["LinkScanner"]
__getattr__ = lazy_export("LinkScanner", "mailgate.scanners.links.scanner")
