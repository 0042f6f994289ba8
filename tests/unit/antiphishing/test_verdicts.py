"""What an administrator checks first: phishing is called phishing with its reasons, and the
brand's own mail, mailing lists and ordinary letters are left alone."""

from __future__ import annotations

from mailgate.config import AntiphishingSettings
from mailgate.scanners.antiphishing.catalog import TESTS

from .helpers import fired, html_only, mail, scan

PAYPAL_LOGIN = """<html><head><title>PayPal: confirm your account</title></head><body>
<p>Dear customer, we noticed unusual activity. Verify your account within 24 hours or it will be
limited.</p>
<form action="https://collect.billing-check.example.net/post.php" method="post">
<input type="text" name="email"> <input type="password" name="pass">
<input type="submit" value="Log in"></form></body></html>"""


def test_a_paypal_branded_login_form_from_another_domain_is_phishing_with_its_reasons() -> None:
    result = scan(html_only('"PayPal" <service@billing-check.example.net>', "Your account has been limited",
                            PAYPAL_LOGIN))
    assert result.verdict == "phishing"
    assert {"BRAND_IN_DISPLAY_NAME", "HTML_PASSWORD_FORM", "LURE_ACCOUNT"} <= fired(result)
    brand = next(c for c in result.reasons if c.test == "BRAND_IN_DISPLAY_NAME")
    assert brand.score == TESTS["BRAND_IN_DISPLAY_NAME"].weight
    assert "PayPal" in brand.evidence and "example.net" in brand.evidence
    assert result.score == sum(c.score for c in result.reasons)


def test_the_brands_own_mail_from_its_own_domain_is_not_phishing() -> None:
    html = ('<p>You sent a payment of 12.00 EUR to Example Shop.</p>'
            '<p><a href="https://www.paypal.com/myaccount/transactions">View the transaction</a></p>')
    result = scan(mail("PayPal <service@paypal.com>", "Receipt for your payment to Example Shop",
                       text="You sent a payment of 12.00 EUR to Example Shop.", html=html))
    assert result.verdict == "not_phishing"
    assert not {t for t in fired(result) if t.startswith("BRAND_")}


def test_a_mailing_list_post_about_a_brand_is_not_phishing() -> None:
    headers = {"List-Id": "<users.lists.example.org>", "List-Post": "<mailto:users@lists.example.org>",
               "Precedence": "list"}
    text = ("Microsoft's Outlook asks me to verify your account after the password expires;\n"
            "see https://bugs.example.org/show_bug.cgi?id=1234 and https://bit.ly/3abcdef for the log.\n")
    result = scan(mail("Bob <bob@university.example.edu>", "Re: Outlook password expires too early",
                       text=text, headers=headers))
    assert result.verdict == "not_phishing", result.reasons


def test_a_plain_letter_from_a_colleague_is_not_phishing() -> None:
    result = scan(mail("Carol <carol@example.test>", "Minutes of Tuesday",
                       text="Hi all,\n\nthe minutes are on the wiki: https://wiki.example.test/minutes\n"))
    assert result.verdict == "not_phishing"
    assert result.score == 0


def test_thresholds_and_disabled_tests_come_from_the_settings() -> None:
    message = html_only('"PayPal" <service@billing-check.example.net>', "Your account has been limited",
                        PAYPAL_LOGIN)
    lenient = AntiphishingSettings(probable_threshold=50, phishing_threshold=60,
                                   disabled_tests=("HTML_PASSWORD_FORM",))
    result = scan(message, lenient)
    assert result.verdict == "not_phishing"
    assert "HTML_PASSWORD_FORM" not in fired(result)


def test_every_named_test_has_a_weight_and_a_description() -> None:
    for name, test in TESTS.items():
        assert name.isupper() and test.description and test.weight != 0, name
