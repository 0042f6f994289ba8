"""DMARC: alignment, policy discovery, subdomain policy, pct sampling, odd From fields."""

from __future__ import annotations

import pytest

from mailgate.dns import Resolver
from mailgate.scanners.authentication.dkim_check import DkimResult
from mailgate.scanners.authentication.dmarc import (
    DmarcRecordError,
    aligned,
    evaluate_dmarc,
    organizational_domain,
    parse_record,
)
from mailgate.scanners.authentication.spf import SpfResult
from tests.support.dns_fixtures import DnsTestZone
from tests.support.dns_server import free_port

KEY = b"<msg-1@example.test>"


def spf(result: str, domain: str) -> SpfResult:
    return SpfResult(result, domain, "mailfrom", "127.0.0.1", "client.sender.test", f"x@{domain}", "")


def sig(result: str, domain: str) -> DkimResult:
    return DkimResult(domain, "s1", "rsa-sha256", result, "")


NO_SPF = spf("none", "elsewhere.test")


def test_pass_through_spf_alignment_only(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sender.test"], spf("pass", "sender.test"), [], dns_zone.resolver(), KEY)
    assert (result.result, result.spf_aligned, result.dkim_aligned) == ("pass", True, False)
    assert (result.policy, result.applied_policy) == ("reject", "none")


def test_pass_through_dkim_alignment_only(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sender.test"], spf("fail", "sender.test"), [sig("pass", "sender.test")],
                            dns_zone.resolver(), KEY)
    assert (result.result, result.spf_aligned, result.dkim_aligned) == ("pass", False, True)


def test_forged_bank_mail_fails_with_reject(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["bank.test"], spf("pass", "cheap-host.test"), [sig("pass", "cheap-host.test")],
                            dns_zone.resolver(), KEY)
    assert (result.result, result.policy, result.applied_policy) == ("fail", "reject", "reject")
    assert result.record == "v=DMARC1; p=reject; sp=reject"


def test_p_none_fails_but_asks_for_nothing(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["lax.test"], spf("softfail", "lax.test"), [], dns_zone.resolver(), KEY)
    assert (result.result, result.policy, result.applied_policy) == ("fail", "none", "none")


def test_subdomain_without_record_uses_the_org_domain_policy(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sub.bank.test"], NO_SPF, [], dns_zone.resolver(), KEY)
    assert (result.result, result.org_domain, result.policy, result.applied_policy) == (
        "fail", "bank.test", "reject", "reject")


def test_subdomain_policy_sp_governs_subdomains(dns_zone: DnsTestZone) -> None:
    sub = evaluate_dmarc(["news.shop.test"], NO_SPF, [], dns_zone.resolver(), KEY)
    assert (sub.result, sub.policy, sub.subdomain_policy) == ("fail", "reject", "none")
    assert sub.applied_policy == "none"
    org = evaluate_dmarc(["shop.test"], NO_SPF, [], dns_zone.resolver(), KEY)
    assert (org.policy, org.applied_policy) == ("reject", "reject")


def test_relaxed_alignment_accepts_a_subdomain_of_the_same_organisation(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sender.test"], spf("pass", "mail.sender.test"),
                            [sig("pass", "mail.sender.test")], dns_zone.resolver(), KEY)
    assert (result.result, result.spf_aligned, result.dkim_aligned) == ("pass", True, True)


def test_strict_alignment_requires_the_exact_domain(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["strict.test"], spf("pass", "mail.strict.test"),
                            [sig("pass", "mail.strict.test")], dns_zone.resolver(), KEY)
    assert (result.result, result.applied_policy) == ("fail", "reject")
    exact = evaluate_dmarc(["strict.test"], spf("pass", "strict.test"), [], dns_zone.resolver(), KEY)
    assert exact.result == "pass"


def test_organisational_domain_follows_the_public_suffix_list() -> None:
    assert organizational_domain("mail.sender.test") == "sender.test"  # .test unlisted: rule "*"
    assert organizational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organizational_domain("Mail.Example.COM.") == "example.com"
    assert organizational_domain("test") == "test"
    assert aligned("mail.sender.test", "sender.test", "r")
    assert not aligned("mail.sender.test", "sender.test", "s")
    assert not aligned("sender.test.evil.test", "sender.test", "r")


def test_no_record_is_none(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["nodmarc.test"], NO_SPF, [], dns_zone.resolver(), KEY)
    assert (result.result, result.policy, result.applied_policy) == ("none", None, "none")


def test_two_records_mean_dmarc_is_not_applied(dns_zone: DnsTestZone) -> None:
    assert evaluate_dmarc(["twice.test"], NO_SPF, [], dns_zone.resolver(), KEY).result == "none"


def test_record_without_valid_policy_is_permerror(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["broken.test"], NO_SPF, [], dns_zone.resolver(), KEY)
    assert result.result == "permerror"
    assert "p=" in result.reason


def test_pct_sampling_is_deterministic_per_message(dns_zone: DnsTestZone) -> None:
    resolver = dns_zone.resolver()
    outcomes = [evaluate_dmarc(["pct.test"], NO_SPF, [], resolver, f"<{i}@pct.test>".encode()).applied_policy
                for i in range(200)]
    again = [evaluate_dmarc(["pct.test"], NO_SPF, [], resolver, f"<{i}@pct.test>".encode()).applied_policy
             for i in range(200)]
    assert outcomes == again
    assert set(outcomes) == {"reject", "quarantine"}  # outside the sample: one step milder
    assert 70 < outcomes.count("reject") < 130


def test_temperror_of_an_identity_that_could_align_is_not_a_fail(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["bank.test"], spf("temperror", "bank.test"), [], dns_zone.resolver(), KEY)
    assert (result.result, result.applied_policy) == ("temperror", "none")
    unrelated = evaluate_dmarc(["bank.test"], spf("temperror", "other.test"), [], dns_zone.resolver(), KEY)
    assert unrelated.result == "fail"


def test_record_lookup_failure_is_temperror() -> None:
    for resolver in (Resolver(no_network=True), Resolver(["127.0.0.1"], port=free_port(), timeout=0.3)):
        result = evaluate_dmarc(["bank.test"], NO_SPF, [], resolver, KEY)
        assert (result.result, result.applied_policy) == ("temperror", "none")


def test_no_from_address_is_permerror() -> None:
    result = evaluate_dmarc([], NO_SPF, [], Resolver(no_network=True), KEY)
    assert result.result == "permerror"
    assert "no From" in result.reason
    invalid = evaluate_dmarc(["", "bad domain!"], NO_SPF, [], Resolver(no_network=True), KEY)
    assert invalid.result == "permerror"


def test_several_from_domains_apply_the_strictest_failing_policy(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sender.test", "bank.test"], spf("pass", "sender.test"), [],
                            dns_zone.resolver(), KEY)
    assert (result.result, result.from_domain, result.applied_policy) == ("fail", "bank.test", "reject")
    assert "2 From domains" in result.reason


def test_same_domain_twice_is_one_author(dns_zone: DnsTestZone) -> None:
    result = evaluate_dmarc(["sender.test", "SENDER.test."], spf("pass", "sender.test"), [],
                            dns_zone.resolver(), KEY)
    assert result.result == "pass"


@pytest.mark.parametrize(("text", "expected"), [
    ("v=DMARC1; p=reject", ("reject", None, 100, "r", "r")),
    ("v=DMARC1;p=Quarantine;sp=none;pct=25;adkim=s;aspf=s", ("quarantine", "none", 25, "s", "s")),
    ("v=DMARC1; p=reject; pct=200; adkim=x; sp=bogus; rua=mailto:d@example.test", ("none", None, 100, "r", "r")),
    ("v=DMARC1; p=bogus; rua=mailto:d@example.test", ("none", None, 100, "r", "r")),
])
def test_record_parsing(text: str, expected: tuple[object, ...]) -> None:
    record = parse_record(text)
    assert (record.policy, record.subdomain_policy, record.pct, record.adkim, record.aspf) == expected


def test_record_without_policy_or_rua_is_unusable() -> None:
    with pytest.raises(DmarcRecordError):
        parse_record("v=DMARC1; adkim=s")
    with pytest.raises(DmarcRecordError):  # an invalid sp= is no policy either (RFC 7489 §6.6.3 step 6)
        parse_record("v=DMARC1; p=reject; sp=bogus")
