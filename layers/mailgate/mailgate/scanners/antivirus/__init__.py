"""Anti-virus: ClamAV's clamd scans the whole message and each decoded attachment."""

from mailgate.scanners.antivirus.scanner import AntivirusScanner

__all__ = ["AntivirusScanner"]
