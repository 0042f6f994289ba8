"""Hostile input ends in a clear verdict: catastrophic regular expressions, bombs, deep nesting,
thousands of parts, broken encodings, lying names."""

from __future__ import annotations

import base64

from mailgate.config import ContentDictionary
from tests.unit.message.build import PE_EXECUTABLE, MiB, many_parts, zeros_zip, zip_of

from .helpers import condition, default_scanner, expression, mail, matched, scan, scanner, triggered

CATASTROPHIC = r"(a+)+$"
HEAD = b"From: a@partner.test\r\nTo: bob@corp.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
HOSTILE_BODY = "a" * 50_000 + "!"


def test_a_catastrophic_regex_on_a_long_body_times_out_and_is_reported() -> None:
    rule = scanner(expression("Backtracking", condition("body", "regex", CATASTROPHIC)),
                   expression("Plain", condition("subject", "contains", "hello")))
    result = scan(mail(subject="hello", text=HOSTILE_BODY), rule)
    assert triggered(result) == ["Plain"]  # the other expressions still decide
    [error] = result.details["errors"]
    assert error["expression"] == "Backtracking"
    assert "timed out" in error["error"]
    assert "CF_CONDITION_ERROR" in [r.test for r in result.reasons]


def test_once_the_regex_budget_is_spent_further_regexes_are_reported_not_run() -> None:
    expressions = [expression(f"Slow {n}", condition("body", "regex", CATASTROPHIC)) for n in range(12)]
    result = scan(mail(text=HOSTILE_BODY), scanner(*expressions))
    assert result.verdict == "error"  # undecided, never clean
    errors = result.details["errors"]
    assert len(errors) == 12
    assert any("budget is spent" in e["error"] for e in errors)


def test_a_timed_out_condition_never_counts_as_matched_even_when_negated() -> None:
    rule = scanner(expression("Negated", condition("body", "regex", CATASTROPHIC, negate=True)))
    result = scan(mail(text=HOSTILE_BODY), rule)
    assert result.verdict == "error"
    assert result.details["errors"]


def test_a_hostile_dictionary_regex_is_bounded_too() -> None:
    words = ContentDictionary(name="Words", type="text", regexes=(r"(x|x)*y", r"^(\w+\s?)*$"))
    rule = scanner(expression("Dict", condition("body", "dictionary", dictionary="Words")), dictionaries=(words,))
    result = scan(mail(text="x" * 40_000 + " " + "word " * 5000 + "!"), rule)
    assert result.verdict == "error"
    assert "timed out" in result.details["errors"][0]["error"]


def test_a_zip_bomb_is_listed_not_inflated_and_its_program_is_caught() -> None:
    bomb = zeros_zip("invoice.exe", 200 * MiB)
    result = scan(mail(attachments=((bomb, "invoice.zip", "application/zip"),)), default_scanner())
    assert triggered(result) == ["Executables and scripts"]
    assert result.details["parts"] == ["2"]


def test_archives_nested_beyond_the_bound_are_unscannable_not_clean() -> None:
    data = zip_of({"deep.exe": PE_EXECUTABLE})
    for level in range(8):
        data = zip_of({f"level{level}.zip": data})
    result = scan(mail(attachments=((data, "nested.zip", "application/zip"),)), default_scanner())
    assert result.verdict == "unscannable"
    assert result.details["incomplete"] is True


def test_thousands_of_parts_are_cut_at_the_parse_bound_and_still_judged() -> None:
    program = b"--x\r\nContent-Type: application/octet-stream; name=a.exe\r\n\r\nMZ\r\n"
    raw = many_parts(5000).replace(b"--x--", program + b"--x--")
    result = scan(raw, default_scanner())
    assert result.details["incomplete"] is True
    assert result.verdict == "unscannable"  # the program sits beyond the part bound: never clean
    early = many_parts(5000).replace(b"--x\r\n", program + b"--x\r\n", 1)
    assert triggered(scan(early, default_scanner())) == ["Executables and scripts"]


def test_broken_base64_still_reveals_the_program() -> None:
    encoded = base64.b64encode(PE_EXECUTABLE).decode()
    broken = "\r\n".join(encoded[i:i + 60] + "*!" for i in range(0, len(encoded), 60))
    raw = (HEAD + b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: image/png; name=cat.png\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + broken.encode() + b"\r\n--b--\r\n")
    result = scan(raw, default_scanner())
    assert matched(result) == [("executables", "cat.png")]


def test_broken_quoted_printable_is_judged() -> None:
    raw = (b"From: a@partner.test\r\nTo: bob@corp.test\r\nSubject: x\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\nwire =ZZ tr=\r\nansfer =4\r\n")
    rule = scanner(expression("Wire", condition("body", "contains", "wire =zz transfer")))
    assert scan(raw, rule).verdict == "violation"


def test_an_unnamed_part_that_lies_about_its_type_is_caught_by_its_bytes() -> None:
    raw = (HEAD + b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: text/calendar\r\n"
           b"Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode(PE_EXECUTABLE) + b"\r\n--b--\r\n")
    result = scan(raw, default_scanner())
    assert matched(result) == [("executables", "(unnamed text/calendar part 2)")]


def test_text_beyond_the_examined_length_is_unscannable_not_clean() -> None:
    rule = scanner(expression("Late word", condition("body", "contains", "needle")))
    assert scan(mail(text="x " * 600_000 + "needle"), rule).verdict == "unscannable"
    assert scan(mail(text="x " * 400_000 + "needle"), rule).verdict == "violation"


def test_a_broken_compound_file_is_reported_not_raised() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "VBA".encode("utf-16-le") + bytes(4000)
    result = scan(mail(attachments=((ole, "x.doc", "application/msword"),)), default_scanner())
    assert result.verdict == "clean"
    assert "unreadable compound file" in result.details["file_problems"][0]


def test_a_reference_to_a_missing_dictionary_is_an_error_not_a_match() -> None:
    rule = scanner(expression("Broken", condition("subject", "dictionary", dictionary="Gone"), match="any"))
    result = scan(mail(subject="anything"), rule)
    assert result.verdict == "error"
    assert result.details["errors"][0]["error"] == "unknown dictionary 'Gone'"


def test_an_all_expression_stops_at_its_first_failing_condition() -> None:
    rule = scanner(expression("Cheap first", condition("subject", "contains", "invoice"),
                              condition("body", "regex", CATASTROPHIC)))
    result = scan(mail(subject="lunch", text=HOSTILE_BODY), rule)
    assert result.verdict == "clean"
    assert result.details["errors"] == []  # the backtracking pattern never ran
