"""Allow and deny lists: what each entry matches, which list wins, and that a forged sender gets nothing."""

from __future__ import annotations

import pytest

from mailgate.config import GatewayConfig, SenderLists
from mailgate.report import ScannerResult
from mailgate.rules.current import decide
from mailgate.rules.sender_lists import (
    MAX_PERSONAL_ENTRIES,
    CompiledLists,
    PersonalLists,
    classify,
    evaluate,
    personal_problems,
)
from tests.unit.rules.build import authentication, phishing, report, spam

VIRUS = ScannerResult("antivirus", "infected", 10.0, details={"threats": ["Eicar-Signature"]})
DMARC_PASS = {"result": "pass", "from_domain": "partner.test", "policy": "reject"}
DMARC_FAIL = {"result": "fail", "from_domain": "partner.test", "policy": "reject", "applied_policy": "reject"}


@pytest.mark.parametrize(("entry", "kind", "value"), [
    ("Alice@Partner.test", "address", "alice@partner.test"),
    ("*@news.partner.test", "mask", "*@news.partner.test"),
    ("billing?@partner.test", "mask", "billing?@partner.test"),
    ("partner.test", "domain", "partner.test"),
    ("@Partner.test", "domain", "partner.test"),
    ("198.51.100.0/24", "network", "198.51.100.0/24"),
    ("2001:db8::1", "network", "2001:db8::1/128"),
])
def test_each_kind_of_entry_is_recognised(entry: str, kind: str, value: str) -> None:
    assert classify(entry) == (kind, value)


@pytest.mark.parametrize("entry", ["", "not an entry", "a@b", "198.51.100.0/33", "alice@", "<a@b.test>"])
def test_bad_entries_say_why(entry: str) -> None:
    with pytest.raises(ValueError, match=r"entry is empty|is not"):
        classify(entry)


def outcome(global_allow=(), global_deny=(), own: PersonalLists | None = None, sender="alice@partner.test",
            ip="198.51.100.7", auth=None, **options):
    lists = CompiledLists.of(global_allow, global_deny, True, **options) if global_allow or global_deny else None
    return evaluate(lists, own.compiled() if own else None, sender, ip,
                    auth if auth is not None else {"dmarc": DMARC_PASS, "spf": {"result": "pass"}})


def test_allow_skips_anti_spam_and_only_what_the_list_says_besides() -> None:
    plain = outcome(global_allow=("partner.test",))
    assert plain.skip_antispam and not plain.skip_antiphishing and not plain.skip_authentication
    both = outcome(global_allow=("*@partner.test",), skips_antiphishing=True, skips_authentication=True)
    assert both.skip_antispam and both.skip_antiphishing and both.skip_authentication
    assert outcome(global_allow=("198.51.100.0/24",)).skip_antispam  # the connecting client's network
    assert not outcome(global_allow=("other.test",)).skip_antispam


def test_deny_beats_allow_and_the_organisations_deny_beats_a_users_allow() -> None:
    assert outcome(global_allow=("partner.test",), global_deny=("alice@partner.test",)).blacklisted
    mine = PersonalLists(allow=("alice@partner.test",))
    result = outcome(global_deny=("partner.test",), own=mine)
    assert result.blacklisted and "organisation's deny list" in result.blacklisted
    own_deny = outcome(global_allow=("partner.test",), own=PersonalLists(deny=("alice@partner.test",)))
    assert own_deny.blacklisted and "personal deny list" in own_deny.blacklisted


def test_an_allow_entry_never_lets_a_forged_sender_through() -> None:
    forged = outcome(global_allow=("partner.test",), auth={"dmarc": DMARC_FAIL, "spf": {"result": "fail"}})
    assert not forged.skip_antispam
    assert "ignored" in forged.notes[0] and "DMARC" in forged.notes[0]
    no_dmarc_spf_fail = outcome(global_allow=("partner.test",), auth={"dmarc": {"result": "none"},
                                                                       "spf": {"result": "fail"}})
    assert not no_dmarc_spf_fail.skip_antispam and "SPF fails" in no_dmarc_spf_fail.notes[0]
    no_dmarc = outcome(global_allow=("partner.test",), auth={"dmarc": {"result": "none"}, "spf": {"result": "none"}})
    assert no_dmarc.skip_antispam  # a domain without DMARC: the entry applies unless SPF fails


def test_personal_lists_are_capped_and_take_no_networks() -> None:
    too_many = PersonalLists(allow=tuple(f"u{i}@partner.test" for i in range(MAX_PERSONAL_ENTRIES)),
                             deny=("x@spam.test",))
    assert personal_problems(too_many)[-1][1].startswith("at most 500 entries")
    assert personal_problems(PersonalLists(deny=("198.51.100.0/24",)))[0][0] == "deny[0]"
    assert personal_problems(PersonalLists(allow=("a@partner.test", "*.partner.test", "partner.test"))) == []


def config(**lists) -> GatewayConfig:
    return GatewayConfig(lists=SenderLists(**lists))


def test_a_personal_allow_entry_lifts_probable_spam_but_never_a_virus() -> None:
    mine = PersonalLists(allow=("alice@partner.test",)).compiled()
    probable = report(spam("probable_spam", 4.0), authentication(DMARC_PASS))
    decision = decide(probable, "bob@example.test", config(), None, lambda rcpt, _d: (mine, None))
    assert (decision.action, decision.subject_tags) == ("deliver", ())
    assert any("personal allow list" in step for step in decision.path)
    assert any(step.startswith("Anti-Spam: not applied") for step in decision.path)
    virus = report(spam("probable_spam", 4.0), VIRUS, authentication(DMARC_PASS))
    held = decide(virus, "bob@example.test", config(), None, lambda rcpt, _d: (mine, None))
    assert held.action == "delete" and held.backup and held.module == "antivirus"


def test_a_global_deny_entry_blacklists_and_the_rule_rejects() -> None:
    clean = report(spam("not_spam", 0.2), authentication(DMARC_PASS))
    decision = decide(clean, "bob@example.test", config(deny=("partner.test",)))
    assert (decision.action, decision.verdict_class) == ("reject", "blacklisted")
    assert "organisation's deny list (domain partner.test)" in decision.reason


def test_allowlist_can_skip_anti_phishing_when_it_says_so() -> None:
    phish = report(phishing("phishing", 9.0), authentication(DMARC_PASS))
    assert decide(phish, "bob@example.test", config(allow=("partner.test",))).action == "delete"
    skipped = decide(phish, "bob@example.test", config(allow=("partner.test",), allow_skips_antiphishing=True))
    assert skipped.action == "deliver"
    assert any(step.startswith("Anti-Phishing: not applied") for step in skipped.path)


def test_a_note_from_the_personal_lookup_is_in_the_path() -> None:
    probable = report(spam("probable_spam", 4.0), authentication(DMARC_PASS))
    note = "personal lists do not apply to bob@example.test: the directory has duplicates for this account"
    decision = decide(probable, "bob@example.test", config(), None, lambda rcpt, _d: (None, note))
    assert note in decision.path and decision.subject_tags == ("[Probable spam]",)
