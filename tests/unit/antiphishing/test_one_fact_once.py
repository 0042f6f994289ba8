"""A fact is known and scored once: the reference lists live in one folder, and a free-mail Reply-To or a
shortened link adds weight in one scanner, not in anti-spam and anti-phishing under two names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import mailgate
from mailgate.config import DnsSettings, GatewayConfig
from mailgate.scan.envelope import Envelope
from mailgate.scan.run import scan_message
from mailgate.scanners.registry import build_scanners

from .helpers import context, mail


def test_no_data_file_is_kept_twice() -> None:
    package = Path(mailgate.__file__).parent
    names = Counter(p.name for p in package.rglob("data/*") if p.is_file())
    assert [name for name, count in names.items() if count > 1] == []


def test_anti_spam_leaves_a_free_mail_reply_to_and_a_shortener_to_the_link_and_phishing_scanners() -> None:
    message = mail("Billing <billing@supplier.example.net>", "Invoice 4711",
                   text="Please confirm the invoice: https://bit.ly/3xYz12 and reply to our accounts desk.",
                   headers={"Reply-To": "accounts.supplier@gmail.com"})
    envelope = Envelope(mail_from="billing@supplier.example.net", recipients=("alice@example.test",),
                        client_ip="192.0.2.25", helo="mail.supplier.example.net")
    config = GatewayConfig(dns=DnsSettings(no_network=True))
    report = scan_message(message.raw, envelope, build_scanners(config), context(), "m1", None, message)
    scored = [(r.scanner, c.test) for r in report.results for c in r.reasons if c.score > 0]
    assert [s for s, test in scored if "FREEMAIL" in test] == ["antiphishing"], scored
    assert [s for s, test in scored if "SHORTENER" in test and s == "antispam"] == [], scored


def test_a_shortened_link_weighs_in_anti_phishing_alone() -> None:
    message = mail("Billing <billing@supplier.example.net>", "Invoice 4711",
                   text="Please confirm the invoice: https://bit.ly/3xYz12 today.")
    envelope = Envelope(mail_from="billing@supplier.example.net", recipients=("alice@example.test",),
                        client_ip="192.0.2.25", helo="mail.supplier.example.net")
    report = scan_message(message.raw, envelope, build_scanners(GatewayConfig(dns=DnsSettings(no_network=True))),
                          context(), "m1", None, message)
    scored = [(r.scanner, c.test) for r in report.results for c in r.reasons if c.score > 0]
    assert [s for s, test in scored if "SHORTENER" in test] == ["antiphishing"], scored
