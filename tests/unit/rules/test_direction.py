"""Rules that tell direction (issue 18): a rule with `direction` matches only mail of that direction; the
Default rule decides outbound mail with its own outbound actions (spam held, probable spam sent, phishing and
authentication not judged: they are about senders from outside); the table refuses a directed Default rule and
outbound actions on any other rule."""

from __future__ import annotations

import msgspec
import pytest

from mailgate.rules.decision import DELETE, DELIVER
from mailgate.rules.engine import decide
from mailgate.rules.matching import compile_table
from mailgate.rules.table import validate_table
from mailgate.scan.envelope import Envelope

from .build import authentication, phishing, report, spam, table

OUTSIDE = "partner@elsewhere.test"


def outbound(*results):  # type: ignore[no-untyped-def]
    found = report(*results, sender="ceo@example.test", recipients=(OUTSIDE,))
    envelope: Envelope = msgspec.structs.replace(found.envelope, direction="outbound")
    return msgspec.structs.replace(found, envelope=envelope)


def test_a_directed_rule_matches_only_its_direction():
    compiled = table({"name": "Outbound disclaimer", "direction": "outbound", "disclaimer": "corp"},
                     {"name": "Inbound only", "direction": "inbound", "mode": "reject",
                      "recipients": {"domains": ["elsewhere.test"]}})
    going = decide(outbound(spam("not_spam", 0.1)), OUTSIDE, compiled)
    assert going.rule == "Outbound disclaimer" and going.disclaimer == "corp"
    assert "outbound mail" in going.path[0]
    coming = decide(report(spam("not_spam", 0.1), sender=OUTSIDE), "bob@example.test", compiled)
    assert coming.rule == "Default"  # neither directed rule takes inbound mail to bob


def test_the_default_rule_holds_outbound_spam_and_sends_probable_spam_and_skips_phishing():
    held = decide(outbound(spam("spam", 9.0)), OUTSIDE, table())
    assert (held.action, held.backup, held.module) == (DELETE, True, "antispam")
    assert "the Default rule's outbound actions" in " ".join(held.path)
    sent = decide(outbound(spam("probable_spam", 4.0), phishing("phishing", 9.0),
                           authentication(spf="fail", dmarc={"result": "fail", "from_domain": "example.test"},
                                          verdict="dmarc_reject")), OUTSIDE, table())
    assert sent.action == DELIVER, sent.path
    inbound = decide(report(phishing("phishing", 9.0)), "bob@example.test", table())
    assert inbound.action == DELETE and inbound.module == "antiphishing"  # inbound keeps its own actions


def test_the_default_rules_outbound_actions_can_be_its_own():
    document = {"rules": [{"name": "Default", "outbound_modules": {"antispam": {"probable_spam": {
        "action": "delete_message", "backup": True}}}}]}
    compiled = compile_table(document)
    held = decide(outbound(spam("probable_spam", 4.0)), OUTSIDE, compiled)
    assert (held.action, held.backup) == (DELETE, True)


@pytest.mark.parametrize(("rules", "where"), [
    ([{"name": "Default", "direction": "outbound"}], "rules[0].direction"),
    ([{"name": "Other", "outbound_modules": {}}, {"name": "Default"}], "rules[0].outbound_modules"),
    ([{"name": "Other", "direction": "sideways"}, {"name": "Default"}], "rules[0].direction"),
])
def test_the_table_names_a_misplaced_direction(rules, where):
    assert where in [path for path, _ in validate_table({"rules": rules})]
