"""The authentication scanner's `details`, declared: what the rules engine, the allow/deny lists and the
backscatter check read of SPF, DKIM and DMARC, as typed fields instead of string keys into a dict.

The scanner writes these facts as JSON in the scan report (scanner.py); `AuthenticationDetails.of` reads them
back, leniently: a report from an older release, or a field of an unexpected type, reads as "no result".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec


class _Details(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    pass


class SpfDetails(_Details, frozen=True):
    result: str | None = None  # pass, fail, softfail, neutral, none, temperror, permerror
    domain: str | None = None  # the domain SPF was checked for
    identity: str | None = None  # "mailfrom" or "helo"


class DkimSignatureDetails(_Details, frozen=True):
    result: str | None = None
    domain: str | None = None  # d=


class DmarcDetails(_Details, frozen=True):
    result: str | None = None
    from_domain: str | None = None
    org_domain: str | None = None
    policy: str | None = None  # p= (None: no DMARC record)
    applied_policy: str | None = None  # what the policy asks for this message, after pct=


class AuthenticationDetails(_Details, frozen=True):
    spf: SpfDetails = SpfDetails()
    dkim: tuple[DkimSignatureDetails, ...] = ()
    dmarc: DmarcDetails = DmarcDetails()

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> AuthenticationDetails:
        """Each part read on its own, so one malformed part does not hide the others."""
        data = dict(details or {})

        def part(kind: type[Any], value: Any, empty: Any) -> Any:
            try:
                return msgspec.convert(value, kind) if isinstance(value, Mapping) else empty
            except msgspec.ValidationError:
                return empty

        signatures = tuple(s for s in (part(DkimSignatureDetails, d, None) for d in data.get("dkim") or ()
                                       if isinstance(data.get("dkim"), list | tuple)) if s is not None)
        return cls(spf=part(SpfDetails, data.get("spf"), SpfDetails()), dkim=signatures,
                   dmarc=part(DmarcDetails, data.get("dmarc"), DmarcDetails()))
