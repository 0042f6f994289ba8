"""Our own changes never cost the recipient their mail: the warning put into an 8-bit HTML part whose
`<body>` line is already 980 octets long still arrives within SMTP's 998-octet lines (a part whose lines an
insertion would push past it goes quoted-printable), and when a server refuses a copy we modified for good,
the original is kept in Backup (before, it was bounced and nothing was kept)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cognito import api
from tests.support.local_gateway import delivered_raw, events, outcomes, send, wait_for
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


def long_body_line_html(to: str) -> bytes:
    body_tag = b'<body style="' + b"margin:0;" * 104 + b'">'  # with the rest, a 980-octet line
    return (b"From: alice@sender.test\r\nTo: " + to.encode() + b"\r\nSubject: newsletter\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            b"<html><head><title>News</title></head>\r\n" + body_tag + b"<p>Gr\xc3\xbc\xc3\x9fe</p></body></html>\r\n"
            b"<p>Limited offer: order now at a 70% discount. Free shipping, act now!</p>\r\n")


@pytest.fixture
def warned(gateway, restore_settings) -> None:
    """Uncertain mail gets the insecure-message warning at the top of its body."""

    def change(table: dict[str, Any]) -> dict[str, Any]:
        table["rules"][-1]["modules"]["antispam"] = {"probable_threshold": 0.5, "spam_threshold": 1000.0,
                                                     "probable_spam": {"insecure_warning": True}}
        return table

    put_section(gateway, "rules", change)


def test_the_warning_on_a_long_body_line_is_delivered_within_998_octets(gateway, warned) -> None:
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], long_body_line_html("bob@example.test"))
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [raw] = wait_for(lambda: delivered_raw(gateway, message_id) or None)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    html = email.message_from_bytes(raw, policy=email.policy.default).get_body(("html",)).get_content()
    assert "Caution: the mail gateway" in html and "Grüße" in html


@pytest.fixture
def refusing_data(refusing_server) -> Iterator[Any]:
    refusing_server.reply_to_data("554 5.6.0 Content refused")
    yield refusing_server
    refusing_server.reply_to_data(None)


def test_a_modified_copy_refused_for_good_leaves_the_original_in_backup(gateway, warned, refusing_data) -> None:
    message_id = send(gateway, "alice@sender.test", ["dana@refusing.test"],
                      long_body_line_html("dana@refusing.test"))
    outcomes(gateway, message_id)

    def rejected() -> list[dict[str, Any]] | None:
        found = events(gateway, message_id)
        return found if any(e["kind"] == "rejected" for e in found) else None

    log = wait_for(rejected)
    assert not any(e["kind"] == "delivered" for e in log)
    kept = next(e for e in log if e["kind"] == "backup")
    assert "refused the copy we modified" in kept["summary"]
    status, entry = api(gateway, "GET", f"/backup/{kept['detail']['backup_id']}")
    assert status == 200 and "554 5.6.0" in entry["error"]
