"""DKIM (RFC 6376) verification of every DKIM-Signature on a message, through dkimpy.

Each signature gets its own result, because DMARC only needs one that passes *and* aligns, and
because the reason a signature failed is what an administrator asks first. RFC 8301: rsa-sha1 is
never a pass (reported as `policy`), and keys shorter than 1024 bits are refused.

dkimpy folds "key not found", "DNS timeout" and "bad signature" into one False; we tell them apart
because our resolver raises DnsTempError straight through dkimpy (it only catches its own errors)
and because the key record, already in the resolver's cache, says whether a usable key exists.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import dkim
from dkim.util import parse_tag_value

from mailgate.dns import DnsTempError, Resolver
from mailgate.scanners.authentication.rawheaders import field_values

ACCEPTED_ALGORITHMS = frozenset({"rsa-sha256", "ed25519-sha256"})
MIN_KEY_BITS = 1024  # RFC 8301 §3.2
MAX_SIGNATURES = 10  # each costs a DNS query and a public-key operation

# dkimpy logs every failed signature at ERROR; the result's reason carries that information.
_dkimpy_log = logging.getLogger("mailgate.dkimpy")
_dkimpy_log.addHandler(logging.NullHandler())
_dkimpy_log.propagate = False


@dataclass(frozen=True)
class DkimResult:
    """One DKIM-Signature's outcome: pass, fail, policy, neutral, temperror or permerror."""

    domain: str
    selector: str
    algorithm: str
    result: str
    reason: str
    b: str = ""  # the first characters of b=, to tell signatures apart (RFC 6008 header.b)

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "selector": self.selector, "algorithm": self.algorithm,
                "result": self.result, "reason": self.reason, "b": self.b}


def dkimpy_reason(exc: BaseException) -> str:
    """dkimpy's messages show tags as bytes reprs (b'd'); an administrator wants plain text."""
    return re.sub(r"b'([^']*)'", r"\1", str(exc)) or type(exc).__name__


def _text(value: bytes) -> str:
    return value.decode("ascii", "replace").strip()


def _describe(signature: bytes) -> tuple[str, str, str, str]:
    """(d, s, a, b-prefix) of a DKIM-Signature value; raises on a malformed tag list."""
    tags = parse_tag_value(signature.replace(b"\r\n", b"").replace(b"\n", b""))
    b_value = re.sub(rb"\s+", b"", tags.get(b"b", b""))
    return (_text(tags.get(b"d", b"")).lower().rstrip("."), _text(tags.get(b"s", b"")),
            _text(tags.get(b"a", b"")).lower(), _text(b_value[:12]))


def verify_dkim(raw: bytes, resolver: Resolver) -> tuple[DkimResult, ...]:
    """Verify every DKIM-Signature (up to MAX_SIGNATURES, topmost first); () when unsigned.

    dkimpy parses the whole message, so it is only asked when some signature survives the checks
    that need neither DNS nor crypto (always the case offline or for rsa-sha1).
    """
    signatures = field_values(raw, "DKIM-Signature")[:MAX_SIGNATURES]
    verifier: dkim.DKIM | str | None = None
    results = []
    for index, signature in enumerate(signatures):
        try:
            domain, selector, algorithm, b_prefix = _describe(signature)
        except Exception:
            results.append(DkimResult("", "", "", "permerror", "malformed DKIM-Signature tag list"))
            continue
        outcome = _precheck(domain, selector, algorithm, resolver)
        if outcome is None:
            verifier = _load(raw, resolver) if verifier is None else verifier
            if isinstance(verifier, str):
                outcome = ("permerror", verifier)
            else:  # None from dkimpy means "not valid": is the key or the signature at fault?
                outcome = _run(verifier, index, resolver) or _why_not_valid(domain, selector, resolver)
        results.append(DkimResult(domain, selector, algorithm, outcome[0], outcome[1], b_prefix))
    return tuple(results)


def _load(raw: bytes, resolver: Resolver) -> dkim.DKIM | str:
    """dkimpy's view of the message, or why it cannot have one."""
    try:
        return dkim.DKIM(raw, logger=_dkimpy_log, minkey=MIN_KEY_BITS, timeout=resolver.timeout)
    except Exception as exc:  # dkimpy refuses header blocks it cannot split into fields
        return f"message header cannot be parsed for DKIM: {dkimpy_reason(exc)}"


def _precheck(domain: str, selector: str, algorithm: str, resolver: Resolver) -> tuple[str, str] | None:
    """Outcomes decided without DNS or crypto."""
    if not domain or not selector:
        return "permerror", "signature lacks d= or s="
    if algorithm == "rsa-sha1":
        return "policy", "rsa-sha1 signatures are not accepted (RFC 8301)"
    if algorithm not in ACCEPTED_ALGORITHMS:
        return "permerror", f"unsupported signature algorithm {algorithm or '(none)'}"
    if resolver.no_network:
        return "temperror", "DNS lookups are disabled (no_network)"
    return None


def _run(verifier: dkim.DKIM, index: int, resolver: Resolver) -> tuple[str, str] | None:
    """dkimpy's verdict on one signature; None when it only says "not valid"."""
    try:
        valid = verifier.verify(index, dnsfunc=resolver.dkim_dnsfunc)
    except DnsTempError as exc:
        return "temperror", f"key lookup failed: {exc}"
    except dkim.ValidationError as exc:
        if "body hash mismatch" in str(exc):
            return "fail", "body hash mismatch: the body was changed after signing"
        return "permerror", dkimpy_reason(exc)
    except dkim.DKIMException as exc:
        return "permerror", dkimpy_reason(exc)
    except Exception as exc:  # e.g. undecodable b= that slips past dkimpy's checks
        return "permerror", f"signature cannot be processed: {type(exc).__name__}"
    return ("pass", "") if valid else None


def _why_not_valid(domain: str, selector: str, resolver: Resolver) -> tuple[str, str]:
    """Tell a missing or unusable key (permerror) from a signature that does not match (fail)."""
    name = f"{selector}._domainkey.{domain}.".encode("ascii", "replace")
    try:
        record = resolver.dkim_dnsfunc(name, timeout=resolver.timeout)  # answered from the cache
    except DnsTempError as exc:
        return "temperror", f"key lookup failed: {exc}"
    if record is None:
        return "permerror", f"no key published at {name.decode()}"
    try:
        dkim.evaluate_pk(name, record)
    except Exception as exc:
        return "permerror", f"unusable key record: {exc}"
    return "fail", "signature does not verify with the published key"
