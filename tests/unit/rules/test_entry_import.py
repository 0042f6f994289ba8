"""Lists imported from text: every kind recognised, every bad line named, large files fast."""

from __future__ import annotations

from mailgate.rules.entry_import import parse_entries

EXPORT = """\ufeff# exported from the old gateway\r
alice@partner.test\r
"*@news.partner.test"\r
@Vendor.test\r
198.51.100.0/24\r
/^billing\\d+@bank\\.test$/\r
user:carol@example.test\r
group:Sales\r
\r
alice@partner.test\r
"""


def test_every_kind_is_recognised_and_duplicates_dropped() -> None:
    found = parse_entries(EXPORT)
    assert found.problems == []
    assert found.entries == {"addresses": ["alice@partner.test"], "masks": ["*@news.partner.test"],
                             "domains": ["vendor.test"], "networks": ["198.51.100.0/24"],
                             "regexes": [r"^billing\d+@bank\.test$"], "users": ["carol@example.test"],
                             "groups": ["Sales"]}
    assert found.count == 7


def test_bad_lines_are_named_by_number() -> None:
    found = parse_entries("ok@partner.test\nnot an entry\n10.0.0.0/33\ngroup:\n/[unclosed/\nuser:alice\n//\n"
                          "ok@partner.test,second column\n*\n")
    assert [number for number, _ in found.problems] == [2, 3, 4, 5, 6, 7, 9]
    assert "10.0.0.0/33" in found.problems[1][1]
    assert "not a usable regular expression" in found.problems[3][1]
    assert "e-mail address" in found.problems[4][1]
    assert found.entries == {"addresses": ["ok@partner.test"]}


def test_a_list_may_refuse_kinds_it_has_no_use_for() -> None:
    found = parse_entries("/x/\ngroup:Sales\npartner.test\n", kinds=("address", "mask", "domain", "network"))
    assert [n for n, _ in found.problems] == [1, 2] and found.entries == {"domains": ["partner.test"]}


def test_ten_thousand_lines_all_arrive_in_order_once() -> None:
    text = "\n".join(f"contact{i}@partner{i % 100}.test" for i in range(10_000)) + "\ncontact5@partner5.test"
    found = parse_entries(text)
    assert found.count == 10_000 and found.entries["addresses"][-1] == "contact9999@partner99.test"
