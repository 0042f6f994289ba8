"""The authentication scanner end to end: verdict, named contributions, details, offline mode."""

from __future__ import annotations

import json
from typing import Any

from mailgate.delivery.dkim_signing import sign_message
from mailgate.dns import Resolver
from mailgate.scan.report import ScannerResult
from mailgate.scanners.authentication.headers import authentication_results_value
from mailgate.scanners.authentication.scanner import AuthenticationScanner
from mailgate.scanners.authentication.scoring import TESTS
from mailgate.scanners.base import Scanner
from tests.support.dns_fixtures import DnsTestZone
from tests.unit.auth.helpers import AUTHSERV_ID, context, load_message, plain_message


def default_rule_rejects(result: ScannerResult) -> bool:
    """The lead's default rule, as documented in the brief."""
    dmarc: dict[str, Any] = result.details["dmarc"]
    return dmarc["result"] == "fail" and dmarc["applied_policy"] == "reject"


def fired(result: ScannerResult) -> list[str]:
    return [c.test for c in result.reasons]


def test_scanner_satisfies_the_scanner_protocol() -> None:
    scanner: Scanner = AuthenticationScanner(Resolver(no_network=True))
    assert scanner.name == "authentication"


def test_legitimate_signed_mail_from_this_machine_passes(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("sender.test", "s1")
    raw = sign_message(plain_message(), "sender.test", "s1", key.private_pem)
    result = AuthenticationScanner(dns_zone.resolver()).scan(load_message(raw), context())
    assert result.verdict == "pass"
    assert fired(result) == ["SPF_PASS", "DKIM_VALID_ALIGNED", "DMARC_PASS"]
    assert result.score < 0
    assert not default_rule_rejects(result)
    assert result.details["dkim"][0]["result"] == "pass"
    assert result.details["dmarc"]["alignment"] == {"spf": True, "dkim": True}


def test_forged_bank_mail_is_rejected_by_the_default_rule(dns_zone: DnsTestZone) -> None:
    raw = plain_message(from_addr="Bank Security <security@bank.test>", message_id="<x@bank.test>")
    result = AuthenticationScanner(dns_zone.resolver()).scan(
        load_message(raw), context(client_ip="127.0.0.1", mail_from="bounce@sender.test"))
    assert result.verdict == "fail"
    assert "DMARC_FAIL_REJECT" in fired(result)
    assert result.score > 2
    assert default_rule_rejects(result)
    assert result.details["dmarc"]["from_domain"] == "bank.test"
    assert result.details["spf"]["result"] == "pass"  # SPF passed, but for sender.test: not aligned


def test_forgery_of_a_p_none_domain_is_scored_but_not_rejected(dns_zone: DnsTestZone) -> None:
    raw = plain_message(from_addr="news@lax.test")
    result = AuthenticationScanner(dns_zone.resolver()).scan(
        load_message(raw), context(client_ip="192.0.2.1", mail_from="news@lax.test"))
    assert (result.verdict, result.details["dmarc"]["applied_policy"]) == ("fail", "none")
    assert fired(result) == ["SPF_SOFTFAIL", "DMARC_FAIL_NONE"]
    assert not default_rule_rejects(result)


def test_no_network_scores_nothing_as_bad(dns_zone: DnsTestZone) -> None:
    raw = sign_message(plain_message(from_addr="security@bank.test"), "bank.test", "s1",
                       dns_zone.key("bank.test", "s1").private_pem)
    result = AuthenticationScanner(Resolver(no_network=True)).scan(load_message(raw), context())
    assert result.verdict == "temperror"
    assert result.details["spf"]["result"] == "temperror"
    assert [d["result"] for d in result.details["dkim"]] == ["temperror"]
    assert result.details["arc"]["result"] == "none"
    assert result.score == 0
    assert all(c.score == 0 for c in result.reasons)
    assert not default_rule_rejects(result)


def test_message_without_from_is_permerror_and_not_rejected() -> None:
    raw = b"To: bob@example.test\r\nSubject: hi\r\n\r\nbody\r\n"
    result = AuthenticationScanner(Resolver(no_network=True)).scan(load_message(raw), context(client_ip=None))
    assert result.verdict == "permerror"
    assert result.details["spf"]["result"] == "none"
    assert not default_rule_rejects(result)


def test_details_are_json_and_feed_the_authentication_results_header(dns_zone: DnsTestZone) -> None:
    key = dns_zone.key("example.test", "ed1")
    raw = sign_message(plain_message(from_addr="ceo@example.test"), "example.test", "ed1",
                       key.private_pem, "ed25519-sha256")
    result = AuthenticationScanner(dns_zone.resolver()).scan(
        load_message(raw),
        context(client_ip="192.0.2.55", mail_from="ceo@example.test", helo="mail.example.test"))
    assert json.loads(json.dumps(result.to_dict()))["details"] == result.details
    assert set(result.details) == {"spf", "dkim", "dmarc", "arc"}
    assert set(result.details["spf"]) >= {"result", "domain", "client_ip", "helo", "explanation"}
    assert set(result.details["dkim"][0]) >= {"domain", "selector", "algorithm", "result", "reason"}
    assert set(result.details["dmarc"]) >= {"result", "from_domain", "org_domain", "policy", "record",
                                            "subdomain_policy", "pct", "applied_policy", "alignment"}
    assert set(result.details["arc"]) >= {"result", "instances", "reason"}
    value = authentication_results_value(AUTHSERV_ID, result)
    assert "spf=pass smtp.mailfrom=example.test" in value
    assert "dkim=pass header.d=example.test header.s=ed1" in value
    assert "dmarc=pass" in value


def test_every_contribution_is_a_named_test_from_the_table(dns_zone: DnsTestZone) -> None:
    raw = plain_message(from_addr="x@bank.test")
    scanner = AuthenticationScanner(dns_zone.resolver())
    result = scanner.scan(load_message(raw), context(client_ip="203.0.113.1"))
    assert result.reasons
    for contribution in result.reasons:
        test = TESTS[contribution.test]
        assert (contribution.score, contribution.description) == (test.weight, test.description)
        assert contribution.evidence
    assert result.score == round(sum(c.score for c in result.reasons), 3)



def test_pct_sampling_is_drawn_per_scan_not_from_the_message_id(dns_zone: DnsTestZone) -> None:
    """A forger sends one Message-ID every time: with pct=50 the policy must still apply to about half.
    pct=0 and pct=100 are exact: never, always (outside the sample, p=reject becomes quarantine)."""
    scanner = AuthenticationScanner(dns_zone.resolver())

    def applied(domain: str) -> list[str]:
        raw = plain_message(from_addr=f"Billing <billing@{domain}>", message_id="<always-the-same@forger.test>")
        return [scanner.scan(load_message(raw), context(mail_from=f"billing@{domain}")).details["dmarc"]
                ["applied_policy"] for _ in range(60)]

    half = applied("pct.test")
    assert 10 <= half.count("reject") <= 50, half  # binomial(60, 0.5) leaves this range with p < 1e-7
    assert set(half) == {"reject", "quarantine"}
    assert set(applied("pct0.test")) == {"quarantine"}
    assert set(applied("pct100.test")) == {"reject"}
