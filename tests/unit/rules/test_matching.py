"""Who a rule is for: every condition kind, case-insensitive, and directory users and nested groups."""

from __future__ import annotations

import pytest

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.matching import compile_table

from ..directory.build import dn, entry, snapshot
from .build import table


def corp() -> DirectoryIndex:
    return DirectoryIndex([snapshot(
        entry("user", "Jane Doe", "jane@example.test", "j.doe@example.test"),
        entry("user", "Zoe Zeller", "zoe@example.test"),
        entry("user", "Sam Sales", "sam@example.test"),
        entry("group", "Finance", "finance@example.test", members=(dn("Jane Doe"), dn("Board"))),
        entry("group", "Board", "board@example.test", members=(dn("Zoe Zeller"),)),
        entry("contact", "Carl Partner", "carl@supplier.test"),
        entry("group", "Suppliers", "suppliers@example.test", members=(dn("Carl Partner"),)),
    )])


def rule_for(sender: str, recipient: str = "bob@example.test", client_ip: str | None = None,
             directory: DirectoryIndex | None = None, **conditions: dict) -> str:
    return table({"name": "R", **conditions}).matches(sender, recipient, client_ip, directory)


@pytest.mark.parametrize(("senders", "sender", "expected"), [
    ({"addresses": ["Alice@Partner.test"]}, "alice@PARTNER.test", "R"),
    ({"addresses": ["alice@partner.test"]}, "alice2@partner.test", "Default"),
    ({"masks": ["a*@partner.test"]}, "anna@partner.test", "R"),
    ({"masks": ["a*@partner.test"]}, "bob@partner.test", "Default"),
    ({"masks": ["?ob@*.partner.test"]}, "BOB@mail.partner.test", "R"),
    ({"masks": ["?ob@*.partner.test"]}, "bob@partner.test", "Default"),
    ({"masks": ["*.invoice*"]}, "x@y.invoice.test", "R"),
    ({"regexes": [r"^(billing|invoices)@"]}, "Invoices@vendor.test", "R"),
    ({"regexes": [r"^(billing|invoices)@"]}, "my.invoices@vendor.test", "Default"),
    ({"domains": ["partner.test"]}, "a@partner.test", "R"),
    ({"domains": ["partner.test"]}, "a@mail.eu.partner.test", "R"),
    ({"domains": ["partner.test"], "include_subdomains": False}, "a@mail.partner.test", "Default"),
    ({"domains": ["partner.test"]}, "a@notpartner.test", "Default"),
    ({"domains": ["@Partner.Test"]}, "a@partner.test", "R"),
])
def test_sender_conditions(senders: dict, sender: str, expected: str):
    assert rule_for(sender, senders=senders) == expected


def test_networks_match_the_connecting_client_including_ipv6_and_mapped_ipv4():
    senders = {"networks": ["192.0.2.0/24", "2001:db8::/32", "203.0.113.9"]}
    assert rule_for("a@x.test", client_ip="192.0.2.200", senders=senders) == "R"
    assert rule_for("a@x.test", client_ip="192.0.3.1", senders=senders) == "Default"
    assert rule_for("a@x.test", client_ip="2001:db8:1::5", senders=senders) == "R"
    assert rule_for("a@x.test", client_ip="::ffff:203.0.113.9", senders=senders) == "R"
    assert rule_for("a@x.test", client_ip=None, senders=senders) == "Default"
    assert rule_for("a@x.test", client_ip="not-an-ip", senders=senders) == "Default"


def test_entries_of_different_kinds_are_alternatives_and_both_sides_must_match():
    conditions = {"senders": {"domains": ["partner.test"], "addresses": ["ceo@elsewhere.test"]},
                  "recipients": {"addresses": ["bob@example.test"]}}
    assert rule_for("ceo@elsewhere.test", **conditions) == "R"
    assert rule_for("x@partner.test", **conditions) == "R"
    assert rule_for("x@partner.test", "carol@example.test", **conditions) == "Default"


def test_directory_groups_match_nested_members_by_group_address_dn_or_name():
    index = corp()
    for group in ("finance@example.test", "Finance", dn("Finance").upper()):
        conditions = {"recipients": {"groups": [group]}}
        assert rule_for("a@x.test", "zoe@example.test", directory=index, **conditions) == "R", group  # via Board
        assert rule_for("a@x.test", "J.DOE@example.test", directory=index, **conditions) == "R", group
        assert rule_for("a@x.test", "sam@example.test", directory=index, **conditions) == "Default", group
    assert rule_for("a@x.test", "zoe@example.test", directory=None, recipients={"groups": ["Finance"]}) == "Default"


def test_a_directory_user_matches_by_any_of_the_accounts_addresses():
    users = {"recipients": {"users": ["jane@example.test"]}}
    assert rule_for("a@x.test", "j.doe@example.test", directory=corp(), **users) == "R"
    assert rule_for("a@x.test", "zoe@example.test", directory=corp(), **users) == "Default"
    assert rule_for("a@x.test", "jane@example.test", directory=None, **users) == "R"


def test_sender_groups_say_why_the_rule_matched():
    compiled = table({"name": "Suppliers", "senders": {"groups": ["Suppliers"]}})
    rule, why, _position = compiled.first_match("carl@supplier.test", "bob@example.test", None, corp())
    assert (rule.name, why) == ("Suppliers", "sender in group 'Suppliers'")


def test_first_enabled_matching_rule_wins_top_to_bottom():
    compiled = compile_table({"rules": [
        {"name": "Off", "enabled": False, "senders": {"domains": ["partner.test"]}},
        {"name": "Partner", "senders": {"domains": ["partner.test"]}},
        {"name": "Also partner", "senders": {"addresses": ["a@partner.test"]}},
        {"name": "Default"}]})
    assert compiled.matches("a@partner.test", "b@example.test", None) == "Partner"
    assert compiled.matches("a@other.test", "b@example.test", None) == "Default"


def test_a_mask_cannot_backtrack_on_a_hostile_address():
    compiled = table({"name": "R", "senders": {"masks": ["*a*a*a*a*a*a*a*a*b@x.test", "*a*a*a*a*a*a*a*c"]}})
    assert compiled.matches("a" * 300 + "@x.test", "b@example.test", None) == "Default"


def test_the_index_never_hides_a_rule_that_a_plain_top_to_bottom_walk_would_choose():
    from mailgate.rules.matching import Address, Lookup, parse_ip

    compiled = compile_table({"rules": [
        {"name": "exact", "senders": {"addresses": ["a@p.test"]}, "recipients": {"domains": ["example.test"]}},
        {"name": "no subdomains", "senders": {"domains": ["p.test"], "include_subdomains": False}},
        {"name": "subdomains", "senders": {"domains": ["q.test"]}},
        {"name": "literal-domain mask", "senders": {"masks": ["b?*@r.test"]}},
        {"name": "parent mask", "senders": {"masks": ["*@mx*.s.test"]}},
        {"name": "unfiled mask", "senders": {"masks": ["*x*"]}, "recipients": {"masks": ["carol@*"]}},
        {"name": "network", "senders": {"networks": ["192.0.2.0/24"]}},
        {"name": "regex", "recipients": {"regexes": ["^d"]}},
        {"name": "group", "recipients": {"groups": ["Finance"]}},
        {"name": "Default"}]})
    index = corp()
    senders = ["a@p.test", "a@sub.p.test", "z@deep.sub.q.test", "bob@r.test", "b@r.test", "n@mx1.s.test",
               "n@mx1.t.s.test", "n@s.test", "fox@w.test", "", "MAILER-DAEMON"]
    recipients = ["bob@example.test", "carol@other.test", "dave@example.test", "zoe@example.test", "j@x.test"]
    for sender in senders:
        for recipient in recipients:
            for ip in ("192.0.2.9", "198.51.100.1", None):
                lookup, parsed = Lookup(index), parse_ip(ip)
                walked = next(r.rule.name for r in compiled.rules
                              if r.matches(Address.of(sender), Address.of(recipient), parsed, lookup) is not None)
                assert compiled.matches(sender, recipient, ip, index) == walked, (sender, recipient, ip)
