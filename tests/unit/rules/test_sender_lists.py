"""Allow and deny lists: what each entry matches, which list wins, and that a forged sender gets nothing."""

from __future__ import annotations

import pytest

from mailgate.config import GatewayConfig, ListEntry, SenderLists
from mailgate.rules.current import decide
from mailgate.rules.sender_lists import (
    MAX_PERSONAL_ENTRIES,
    CompiledLists,
    PersonalLists,
    classify,
    evaluate,
    merged_entries,
    personal_problems,
)
from mailgate.scan.report import ScannerResult
from mailgate.settings.errors import SettingsInvalid
from mailgate.settings.validation import as_document, validate_settings
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


def test_an_entrys_comment_is_in_the_path_and_a_domain_can_leave_out_its_subdomains() -> None:
    lists = SenderLists(allow=(ListEntry(entry="partner.test", comment="supplier, ticket 4711", subdomains=False),),
                        deny=(ListEntry(entry="198.51.100.0/24", comment="abuse from this range"),))
    mail = report(spam("probable_spam", 4.0), authentication(DMARC_PASS), client_ip="203.0.113.9")
    allowed = decide(mail, "bob@example.test", GatewayConfig(lists=lists))
    assert "sender on the organisation's allow list (domain partner.test; comment: supplier, ticket 4711)" \
        in allowed.path
    sub = report(spam("probable_spam", 4.0), authentication({"result": "pass", "from_domain": "mail.partner.test"}),
                 sender="alice@mail.partner.test", client_ip="203.0.113.9")
    not_allowed = decide(sub, "bob@example.test", GatewayConfig(lists=lists))
    assert not any("allow list" in step for step in not_allowed.path)
    assert not_allowed.subject_tags == ("[Probable spam]",)
    denied = decide(report(spam("not_spam", 0.1), authentication(DMARC_PASS)), "bob@example.test",
                    GatewayConfig(lists=lists))
    assert denied.verdict_class == "blacklisted"
    assert "client 198.51.100.7 in 198.51.100.0/24; comment: abuse from this range" in denied.reason


def test_list_entries_with_comments_are_validated_by_json_path() -> None:
    document = {"lists": {"allow": ["partner.test", {"entry": "not an entry", "comment": "typo"},
                                    {"entry": "alice@partner.test", "subdomains": False}],
                          "deny": ["spam.test", {"entry": "198.51.100.0/33"}]}}
    with pytest.raises(SettingsInvalid) as refused:
        validate_settings(document)
    paths = {p["path"]: p["message"] for p in refused.value.problems}
    assert set(paths) == {"$.lists.allow[1].entry", "$.lists.allow[2].subdomains", "$.lists.deny[1].entry"}
    assert "only a domain entry" in paths["$.lists.allow[2].subdomains"]
    with pytest.raises(SettingsInvalid) as unknown:
        validate_settings({"lists": {"deny": [{"entry": "spam.test", "note": "not a field"}]}})
    assert unknown.value.problems == [{"path": "$.lists.deny[0]", "message": "Object contains unknown field `note`"}]
    saved = validate_settings({"lists": {"allow": [{"entry": "partner.test", "comment": "supplier"}]}})
    assert as_document(saved)["lists"]["allow"] == [{"entry": "partner.test", "comment": "supplier",
                                                     "subdomains": True}]


def test_an_allow_entry_is_ignored_when_an_unauthenticated_envelope_comes_with_another_from_domain() -> None:
    """A forger who passes DMARC for their own From domain cannot borrow an allowlisted envelope sender."""
    own_domain = {"result": "pass", "from_domain": "forger.test", "org_domain": "forger.test", "policy": "none"}
    borrowed = outcome(global_allow=("partner.test",), auth={"dmarc": own_domain, "spf": {"result": "softfail"}})
    assert not borrowed.skip_antispam
    assert "not authenticated (SPF softfail)" in borrowed.notes[0] and "forger.test" in borrowed.notes[0]
    no_dmarc = {"result": "none", "from_domain": "forger.test", "org_domain": "forger.test"}
    unproven = outcome(global_allow=("partner.test",), auth={"dmarc": no_dmarc, "spf": {"result": "none"}})
    assert not unproven.skip_antispam
    # the envelope sender authenticated by SPF (a mailing service sending for a client) is enough
    assert outcome(global_allow=("partner.test",), auth={"dmarc": no_dmarc, "spf": {"result": "pass"}}).skip_antispam
    # a subdomain of the From organisation is the same sender
    same = {"result": "none", "from_domain": "partner.test", "org_domain": "partner.test"}
    assert outcome(global_allow=("partner.test",), sender="news@mail.partner.test",
                   auth={"dmarc": same, "spf": {"result": "neutral"}}).skip_antispam


def test_an_import_adds_each_entry_once_and_keeps_the_comments_already_there() -> None:
    existing = [{"entry": "Partner.test", "comment": "supplier"}, "*@promo.test"]
    assert merged_entries(existing, ["partner.test", "spam.test", "spam.test"]) == [*existing, "spam.test"]
    assert merged_entries(existing, ["spam.test"], replace=True) == ["spam.test"]
