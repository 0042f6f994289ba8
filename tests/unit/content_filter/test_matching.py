"""Each matching kind and each attribute, as an administrator writes them."""

from __future__ import annotations

import pytest

from mailgate.config import ContentDictionary
from tests.unit.message.build import PE_EXECUTABLE, zip_of

from .helpers import condition, expression, mail, matched, scan, scanner, triggered

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def test_a_string_is_contained_case_insensitively() -> None:
    rule = scanner(expression("Invoice subject", condition("subject", "contains", "INVOICE")))
    assert triggered(scan(mail(subject="Your invoice no. 4711"), rule)) == ["Invoice subject"]
    assert scan(mail(subject="Your receipt"), rule).verdict == "clean"


def test_equals_is_the_whole_value() -> None:
    rule = scanner(expression("Exact", condition("subject", "equals", "hello")))
    assert scan(mail(subject="Hello"), rule).verdict == "violation"
    assert scan(mail(subject="Hello there"), rule).verdict == "clean"


def test_a_wildcard_is_the_whole_value_with_star_and_question_mark() -> None:
    rule = scanner(expression("Order numbers", condition("subject", "wildcard", "order ??-*")))
    assert scan(mail(subject="Order 12-7781 shipped"), rule).verdict == "violation"
    assert scan(mail(subject="Order 123-7781"), rule).verdict == "clean"
    assert scan(mail(subject="Re: Order 12-7781"), rule).verdict == "clean"


def test_a_regular_expression_is_searched_and_reports_what_matched() -> None:
    rule = scanner(expression("IBAN", condition("body", "regex", r"\bDE\d{2}(?: ?\d{4}){4} ?\d{2}\b")))
    result = scan(mail(text="Please pay to DE44 5001 0517 5407 3249 31 today."), rule)
    assert matched(result) == [("DE44 5001 0517 5407 3249 31", None)]
    assert scan(mail(text="Please pay as usual."), rule).verdict == "clean"


def test_a_text_dictionary_holds_strings_wildcards_and_regexes() -> None:
    words = ContentDictionary(name="Confidential", type="text", strings=("strictly confidential",),
                              wildcards=("project ?-*",), regexes=(r"\bcodename [A-Z]{4}\b",))
    rule = scanner(expression("Leak", condition("subject", "dictionary", dictionary="Confidential")),
                   dictionaries=(words,))
    assert scan(mail(subject="STRICTLY CONFIDENTIAL: plans"), rule).verdict == "violation"
    assert scan(mail(subject="Project X-ray"), rule).verdict == "violation"
    assert matched(scan(mail(subject="about codename ORCA"), rule)) == [("codename ORCA", None)]
    assert scan(mail(subject="lunch?"), rule).verdict == "clean"


def test_negation_means_no_value_matches() -> None:
    rule = scanner(expression("Outside sender", condition("sender", "wildcard", "*@corp.test", negate=True)))
    assert scan(mail(sender="x@partner.test"), rule, mail_from="x@partner.test").verdict == "violation"
    inside = scan(mail(sender="x@corp.test"), rule, mail_from="x@corp.test")
    assert inside.verdict == "clean"
    [detail] = scan(mail(sender="x@partner.test"), rule, mail_from="x@partner.test").details["matches"][0][
        "conditions"]
    assert detail["negate"] is True and detail["matched"] is None


@pytest.mark.parametrize(("operator", "limit", "expected"), [
    ("greater_than", 50_000, "violation"), ("greater_than", 500_000, "clean"),
    ("less_than", 500_000, "violation"), ("less_than", 50_000, "clean")])
def test_message_size_in_bytes(operator: str, limit: int, expected: str) -> None:
    raw = mail(attachments=((bytes(100_000), "data.bin", "application/octet-stream"),))
    rule = scanner(expression("Size", condition("message_size", operator, limit)))
    assert scan(raw, rule).verdict == expected


def test_attachment_size_is_per_file_and_also_inside_archives() -> None:
    rule = scanner(expression("Big file", condition("attachment_size", "greater_than", 1_000_000)))
    big_inside = zip_of({"dump.sql": bytes(2_000_000)})
    result = scan(mail(attachments=((big_inside, "db.zip", "application/zip"),)), rule)
    assert matched(result) == [("2000000 bytes", "db.zip/dump.sql")]
    assert scan(mail(attachments=((bytes(1000), "small.bin", "application/octet-stream"),)), rule).verdict == "clean"


def test_attachment_count_counts_the_message_s_attachments() -> None:
    rule = scanner(expression("Many", condition("attachment_count", "greater_than", 2)))
    three = tuple((b"x", f"{n}.txt", "text/plain") for n in range(3))
    assert matched(scan(mail(attachments=three), rule)) == [("3 attachments", None)]
    assert scan(mail(attachments=three[:2]), rule).verdict == "clean"


def test_attachment_names_are_matched_and_the_file_is_named() -> None:
    rule = scanner(expression("Spreadsheets", condition("attachment_name", "wildcard", "*.xls?")))
    result = scan(mail(attachments=((b"a,b", "Budget 2026.XLSX", "application/octet-stream"),)), rule)
    assert matched(result) == [("budget 2026.xlsx", "Budget 2026.XLSX")]
    assert result.details["matches"][0]["conditions"][0]["part_path"] == "2"


def test_attachment_types_come_from_the_bytes_not_the_name() -> None:
    rule = scanner(expression("PDF", condition("attachment_type", "equals", "application/pdf")))
    assert scan(mail(attachments=((PDF, "scan.dat", "application/octet-stream"),)), rule).verdict == "violation"
    assert scan(mail(attachments=((b"just text", "scan.pdf", "application/pdf"),)), rule).verdict == "clean"


def test_a_file_types_dictionary_matches_categories_and_explicit_types() -> None:
    types = ContentDictionary(name="Risky", type="file_types", categories=("executables",), types=("image/g*",))
    rule = scanner(expression("Risky", condition("attachment_type", "dictionary", dictionary="Risky")),
                   dictionaries=(types,))
    assert matched(scan(mail(attachments=((PE_EXECUTABLE, "tool.bin", "application/octet-stream"),)), rule)) \
        == [("executables", "tool.bin")]
    assert matched(scan(mail(attachments=((b"GIF89a" + bytes(20), "a.png", "image/png"),)), rule)) \
        == [("image/gif", "a.png")]
    assert scan(mail(attachments=((PDF, "a.pdf", "application/pdf"),)), rule).verdict == "clean"


def test_the_body_is_the_text_and_what_html_shows() -> None:
    rule = scanner(expression("Word", condition("body", "contains", "wire transfer")))
    html_only = mail(text=None, html="<p>Urgent <b>wire</b> transfer</p><!-- hidden -->")
    assert scan(html_only, rule).verdict == "violation"
    hidden = mail(text=None, html="<p>Hello</p><script>var x = 'wire transfer';</script>")
    assert scan(hidden, rule).verdict == "clean"


def test_sender_is_the_envelope_sender_and_the_from_address() -> None:
    rule = scanner(expression("Vendor", condition("sender", "equals", "billing@vendor.test")))
    assert scan(mail(sender="billing@vendor.test"), rule, mail_from="bounce@mailer.test").verdict == "violation"
    assert scan(mail(sender="x@partner.test"), rule, mail_from="billing@vendor.test").verdict == "violation"
    assert scan(mail(sender="x@partner.test"), rule, mail_from="x@partner.test").verdict == "clean"


def test_cc_recipients_and_any_header_by_name() -> None:
    cc_rule = scanner(expression("Cc board", condition("cc", "equals", "board@corp.test")))
    assert scan(mail(cc="Board <board@corp.test>"), cc_rule).verdict == "violation"
    assert scan(mail(to="board@corp.test"), cc_rule).verdict == "clean"
    header_rule = scanner(expression("Mailer", condition("header", "contains", "PHPMailer", header="x-mailer")))
    assert scan(mail(headers={"X-Mailer": "PHPMailer 6.1"}), header_rule).verdict == "violation"
    assert scan(mail(headers={"X-Other": "PHPMailer"}), header_rule).verdict == "clean"


def test_recipient_conditions_are_evaluated_per_envelope_recipient() -> None:
    rule = scanner(expression("Finance only", condition("recipient", "wildcard", "*@finance.corp.test"),
                              condition("attachment_name", "wildcard", "*.zip"), action="delete_attachment"))
    raw = mail(attachments=((b"PK\x05\x06" + bytes(18), "a.zip", "application/zip"),))
    result = scan(raw, rule, recipients=("ann@finance.corp.test", "bob@corp.test", "cy@finance.corp.test"))
    [match] = result.details["matches"]
    assert match["recipients"] == ["ann@finance.corp.test", "cy@finance.corp.test"]
    assert match["parts"] == ["2"]
    assert scan(raw, rule, recipients=("bob@corp.test",)).verdict == "clean"


def test_expressions_without_recipient_conditions_apply_to_every_recipient() -> None:
    rule = scanner(expression("Any", condition("subject", "contains", "x")))
    assert scan(mail(subject="x"), rule).details["matches"][0]["recipients"] is None


def test_all_needs_every_condition_and_any_needs_one() -> None:
    conditions = (condition("subject", "contains", "invoice"), condition("attachment_name", "wildcard", "*.zip"))
    all_rule = scanner(expression("All", *conditions))
    any_rule = scanner(expression("Any", *conditions, match="any"))
    subject_only = mail(subject="invoice")
    assert scan(subject_only, all_rule).verdict == "clean"
    assert scan(subject_only, any_rule).verdict == "violation"
    assert [c["attribute"] for c in scan(subject_only, any_rule).details["matches"][0]["conditions"]] == ["subject"]
    both = mail(subject="invoice", attachments=((b"PK\x05\x06" + bytes(18), "i.zip", "application/zip"),))
    assert scan(both, all_rule).verdict == "violation"


def test_in_an_all_expression_attachment_conditions_must_hold_for_the_same_file() -> None:
    rule = scanner(expression("Lying PDF", condition("attachment_name", "wildcard", "*.pdf"),
                              condition("attachment_type", "equals", "application/vnd.microsoft.portable-executable")))
    apart = mail(attachments=((PDF, "real.pdf", "application/pdf"),
                              (PE_EXECUTABLE, "setup.exe", "application/x-msdownload")))
    assert scan(apart, rule).verdict == "clean"
    lying = mail(attachments=((PDF, "real.pdf", "application/pdf"), (PE_EXECUTABLE, "cv.pdf", "application/pdf")))
    result = scan(lying, rule)
    assert {filename for _, filename in matched(result)} == {"cv.pdf"}
    assert result.details["matches"][0]["parts"] == []  # reject: nothing to cut out


def test_disabled_expressions_and_conditions_are_ignored() -> None:
    off = scanner(expression("Off", condition("subject", "contains", "x"), enabled=False))
    assert scan(mail(subject="x"), off).verdict == "clean"
    rule = scanner(expression("Half", condition("subject", "contains", "x"),
                              condition("subject", "contains", "never", enabled=False)))
    assert scan(mail(subject="x"), rule).verdict == "violation"
    only_disabled = scanner(expression("Nothing", condition("subject", "contains", "x", enabled=False)))
    assert scan(mail(subject="x"), only_disabled).verdict == "clean"


def test_the_strictest_action_wins_and_backup_and_headers_accumulate() -> None:
    rule = scanner(
        expression("Tag", condition("subject", "contains", "x"), action="skip",
                   set_headers={"X-Tag": "one"}, remove_headers=("X-Old",)),
        expression("Strip", condition("subject", "contains", "x"), action="delete_attachment", backup=True),
        expression("Bounce", condition("subject", "contains", "x"), action="reject",
                   set_headers={"X-Tag": "two", "X-Why": "rule"}),
    )
    result = scan(mail(subject="x", attachments=((b"1", "a.txt", "text/plain"),)), rule)
    details = result.details
    assert details["action"] == "reject"
    assert details["backup"] is True
    assert details["parts"] == []
    assert details["header_changes"] == {"remove": ["X-Old"], "set": {"X-Tag": "one", "X-Why": "rule"}}
    assert [r.test for r in result.reasons] == ["CF:Tag", "CF:Strip", "CF:Bounce"]
    assert result.score == 3


def test_delete_message_is_stricter_than_reject() -> None:
    rule = scanner(expression("R", condition("subject", "contains", "x"), action="reject"),
                   expression("D", condition("subject", "contains", "x"), action="delete_message"))
    assert scan(mail(subject="x"), rule).details["action"] == "delete_message"


def test_delete_attachment_without_a_matching_file_removes_every_attachment() -> None:
    rule = scanner(expression("Strip all", condition("subject", "contains", "[external]"), action="delete_attachment"))
    raw = mail(subject="[external] docs",
               attachments=((PDF, "a.pdf", "application/pdf"), (b"x", "b.txt", "text/plain")))
    assert scan(raw, rule).details["parts"] == ["2", "3"]


def test_every_match_explains_itself() -> None:
    rule = scanner(expression("Executables", condition("attachment_type", "equals",
                                                       "application/vnd.microsoft.portable-executable"),
                              action="delete_attachment", backup=True))
    result = scan(mail(attachments=((PE_EXECUTABLE, "report.pdf", "application/pdf"),)), rule)
    [reason] = result.reasons
    assert reason.test == "CF:Executables"
    assert "delete_attachment and Backup" in reason.description
    assert "'report.pdf' (part 2)" in reason.evidence
