"""Decisions from the rule table: modes, each module's verdict classes, the strictest action winning and
everything else accumulating, and the path an administrator reads in `mailgate explain`."""

from __future__ import annotations

import pytest

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, DELIVER, REJECT
from mailgate.rules.engine import decide
from mailgate.scan.report import ScannerResult

from ..core.test_default_policy import antivirus, content_filter_result, expression, infected_part, settings
from ..directory.build import dn, entry, snapshot
from .build import authentication, links, phishing, report, spam, table

DEFAULT = table()
BOB = "bob@example.test"


def test_a_clean_message_is_delivered_by_the_default_rule_and_the_path_says_so():
    decision = decide(report(spam("not_spam", 0.4), authentication()), BOB, DEFAULT)
    assert (decision.action, decision.backup, decision.rule, decision.module) == (DELIVER, False, "Default", None)
    assert decision.path[0] == "recipient bob@example.test matched rule 'Default' (any sender, any recipient)"
    assert decision.path[-1] == "action deliver: no module asked for anything"


@pytest.mark.parametrize(("mode", "action"), [("reject", REJECT), ("delete", DELETE), ("skip", DELIVER)])
def test_modes_other_than_scan_decide_without_looking_at_any_verdict(mode: str, action: str):
    compiled = table({"name": "Partner", "mode": mode, "senders": {"domains": ["partner.test"]},
                      "bcc": ["archive@example.test"], "set_headers": {"X-Partner": "yes"}})
    decision = decide(report(antivirus("infected", [infected_part()])), BOB, compiled)
    assert (decision.action, decision.rule, decision.module) == (action, "Partner", None)
    assert decision.bcc == ("archive@example.test",)
    assert decision.set_headers == (("X-Partner", "yes"),)
    assert any(f"mode {mode}: no module runs" in step for step in decision.path)
    assert not any("Anti-Virus" in step for step in decision.path)


def test_the_path_counts_the_rules_passed_over():
    compiled = table({"name": "Sales", "recipients": {"addresses": ["sales@example.test"]}},
                     {"name": "Off", "enabled": False})
    decision = decide(report(), BOB, compiled)
    assert decision.path[0].endswith("(any sender, any recipient), after 1 rule that did not match")


# --- Anti-Spam -----------------------------------------------------------------------------------

def test_spam_is_quarantined_probable_spam_tagged_mass_mail_delivered_blacklisted_rejected():
    held = decide(report(spam("spam", 9.1)), BOB, DEFAULT)
    assert (held.action, held.backup, held.module, held.verdict_class) == (DELETE, True, "antispam", "spam")
    assert "Anti-Spam: spam (score 9.1; BAYES_99) → delete_message + Backup" in held.path
    tagged = decide(report(spam("probable_spam", 4.0)), BOB, DEFAULT)
    assert (tagged.action, tagged.backup, tagged.subject_tags) == (DELIVER, False, ("[Probable spam]",))
    assert tagged.verdict_class == "probable_spam"
    bulk = decide(report(spam("mass_mailing", 1.0)), BOB, DEFAULT)
    assert (bulk.action, bulk.subject_tags, bulk.verdict_class) == (DELIVER, (), None)
    listed = decide(report(spam("blacklisted", 2.0)), BOB, DEFAULT)
    assert (listed.action, listed.verdict_class) == (REJECT, "blacklisted")
    assert "zen.example" in listed.reason


def test_a_rule_thresholds_reread_the_score_for_its_recipients():
    lenient = table({"name": "Sales", "recipients": {"addresses": ["sales@example.test"]},
                     "modules": {"antispam": {"spam_threshold": 12}}})
    result = report(spam("spam", 9.1))
    assert decide(result, "sales@example.test", lenient).subject_tags == ("[Probable spam]",)
    assert decide(result, BOB, lenient).action == DELETE
    newsletter = report(spam("spam", 9.1, bulk=("List-Unsubscribe",), authenticated_from="news.shop.test"))
    assert decide(newsletter, "sales@example.test", lenient).action == DELIVER
    assert decide(newsletter, "sales@example.test", lenient).subject_tags == ()
    # the same bulk headers without a DMARC pass cost a spammer two lines: still probable spam
    unauthenticated = report(spam("spam", 9.1, bulk=("List-Unsubscribe",)))
    assert decide(unauthenticated, "sales@example.test", lenient).subject_tags == ("[Probable spam]",)


def test_a_disabled_module_is_skipped_with_a_step_in_the_path():
    compiled = table({"name": "No spam filter", "modules": {"antispam": {"enabled": False}}})
    decision = decide(report(spam("spam", 20.0)), BOB, compiled)
    assert decision.action == DELIVER
    assert "Anti-Spam: disabled in this rule" in decision.path


# --- Anti-Phishing and links ----------------------------------------------------------------------

def test_phishing_is_held_and_probable_phishing_delivered_with_a_warning_and_tag():
    held = decide(report(phishing("phishing", 8.0)), BOB, DEFAULT)
    assert (held.action, held.backup, held.verdict_class) == (DELETE, True, "phishing")
    warned = decide(report(phishing("probable_phishing", 5.0)), BOB, DEFAULT)
    assert (warned.action, warned.insecure_warning, warned.subject_tags) == (DELIVER, True, ("[Suspicious]",))
    compiled = table({"name": "Strict", "modules": {"antiphishing": {"phishing_threshold": 4.5}}})
    assert decide(report(phishing("probable_phishing", 5.0)), BOB, compiled).verdict_class == "phishing"


@pytest.mark.parametrize("verdict", ["malicious_link", "phishing_link"])
def test_dangerous_links_hold_the_message(verdict: str):
    decision = decide(report(links(verdict)), BOB, DEFAULT)
    assert (decision.action, decision.backup, decision.module, decision.verdict_class) == \
        (DELETE, True, "links", verdict)
    assert decide(report(links("clean")), BOB, DEFAULT).action == DELIVER


# --- Mail Sender Authentication -------------------------------------------------------------------

def failing(applied: str = "reject", spf: str = "fail", dkim: tuple[str, ...] = ("fail",)) -> ScannerResult:
    return authentication({"result": "fail", "policy": "reject", "applied_policy": applied,
                           "from_domain": "bank.test"}, spf=spf, dkim=dkim)


def test_dmarc_policy_is_applied_and_dmarc_is_primary_by_default():
    decision = decide(report(failing()), BOB, DEFAULT)
    assert (decision.action, decision.backup, decision.verdict_class) == (REJECT, True, "dmarc_reject")
    assert "DMARC result is primary: SPF and DKIM are not judged on their own" in decision.path
    assert not any(step.startswith("Mail Sender Authentication: spf_fail") for step in decision.path)
    assert decide(report(failing("quarantine")), BOB, DEFAULT).action == DELIVER


def test_without_the_dmarc_policy_a_failure_is_dmarc_fail_with_its_own_action():
    compiled = table({"name": "Own", "modules": {"authentication": {
        "apply_dmarc_policy": False, "dmarc_fail": {"action": "delete_message", "backup": True}}}})
    decision = decide(report(failing()), BOB, compiled)
    assert (decision.action, decision.verdict_class) == (DELETE, "dmarc_fail")


def test_spf_and_dkim_are_judged_when_dmarc_is_not_primary_and_temperror_only_when_asked():
    options = {"dmarc_primary": False, "spf_fail": {"subject_tag": "[SPF]"},
               "dkim_fail": {"set_headers": {"X-DKIM": "fail"}}}
    compiled = table({"name": "Auth", "modules": {"authentication": options}})
    decision = decide(report(failing()), BOB, compiled)
    assert decision.action == REJECT
    assert (decision.subject_tags, decision.set_headers) == (("[SPF]",), (("X-DKIM", "fail"),))
    dns_trouble = report(authentication({"result": "temperror", "from_domain": "bank.test"}, spf="temperror"))
    assert decide(dns_trouble, BOB, compiled).subject_tags == ()
    strict = table({"name": "Auth", "modules": {"authentication": {**options, "temperror_is_violation": True}}})
    strict_decision = decide(dns_trouble, BOB, strict)
    assert strict_decision.subject_tags == ("[SPF]",)
    assert any("dmarc_fail" in step for step in strict_decision.path)


def test_a_passing_dkim_signature_means_no_dkim_violation():
    compiled = table({"name": "Auth", "modules": {"authentication": {
        "dmarc_primary": False, "dkim_fail": {"action": "reject"}}}})
    assert decide(report(authentication(spf="pass", dkim=("fail", "pass"))), BOB, compiled).action == DELIVER
    assert decide(report(authentication(spf="pass", dkim=("fail",))), BOB, compiled).action == REJECT


# --- Anti-Virus and Content Filtering --------------------------------------------------------------

def test_infected_attachments_are_removed_when_the_rule_says_so_and_only_they_carry_threats():
    compiled = table({"name": "Strip", "modules": {"antivirus": {"infected": {
        "action": "delete_attachment", "backup": True, "notify": ["administrator"]}}}})
    removable = report(antivirus("infected", [infected_part("3", "tool.exe")], removable=True))
    decision = decide(removable, BOB, compiled)
    assert (decision.action, [r.filename for r in decision.removals]) == (DELETE_ATTACHMENT, ["tool.exe"])
    assert decision.notifications == (("administrator", "infected"),)
    in_body = decide(report(antivirus("infected", [infected_part()], removable=False)), BOB, compiled)
    assert (in_body.action, in_body.removals) == (DELETE, ())


def test_content_filter_expressions_can_be_chosen_by_name_per_rule():
    recipients = (BOB,)
    cf = content_filter_result(settings(expression("hold", "delete_message", backup=True),
                                        expression("tag", "skip", set_headers={"X-Exe": "yes"})), recipients)
    only_tag = table({"name": "Tag only", "modules": {"content_filter": {"expressions": ["TAG"]}}})
    decision = decide(report(cf), BOB, only_tag)
    assert (decision.action, decision.set_headers) == (DELIVER, (("X-Exe", "yes"),))
    assert decide(report(cf), BOB, DEFAULT).action == DELETE


# --- combining -----------------------------------------------------------------------------------

def test_the_strictest_action_wins_and_tags_headers_backup_and_notifications_accumulate():
    compiled = table({"name": "All", "remove_headers": ["X-Internal"], "set_headers": {"X-Rule": "All"},
                      "bcc": ["audit@example.test"], "modules": {
                          "antispam": {"probable_spam": {"subject_tag": "[Spam?]", "notify": ["recipients"],
                                                         "set_headers": {"X-Rule": "spam wins"}}},
                          "antiphishing": {"probable_phishing": {"action": "reject", "insecure_warning": True,
                                                                 "notify": ["administrator"]}},
                          "links": {"phishing_link": {"action": "skip", "backup": True,
                                                      "remove_headers": ["X-Tracking"]}}}})
    decision = decide(report(spam("probable_spam", 4.0), phishing("probable_phishing", 5.0), links("phishing_link")),
                      BOB, compiled)
    assert (decision.action, decision.module, decision.verdict_class) == (REJECT, "antiphishing", "probable_phishing")
    assert decision.backup  # asked for by link scanning, which did not decide the action
    assert decision.subject_tags == ("[Spam?]",)
    assert decision.insecure_warning
    assert decision.notifications == (("administrator", "probable_phishing"), ("recipients", "probable_spam"))
    assert decision.remove_headers == ("x-tracking", "x-internal")
    assert decision.set_headers == (("X-Rule", "spam wins"),)
    assert decision.bcc == ("audit@example.test",)
    assert any("the strictest, reject from antiphishing, wins" in step for step in decision.path)
    assert decision.signature() != decide(report(spam("probable_spam", 4.0)), BOB, compiled).signature()
    as_dict = decision.to_dict()
    assert as_dict["notifications"][0] == {"to": "administrator", "verdict_class": "probable_phishing"}
    assert as_dict["subject_tags"] == ["[Spam?]"] and as_dict["bcc"] == ["audit@example.test"]


def test_recipients_under_different_rules_get_different_decisions():
    directory = DirectoryIndex([snapshot(
        entry("user", "Sam Sales", "sam@example.test"),
        entry("group", "Sales", "sales@example.test", members=(dn("Sam Sales"),)))])
    compiled = table({"name": "Sales gets probable spam", "recipients": {"groups": ["Sales"]},
                      "modules": {"antispam": {"spam": {"subject_tag": "[Spam]"}}}})
    scanned = report(spam("spam", 8.0), recipients=("sam@example.test", BOB))
    sam, bob = (decide(scanned, r, compiled, directory) for r in ("sam@example.test", BOB))
    assert (sam.rule, sam.action, sam.subject_tags) == ("Sales gets probable spam", DELIVER, ("[Spam]",))
    assert sam.path[0] == ("recipient sam@example.test matched rule 'Sales gets probable spam' "
                           "(recipient in group 'Sales')")
    assert (bob.rule, bob.action) == ("Default", DELETE)
    assert sam.signature() != bob.signature()


def test_every_field_that_changes_the_copy_separates_recipients_and_explanations_do_not() -> None:
    import msgspec

    from mailgate.rules.decision import Decision, PartRemoval

    base = Decision(action="deliver", backup=False, rule="Default", reason="clean")
    changed = {"action": "reject", "backup": True, "rule": "Other", "reason": "spam",
               "removals": (PartRemoval("2", "a.exe", "executable"),), "remove_headers": ("x-a",),
               "set_headers": (("X-A", "1"),), "subject_tags": ("[Spam]",), "insecure_warning": True,
               "notifications": (("administrator", "spam"),), "bcc": ("archive@example.test",),
               "disclaimer": "legal", "hold_minutes": 30,
               "module": "antispam", "verdict_class": "spam", "path": ("a step",)}
    explanations = {"module", "verdict_class", "path"}
    assert set(changed) == set(Decision.__struct_fields__)  # a new field needs a line here
    for name, value in changed.items():
        other = msgspec.structs.replace(base, **{name: value})
        assert (other.signature() == base.signature()) == (name in explanations), name


def test_a_blocklisted_verdict_without_its_hits_is_decided_not_a_crash():
    listed = ScannerResult("antispam", "blacklisted", 9.0, (), {"blocklists": "unexpected"})
    decision = decide(report(listed, authentication()), BOB, DEFAULT)
    assert decision.module == "antispam" and decision.verdict_class == "blacklisted"
