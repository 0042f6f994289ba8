"""What an administrator reads in a verdict: the word, the score and the named tests behind it."""

from __future__ import annotations

from mailgate.config import AntispamSettings
from mailgate.scan.report import ScannerResult
from mailgate.scanners.antispam.rules import GTUBE
from mailgate.scanners.antispam.verdict import SCL_HEADER, spam_headers
from tests.unit.antispam.helpers import SPAM_TEXT, build, context, names_fired, scanner


def test_gtube_string_is_spam_and_names_the_gtube_test() -> None:
    result = scanner().scan(build(body=f"Hello,\n{GTUBE}\n"), context())
    assert result.verdict == "spam"
    gtube = next(c for c in result.reasons if c.test == "GTUBE")
    assert gtube.score >= 1000 and "GTUBE" in gtube.evidence
    assert result.details["scl"] == 9


def test_an_ordinary_business_reply_is_not_spam() -> None:
    result = scanner().scan(build(), context())
    assert result.verdict == "not_spam"
    assert result.score < AntispamSettings().probable_threshold
    assert result.details["scl"] in (0, 1)


def test_a_prize_and_pills_pitch_is_flagged_and_explained_by_the_classifier_and_rules() -> None:
    message = build(body=SPAM_TEXT, subject="CONGRATULATIONS YOU ARE A WINNER", sender="Prize Desk <win@promo.test>")
    result = scanner().scan(message, context(mail_from="bounce@bulk-sender.test"))
    assert result.verdict in ("spam", "probable_spam")
    classifier = next(c for c in result.reasons if c.test.startswith("BAYES_"))
    assert classifier.test in ("BAYES_95", "BAYES_99")
    assert "spam-like:" in classifier.evidence and "spam probability" in classifier.description
    assert {"SUBJ_ALL_CAPS", "URI_IP_LITERAL"} <= names_fired(result)


def test_every_contribution_has_a_name_a_description_and_the_score_is_their_sum() -> None:
    result = scanner().scan(build(body=SPAM_TEXT, subject="FREE GIFT CARD!!!"), context())
    assert all(c.test and c.description for c in result.reasons)
    assert abs(sum(c.score for c in result.reasons) - result.score) < 0.01


def test_a_disabled_test_neither_fires_nor_counts() -> None:
    settings = AntispamSettings(disabled_tests=("SUBJ_ALL_CAPS",))
    result = scanner(settings=settings).scan(build(subject="PLEASE READ THIS TODAY"), context())
    assert "SUBJ_ALL_CAPS" not in names_fired(result)


def test_spam_headers_carry_verdict_score_tests_and_the_exchange_scl() -> None:
    result = scanner().scan(build(body=f"{GTUBE}\n"), context())
    headers = spam_headers(result)
    assert headers["X-Mailgate-Spam-Verdict"] == "spam"
    assert headers["X-Mailgate-Spam-Flag"] == "YES"
    assert "GTUBE=1000" in headers["X-Mailgate-Spam-Tests"]
    assert headers[SCL_HEADER] == "9"
    stored = ScannerResult.from_dict(result.to_dict())  # delivery reads the stored report
    assert spam_headers(stored) == headers


def test_scl_rises_with_confidence_and_probable_spam_is_five() -> None:
    from mailgate.scanners.antispam.verdict import scl

    settings = AntispamSettings()
    assert scl("probable_spam", 4.0, settings) == 5
    assert scl("spam", settings.spam_threshold, settings) == 6
    assert scl("spam", 100.0, settings) == 9
    assert scl("not_spam", -4.0, settings) == 0
    assert scl("mass_mailing", 1.0, settings) == 1


def test_mime_defects_are_counted_by_kind_and_a_bound_of_ours_is_no_defect_of_the_sender() -> None:
    from mailgate.message import parse_message

    def evidence(raw: bytes) -> str | None:
        result = scanner().scan(parse_message(raw), context())
        return next((c.evidence for c in result.reasons if c.test == "MIME_DEFECTS"), None)

    head = (b"From: a@partner.test\r\nTo: anna@example.test\r\nSubject: x\r\nSubject: y\r\n"
            b"Message-ID: <1@partner.test>\r\nMessage-ID: <2@partner.test>\r\n")
    found = evidence(head + b"\r\nhello\r\n")
    assert found is not None
    assert "duplicate_field x2" in found
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart\r\n" for _ in range(600))
    one_and_a_cut = (b"From: a@partner.test\r\nTo: anna@example.test\r\nSubject: x\r\nSubject: y\r\n"
                     b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n")
    assert evidence(one_and_a_cut) is None  # one duplicate; the part limit is ours, not the sender's
