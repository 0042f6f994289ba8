"""The Default rule: what an administrator expects before the rule table exists."""

from mailgate.config import parse_config
from mailgate.processing import group_recipients
from mailgate.report import ScannerResult, ScanReport
from mailgate.rules.decision import DELIVER, REJECT
from mailgate.rules.default_policy import decide


def report(verdict: str, dmarc: dict | None = None, recipients=("bob@example.test",)) -> ScanReport:
    auth = ScannerResult("authentication", verdict, details={"dmarc": dmarc or {}})
    return ScanReport("m1", {"bucket": "b", "key": "k"}, {"recipients": list(recipients)}, {}, (auth,))


def test_dmarc_fail_with_reject_policy_is_rejected_and_kept():
    decision = decide(report("fail", {"result": "fail", "policy": "reject", "applied_policy": "reject",
                                      "from_domain": "bank.test"}), "bob@example.test")
    assert decision.action == REJECT
    assert decision.backup
    assert "bank.test" in decision.reason
    assert decision.module == "authentication"
    assert any("DMARC for bank.test" in step for step in decision.path)


def test_pct_sampling_that_softened_the_policy_is_respected():
    decision = decide(report("fail", {"result": "fail", "policy": "reject", "applied_policy": "quarantine"}),
                      "bob@example.test")
    assert decision.action == DELIVER


def test_temporary_dns_failures_and_scanner_errors_never_reject():
    assert decide(report("temperror", {"result": "temperror", "policy": "reject"}), "x@example.test").action \
        == DELIVER
    assert decide(report("error"), "x@example.test").action == DELIVER
    assert decide(report("none", {"result": "none"}), "x@example.test").action == DELIVER


def test_recipients_split_by_destination_and_share_a_copy_within_one():
    config = parse_config('{"domains": {"example.test": {"hosts": [{"host": "a"}]},'
                          ' "other.test": {"hosts": [{"host": "b"}]}}}')
    groups = group_recipients(report("pass", {"result": "pass"},
                                     ("a@example.test", "b@other.test", "c@example.test")), config)
    assert sorted(g.recipients for g in groups) == [("a@example.test", "c@example.test"), ("b@other.test",)]


def test_only_groups_held_after_failed_delivery_count_as_delivery_failures():
    from mailgate.processing import delivery_failures

    outcomes = [{"status": "delivered"}, {"status": "backup", "backup_id": "x"},
                {"status": "backup", "error": "451 later"}, {"status": "rejected"}]
    assert delivery_failures(outcomes) == 1
