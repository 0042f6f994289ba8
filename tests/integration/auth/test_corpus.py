"""Robustness on real mail: every edge-case message goes through all checks without an exception.

Reads the shared corpus beside the checkout (never copied into the repository).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailgate.dns import Resolver
from mailgate.scanners.authentication.headers import (
    authentication_results_value,
    is_own_authentication_results,
)
from mailgate.scanners.authentication.received import infer_envelope_from_headers
from mailgate.scanners.authentication.scanner import AuthenticationScanner
from mailgate.scanners.base import ScanContext
from tests.support.dns_fixtures import DnsTestZone
from tests.unit.auth.helpers import AUTHSERV_ID, load_message

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
EDGE = sorted((CORPUS / "edge").glob("*")) if (CORPUS / "edge").is_dir() else []
VERDICTS = {"pass", "fail", "none", "temperror", "permerror"}

pytestmark = pytest.mark.skipif(not EDGE, reason=f"corpus not found at {CORPUS}")


def scan_everything(path: Path, resolver: Resolver) -> None:
    raw = path.read_bytes()
    message = load_message(raw)
    envelope = infer_envelope_from_headers(message, recipients=("bob@example.test",))
    result = AuthenticationScanner(resolver).scan(message, ScanContext(envelope, AUTHSERV_ID))
    assert result.verdict in VERDICTS
    value = authentication_results_value(AUTHSERV_ID, result)
    assert is_own_authentication_results(value, AUTHSERV_ID)
    for existing in message.header_all("Authentication-Results"):
        is_own_authentication_results(existing, AUTHSERV_ID)
    if resolver.no_network:
        assert all(c.score <= 0 for c in result.reasons if c.test.endswith("TEMPERROR")), result.reasons
        assert result.details["dmarc"]["result"] != "fail", path.name


def scan_corpus(resolver: Resolver) -> list[str]:
    failures = []
    for path in EDGE:
        try:
            scan_everything(path, resolver)
        except Exception as exc:  # collect them all: one report names every file that broke
            failures.append(f"{path.name}: {exc!r}")
    return failures


def test_edge_corpus_offline() -> None:
    assert scan_corpus(Resolver(no_network=True)) == []


def test_edge_corpus_through_the_test_dns(dns_zone: DnsTestZone) -> None:
    assert scan_corpus(dns_zone.resolver(timeout=1.0)) == []
