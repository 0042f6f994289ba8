"""Authentication-Results (RFC 8601) written by us, and recognising ones that pretend to be ours.

The header is built with `authres` from the scanner's JSON details (so it also works on a report
read back from storage). Values that come from the message (From domain, d=, s=) are attacker
controlled: they are only written when they look like plain domain/selector tokens, and reasons
are quoted by authres, so nothing from outside can add a clause of its own.
"""

from __future__ import annotations

import re
from typing import Any

import authres
from authres.arc import ARCAuthenticationResult
from authres.core import AuthenticationResult, SPFAuthenticationResult
from authres.dkim_b import DKIMAuthenticationResult
from authres.dmarc import DMARCAuthenticationResult

from mailgate.scan.report import ScannerResult

MAX_DKIM_CLAUSES = 10
MAX_REASON = 100
HEADER_B_LENGTH = 8  # RFC 6008 §4: at least 8 characters identify a signature
_TOKEN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=]+$")
_LEADING_ID = re.compile(r'^\s*(?:\([^()]*\)\s*)*"?([^\s;()"]+)')


def _token(value: Any) -> str | None:
    text = str(value or "").strip().rstrip(".")
    return text if _TOKEN.match(text) else None


def _reason(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text[:MAX_REASON] or None


def _spf_clause(spf: dict[str, Any]) -> AuthenticationResult:
    result = str(spf.get("result") or "none")
    domain = _token(spf.get("domain"))
    clause = SPFAuthenticationResult(result=result)
    if domain and spf.get("identity") == "helo":
        clause.smtp_helo = domain
    elif domain:
        clause.smtp_mailfrom = domain
    return clause


def _dkim_clauses(signatures: list[dict[str, Any]]) -> list[AuthenticationResult]:
    if not signatures:
        return [AuthenticationResult("dkim", result="none")]
    clauses: list[AuthenticationResult] = []
    for sig in signatures[:MAX_DKIM_CLAUSES]:
        result = str(sig.get("result") or "neutral")
        reason = None if result == "pass" else _reason(sig.get("reason"))
        clause = DKIMAuthenticationResult(result=result, reason=reason)
        if domain := _token(sig.get("domain")):
            clause.header_d = domain
        if selector := _token(sig.get("selector")):
            clause.header_s = selector
        b_value = str(sig.get("b") or "")[:HEADER_B_LENGTH]
        if _BASE64.match(b_value):
            clause.header_b = b_value
        clauses.append(clause)
    return clauses


def _dmarc_clause(dmarc: dict[str, Any]) -> AuthenticationResult:
    result = str(dmarc.get("result") or "none")
    comment = None
    if dmarc.get("policy"):
        parts = [f"p={str(dmarc['policy']).upper()}"]
        if dmarc.get("subdomain_policy"):
            parts.append(f"sp={str(dmarc['subdomain_policy']).upper()}")
        parts.append(f"pct={int(dmarc.get('pct') or 0)}")
        parts.append(f"dis={str(dmarc.get('applied_policy') or 'none').upper()}")
        comment = " ".join(p for p in parts if re.fullmatch(r"[a-z]+=[A-Z0-9]+", p))
    clause = DMARCAuthenticationResult(result=result, result_comment=comment)
    if domain := _token(dmarc.get("from_domain")):
        clause.header_from = domain
    if dmarc.get("policy") and _token(dmarc.get("applied_policy")):
        clause.policy = str(dmarc["applied_policy"])  # policy.dmarc: what applies after pct (RFC 7489 §11.2)
    return clause


ARC_RESULTS = ("none", "pass", "fail")  # all RFC 8617 §2.2 defines for the `arc` method


def _arc_clause(arc: dict[str, Any]) -> AuthenticationResult:
    """Our `temperror` and `permerror` (a key that could not be fetched, a malformed set) are not `arc`
    results: a chain that could not be validated is `fail` (RFC 8617 §5.2), with the reason saying why."""
    found = str(arc.get("result") or "none")
    result = found if found in ARC_RESULTS else "fail"
    why = _reason(arc.get("reason"))
    reason = None if result in ("pass", "none") else _reason(f"{found}: {why}" if found != result else why)
    return ARCAuthenticationResult(result=result, reason=reason)


def authentication_results_value(authserv_id: str, result: ScannerResult) -> str:
    """The value of our Authentication-Results field (without the field name) for one message."""
    details = result.details
    clauses: list[AuthenticationResult] = [_spf_clause(details.get("spf") or {})]
    clauses.extend(_dkim_clauses(list(details.get("dkim") or [])))
    clauses.append(_dmarc_clause(details.get("dmarc") or {}))
    clauses.append(_arc_clause(details.get("arc") or {}))
    header = authres.AuthenticationResultsHeader(authserv_id=authserv_id, results=clauses)
    return str(header.header_value())


def is_own_authentication_results(value: str, authserv_id: str) -> bool:
    """Does this Authentication-Results value claim our authserv-id? (A forgery unless we wrote it.)

    Parsed with authres; a value it cannot parse is judged by its leading token, since a
    deliberately malformed header must not slip past the check.
    """
    try:
        claimed = str(authres.all_features().parse_value(" ".join(value.split())).authserv_id)
    except Exception:  # authres raises its own SyntaxError and, on odd input, plain errors
        match = _LEADING_ID.match(value)
        claimed = match.group(1) if match else ""
    return claimed.lower().rstrip(".") == authserv_id.lower().rstrip(".")
