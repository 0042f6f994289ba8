"""Anti-phishing: a detector of its own (brand impersonation, deceptive links, credential
harvesting, lures, look-alike senders), each test named and weighted."""

from mailgate.scanners.antiphishing.scanner import AntiphishingScanner

__all__ = ["AntiphishingScanner"]
