"""Content Filtering fails closed: a condition that could not be evaluated is `error`, content it could
not see is `unscannable`, never `clean`; the rule table holds both in Backup by default and lets the
administrator choose otherwise per rule (issue 12 items 12, 21)."""

from __future__ import annotations

import base64

from mailgate.config import ContentDictionary
from mailgate.rules.decision import DELETE, DELIVER, REJECT
from mailgate.rules.engine import decide
from mailgate.scan.report import ScannerResult
from tests.unit.message.build import PE_EXECUTABLE, many_parts, zip_of
from tests.unit.rules.build import report, table

from .helpers import condition, default_scanner, expression, mail, scan, scanner, triggered

CATASTROPHIC = r"(a+)+$"
HOSTILE_BODY = "a" * 50_000 + "!"
LONG_BODY = "x " * 600_000  # 1,200,000 characters: beyond the 1,000,000 examined


def nested(levels: int) -> bytes:
    data = zip_of({"invoice.exe": PE_EXECUTABLE})
    for level in range(levels - 1):
        data = zip_of({f"level{level}.zip": data})
    return mail(attachments=((data, "invoice.zip", "application/zip"),))


def undecided(result: ScannerResult) -> list[tuple[str, str]]:
    return [(u["expression"], u["reason"]) for u in result.details["undecided"]]


# --- conditions that cannot be evaluated ------------------------------------------------------

def test_a_timed_out_regex_is_an_error_verdict_plain_or_negated():
    for negate in (False, True):
        result = scan(mail(text=HOSTILE_BODY),
                      scanner(expression("Slow", condition("body", "regex", CATASTROPHIC, negate=negate))))
        assert result.verdict == "error", negate
        assert undecided(result) == [("Slow", "error")]
        assert "CF_UNDECIDED_ERROR" in [r.test for r in result.reasons]


def test_an_undecided_condition_is_decided_by_the_others_when_they_can():
    any_true = expression("Any", condition("body", "regex", CATASTROPHIC),
                          condition("subject", "contains", "figures"), match="any")
    all_false = expression("All", condition("body", "regex", CATASTROPHIC),
                           condition("subject", "contains", "lunch"))
    result = scan(mail(subject="Quarterly figures", text=HOSTILE_BODY), scanner(any_true, all_false))
    assert triggered(result) == ["Any"]  # one true condition decides "any"
    assert undecided(result) == []  # one false condition decides "all", even after the timeout
    assert result.verdict == "violation"


def test_a_dictionary_entry_that_times_out_does_not_hide_a_later_match():
    words = ContentDictionary(name="Words", type="text", regexes=(CATASTROPHIC,), strings=("aaaa",))
    rule = scanner(expression("Dict", condition("body", "dictionary", dictionary="Words")), dictionaries=(words,))
    assert scan(mail(text=HOSTILE_BODY), rule).verdict == "violation"


# --- content not seen -------------------------------------------------------------------------

def test_text_beyond_the_examined_length_is_unscannable_for_every_matcher():
    for name, tested in (("contains", condition("body", "contains", "needle")),
                         ("wildcard", condition("body", "wildcard", "*needle*")),
                         ("regex", condition("body", "regex", "need+le")),
                         ("negated", condition("body", "contains", "needle", negate=True))):
        result = scan(mail(text=LONG_BODY + "needle"), scanner(expression(name, tested)))
        assert result.verdict == "unscannable", name
        assert undecided(result) == [(name, "unseen")]


def test_a_match_within_the_examined_length_decides_a_long_text():
    result = scan(mail(text="needle " + LONG_BODY), scanner(expression("Early", condition("body", "contains",
                                                                                          "needle"))))
    assert result.verdict == "violation"
    equals = scan(mail(text=LONG_BODY), scanner(expression("Eq", condition("body", "equals", "short"))))
    assert equals.verdict == "clean"  # a value longer than examined cannot equal a short one: decided


def test_a_program_beyond_the_archive_nesting_limit_is_unscannable_one_level_deep_a_violation():
    assert triggered(scan(nested(1), default_scanner())) == ["Executables and scripts"]
    deep = scan(nested(5), default_scanner())
    assert deep.verdict == "unscannable"
    assert ("Executables and scripts", "unseen") in undecided(deep)
    assert "archive_cut" in deep.details["undecided"][0]["detail"]


def test_parts_beyond_the_part_limit_leave_attachment_expressions_unscannable_not_size_ones():
    big = expression("Big", condition("message_size", "greater_than", 50_000_000))
    result = scan(many_parts(600), scanner(expression("Programs", condition("attachment_type", "wildcard",
                                                                             "application/*")), big))
    assert result.verdict == "unscannable"
    assert undecided(result) == [("Programs", "unseen")]  # the size of the message was seen whole


def test_a_content_type_after_the_header_limit_is_unscannable_not_clean():
    fillers = "".join(f"X-Note-{n}: filler\r\n" for n in range(1000)).encode()
    raw = (b"From: a@partner.test\r\nTo: bob@corp.test\r\nSubject: invoice\r\n" + fillers
           + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
           + b"--b\r\nContent-Type: application/octet-stream; name=invoice.exe\r\n"
           + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PE_EXECUTABLE) + b"--b--\r\n")
    assert scan(raw, default_scanner()).verdict == "unscannable"


def test_cuts_that_hide_nothing_the_filter_tests_leave_it_clean():
    urls = " ".join(f"https://host{n}.example/" for n in range(2100))  # beyond the 2,000 URLs collected
    assert scan(mail(text=urls), default_scanner()).verdict == "clean"
    assert scan(many_parts(600), scanner()).verdict == "clean"  # no expression: nothing to decide


# --- the rule table ---------------------------------------------------------------------------

def decision_for(result: ScannerResult, *rules: dict[str, object]):
    return decide(report(result, recipients=("bob@corp.test",)), "bob@corp.test", table(*rules))


def test_the_default_rule_holds_undecided_mail_in_backup():
    for result, verdict_class in ((scan(mail(text=HOSTILE_BODY), scanner(expression(
            "Slow", condition("body", "regex", CATASTROPHIC)))), "error"),
            (scan(nested(5), default_scanner()), "unscannable")):
        decision = decision_for(result)
        assert (decision.action, decision.backup) == (DELETE, True)
        assert (decision.module, decision.verdict_class) == ("content_filter", verdict_class)


def test_a_rule_may_choose_another_action_or_leave_the_expression_out():
    result = scan(nested(5), default_scanner())
    deliver = decision_for(result, {"name": "Trusting", "modules": {"content_filter": {
        "unscannable": {"action": "skip", "subject_tag": "[Not fully scanned]"}}}})
    assert deliver.action == DELIVER and deliver.subject_tags == ("[Not fully scanned]",)
    unchosen = decision_for(result, {"name": "Other", "modules": {"content_filter": {"expressions": ["Other"]}}})
    assert unchosen.action == DELIVER


def test_a_violation_does_not_hide_an_undecided_expression():
    rule = scanner(expression("Tag", condition("subject", "contains", "figures"), action="skip",
                              set_headers={"X-Tag": "1"}),
                   expression("Slow", condition("body", "regex", CATASTROPHIC)))
    result = scan(mail(subject="Quarterly figures", text=HOSTILE_BODY), rule)
    assert result.verdict == "violation"
    decision = decision_for(result)
    assert (decision.action, decision.verdict_class) == (DELETE, "error")
    rejecting = decision_for(result, {"name": "Reject", "modules": {"content_filter": {
        "error": {"action": "reject"}}}})
    assert rejecting.action == REJECT
