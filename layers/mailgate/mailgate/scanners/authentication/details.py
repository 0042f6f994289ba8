"""The authentication scanner's `details`, declared: what the rules engine, the allow/deny lists and the
backscatter check read of SPF, DKIM and DMARC, as typed fields instead of string keys into a dict.

The scanner writes these facts as JSON in the scan report (scanner.py); `AuthenticationDetails.of` reads them
back, leniently: a report from an older release, or a field of an unexpected type, reads as "no result".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailgate.scan.details import ScannerDetails, read_details


class SpfDetails(ScannerDetails, frozen=True):
    result: str | None = None  # pass, fail, softfail, neutral, none, temperror, permerror
    domain: str | None = None  # the domain SPF was checked for
    identity: str | None = None  # "mailfrom" or "helo"


class DkimSignatureDetails(ScannerDetails, frozen=True):
    result: str | None = None
    domain: str | None = None  # d=


class DmarcDetails(ScannerDetails, frozen=True):
    result: str | None = None
    from_domain: str | None = None
    org_domain: str | None = None
    policy: str | None = None  # p= (None: no DMARC record)
    applied_policy: str | None = None  # what the policy asks for this message, after pct=


class AuthenticationDetails(ScannerDetails, frozen=True):
    spf: SpfDetails = SpfDetails()
    dkim: tuple[DkimSignatureDetails, ...] = ()
    dmarc: DmarcDetails = DmarcDetails()

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> AuthenticationDetails:
        return read_details(cls, details)
