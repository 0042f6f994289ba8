"""Link scanning: every URL in a message, unwrapped and checked against reputation lists."""

from mailgate.scanners.links.scanner import LinkScanner

__all__ = ["LinkScanner"]
