"""The rules read each scanner's facts through a declared structure: what the scanner wrote reads back
as typed fields, and a malformed or older report reads as "no result", never as a crash or a pass."""

from __future__ import annotations

from mailgate.delivery.backscatter import unvouched_sender
from mailgate.rules.sender_lists import forged_reason
from mailgate.scanners.authentication.details import AuthenticationDetails

WRITTEN = {"spf": {"result": "pass", "domain": "partner.test", "identity": "mailfrom", "client_ip": "192.0.2.1"},
           "dkim": [{"result": "fail", "domain": "other.test", "selector": "s1"},
                    {"result": "pass", "domain": "partner.test", "selector": "s2"}],
           "dmarc": {"result": "pass", "from_domain": "partner.test", "org_domain": "partner.test",
                     "policy": "reject", "applied_policy": "none", "alignment": {"spf": True, "dkim": True}},
           "arc": {"result": "none"}}


def test_what_the_scanner_writes_reads_back_as_fields() -> None:
    details = AuthenticationDetails.of(WRITTEN)
    assert (details.spf.result, details.spf.domain, details.spf.identity) == ("pass", "partner.test", "mailfrom")
    assert [(s.result, s.domain) for s in details.dkim] == [("fail", "other.test"), ("pass", "partner.test")]
    assert (details.dmarc.result, details.dmarc.policy, details.dmarc.applied_policy) == ("pass", "reject", "none")


def test_malformed_parts_read_as_no_result_and_the_others_still_count() -> None:
    hostile = {"spf": "pass", "dkim": [7, {"result": ["pass"]}, {"result": "pass", "domain": "partner.test"}],
               "dmarc": {"result": 1}}
    details = AuthenticationDetails.of(hostile)
    assert details.spf.result is None
    assert [(s.result, s.domain) for s in details.dkim] == [(None, None), ("pass", "partner.test")]  # 7 is no signature
    assert details.dmarc.result is None
    assert AuthenticationDetails.of(None) == AuthenticationDetails.of({}) == AuthenticationDetails()


def test_the_readers_decide_on_the_typed_facts() -> None:
    assert unvouched_sender(WRITTEN, "billing@partner.test") is None  # SPF passes for the envelope sender
    assert "not authenticated" in str(unvouched_sender({"spf": "pass"}, "billing@partner.test"))
    assert forged_reason(WRITTEN, "billing@partner.test") is None
    failing = {**WRITTEN, "dmarc": {**WRITTEN["dmarc"], "result": "fail"}}
    assert "did not pass it (fail)" in str(forged_reason(failing, "billing@partner.test"))


def test_anti_spam_details_read_back_typed_and_leniently() -> None:
    from mailgate.scanners.antispam.details import AntispamDetails

    written = {"probability": 0.93, "scl": 6, "bulk": ["List-Unsubscribe"], "mailing_list": False,
               "blocklists": {"queried": 2, "hits": ["zen.example: 198.51.100.7"], "unanswered": []},
               "thresholds": {"probable_spam": 2.5, "spam": 5.0}}
    details = AntispamDetails.of(written)
    assert details.bulk == ("List-Unsubscribe",)
    assert (details.thresholds.probable_spam, details.thresholds.spam) == (2.5, 5.0)
    assert details.blocklists.hits == ("zen.example: 198.51.100.7",)
    hostile = AntispamDetails.of({"thresholds": "high", "blocklists": {"hits": 3}, "bulk": None})
    assert hostile == AntispamDetails()  # the scanner's defaults, never a crash


def test_anti_virus_details_read_back_typed_and_a_bad_part_does_not_hide_the_others() -> None:
    from mailgate.scanners.antivirus.details import AntivirusDetails

    written = {"clamd": "127.0.0.1:3310", "threats": ["Eicar-Test-Signature"], "pua": [],
               "message": {"part_path": None, "filename": None, "verdict": "infected", "threats": [], "reason": None},
               "parts": [{"part_path": "2", "filename": "eicar.com", "verdict": "infected",
                          "threats": ["Eicar-Test-Signature"], "reason": "AV_INFECTED: Eicar-Test-Signature"},
                         "garbage", {"part_path": 3, "verdict": ["clean"]}],
               "parts_count": 3, "removable": True, "on_infected": "remove_parts", "signatures": None}
    details = AntivirusDetails.of(written)
    assert details.threats == ("Eicar-Test-Signature",)
    assert [(p.part_path, p.filename, p.verdict) for p in details.parts] == [("2", "eicar.com", "infected"),
                                                                             (None, None, None)]
    assert details.removable and details.on_infected == "remove_parts"
