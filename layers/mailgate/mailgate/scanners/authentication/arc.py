"""ARC (RFC 8617) chain validation through dkimpy's ARC verifier.

dkimpy returns the chain validation status `cv` as b"pass", b"fail", b"none", or None when an
earlier sealer had already recorded cv=fail (the chain is terminated: for us, a fail). A pass
says the chain is intact, not that its sealers are trustworthy: that judgement belongs to a rule
naming trusted forwarders, so ARC alone never overrides DMARC here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import dkim

from mailgate.dns import DnsTempError, Resolver
from mailgate.scanners.authentication.dkim_check import dkimpy_reason
from mailgate.scanners.authentication.rawheaders import count_fields

MAX_INSTANCES = 50  # RFC 8617 §4.2.1

_dkimpy_log = logging.getLogger("mailgate.dkimpy")

_CV = {b"pass": "pass", b"fail": "fail", b"none": "none"}


@dataclass(frozen=True)
class ArcResult:
    result: str  # pass, fail, none, temperror
    instances: int  # the highest i= seen: how many hops sealed the message
    reason: str
    sealers: tuple[str, ...] = field(default=())  # ARC-Seal d= per instance, newest first

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "instances": self.instances, "reason": self.reason,
                "sealers": list(self.sealers)}


def verify_arc(raw: bytes, resolver: Resolver) -> ArcResult:
    """Validate the message's ARC chain; `none` when it carries no ARC set."""
    seals = count_fields(raw, "ARC-Seal")
    if not seals and not count_fields(raw, "ARC-Message-Signature"):
        return ArcResult("none", 0, "message is not ARC sealed")
    if resolver.no_network:
        return ArcResult("temperror", seals, "DNS lookups are disabled (no_network)")
    try:
        chain = dkim.ARC(raw, logger=_dkimpy_log, minkey=1024, timeout=resolver.timeout)
        instances, _ = chain.sorted_arc_headers()
        if instances > MAX_INSTANCES:
            return ArcResult("fail", instances, f"more than {MAX_INSTANCES} ARC sets")
        cv, results, reason = chain.verify(dnsfunc=resolver.dkim_dnsfunc)
    except DnsTempError as exc:
        return ArcResult("temperror", seals, f"key lookup failed: {exc}")
    except Exception as exc:  # dkimpy raises DKIMException and, on odd headers, plain errors
        return ArcResult("fail", seals, f"ARC set cannot be processed: {dkimpy_reason(exc)}")
    sealers = tuple(str(r.get("as-domain", b""), "ascii", "replace") for r in results)
    # cv None means an earlier hop already recorded cv=fail: the chain is terminated, a fail.
    return ArcResult(_CV.get(cv, "fail"), instances, str(reason), sealers)
