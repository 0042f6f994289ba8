"""Authentication-Results: what we write parses back; what claims to be ours is caught."""

from __future__ import annotations

import authres
import pytest

from mailgate.scan.report import ScannerResult
from mailgate.scanners.authentication.headers import (
    authentication_results_value,
    is_own_authentication_results,
)
from tests.unit.auth.helpers import AUTHSERV_ID


def scanner_result(**overrides: object) -> ScannerResult:
    details = {
        "spf": {"result": "pass", "domain": "sender.test", "identity": "mailfrom", "client_ip": "127.0.0.1",
                "helo": "client.sender.test", "explanation": "sender SPF authorized"},
        "dkim": [{"domain": "sender.test", "selector": "s1", "algorithm": "rsa-sha256", "result": "pass",
                  "reason": "", "b": "dGhpc2lzYmFzZTY0"},
                 {"domain": "old.test", "selector": "k", "algorithm": "rsa-sha1", "result": "policy",
                  "reason": "rsa-sha1 signatures are not accepted (RFC 8301)", "b": "QUJDRA=="}],
        "dmarc": {"result": "pass", "from_domain": "sender.test", "org_domain": "sender.test",
                  "policy": "reject", "subdomain_policy": None, "pct": 100, "applied_policy": "none",
                  "alignment": {"spf": True, "dkim": True}, "record": "v=DMARC1; p=reject"},
        "arc": {"result": "none", "instances": 0, "reason": "message is not ARC sealed"},
    }
    details.update(overrides)
    return ScannerResult("authentication", "pass", -2.5, (), details)


def parsed(value: str) -> dict[str, list[authres.core.AuthenticationResult]]:
    header = authres.all_features().parse_value(value)
    assert header.authserv_id == AUTHSERV_ID
    by_method: dict[str, list[authres.core.AuthenticationResult]] = {}
    for result in header.results:
        by_method.setdefault(result.method, []).append(result)
    return by_method


def test_value_parses_back_with_every_method() -> None:
    value = authentication_results_value(AUTHSERV_ID, scanner_result())
    results = parsed(value)
    assert results["spf"][0].result == "pass"
    assert results["spf"][0].smtp_mailfrom == "sender.test"
    first, second = results["dkim"]
    assert (first.result, first.header_d, first.header_s, first.header_b) == ("pass", "sender.test", "s1",
                                                                               "dGhpc2lz")
    assert (second.result, second.header_d) == ("policy", "old.test")
    assert "RFC 8301" in second.reason
    assert results["dmarc"][0].result == "pass"
    assert results["dmarc"][0].header_from == "sender.test"
    assert results["dmarc"][0].policy == "none"
    assert results["arc"][0].result == "none"


def test_dmarc_failure_carries_the_applied_policy() -> None:
    dmarc = {"result": "fail", "from_domain": "bank.test", "org_domain": "bank.test", "policy": "reject",
             "subdomain_policy": "reject", "pct": 100, "applied_policy": "reject",
             "alignment": {"spf": False, "dkim": False}, "record": "v=DMARC1; p=reject; sp=reject"}
    value = authentication_results_value(AUTHSERV_ID, scanner_result(dmarc=dmarc, dkim=[]))
    assert "dmarc=fail (p=REJECT sp=REJECT pct=100 dis=REJECT) header.from=bank.test" in value
    results = parsed(value)
    assert results["dmarc"][0].policy == "reject"
    assert results["dkim"][0].result == "none"


def test_null_sender_reports_the_helo_identity() -> None:
    spf = {"result": "pass", "domain": "client.sender.test", "identity": "helo"}
    results = parsed(authentication_results_value(AUTHSERV_ID, scanner_result(spf=spf)))
    assert results["spf"][0].smtp_helo == "client.sender.test"


def test_values_from_the_message_cannot_inject_clauses() -> None:
    hostile_dkim = [{"domain": "evil.test; dmarc=pass", "selector": "s (x)", "result": "fail",
                     "reason": 'bad "quote"; dmarc=pass', "b": "x;y"}]
    hostile_dmarc = {"result": "fail", "from_domain": "bank.test; dmarc=pass header.from=bank.test",
                     "policy": "reject", "applied_policy": "reject", "pct": 100}
    value = authentication_results_value(AUTHSERV_ID, scanner_result(dkim=hostile_dkim, dmarc=hostile_dmarc))
    results = parsed(value)
    assert [r.result for r in results["dmarc"]] == ["fail"]
    assert results["dmarc"][0].header_from is None
    assert results["dkim"][0].header_d is None


def test_result_read_back_from_json_works() -> None:
    stored = ScannerResult.from_dict(scanner_result().to_dict())
    assert authentication_results_value(AUTHSERV_ID, stored) == authentication_results_value(
        AUTHSERV_ID, scanner_result())


@pytest.mark.parametrize(("value", "ours"), [
    (f"{AUTHSERV_ID}; spf=pass smtp.mailfrom=bank.test", True),
    ("MX.MailGate.TEST; dkim=pass header.d=bank.test", True),
    (f"{AUTHSERV_ID} 1; dmarc=pass", True),
    (f"(forged) {AUTHSERV_ID}; none", True),
    (f"{AUTHSERV_ID}; this is not ( valid", True),  # unparseable: judged by its leading token
    (f"  {AUTHSERV_ID}(comment);garbage", True),
    ("mx.google.com; spf=pass smtp.mailfrom=bank.test", False),
    ("mx.mailgate.test.evil.test; spf=pass", False),
    ("", False),
])
def test_own_authserv_id_is_recognised(value: str, ours: bool) -> None:
    assert is_own_authentication_results(value, AUTHSERV_ID) is ours


@pytest.mark.parametrize("found", ["temperror", "permerror"])
def test_arc_reports_only_results_rfc_8617_defines(found: str) -> None:
    value = authentication_results_value(AUTHSERV_ID, scanner_result(
        arc={"result": found, "instances": 1, "reason": "key lookup failed"}))
    [arc] = parsed(value)["arc"]
    assert arc.result == "fail" and f"{found}: key lookup failed" in str(arc.reason)
