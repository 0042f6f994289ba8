"""The exposure actions against moto: the URL list in S3 and the settings change that names it, the deny list, the
notices (each recipient of an accepted domain once), and an action that does not fit the indicator's kind."""

from __future__ import annotations

from typing import Any

import pytest

from mailgate.aws import resources
from mailgate.aws.mail_store import MailStoreError, S3MailStore
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.config import GatewayConfig, Route, SmtpHost
from mailgate.exposure import actions as act
from mailgate.exposure.fates import Exposed, Fate
from mailgate.exposure.indicators import Indicator
from mailgate.exposure.model import ExposureHit
from mailgate.notify.application import Notice
from mailgate.scanners.links.reputation import LinkList
from mailgate.settings.service import Actor, SettingsService

CONFIG = GatewayConfig(authserv_id="mx.example.org",
                       domains={"example.org": Route(hosts=(SmtpHost("127.0.0.1"),))})
ACTOR = Actor("ann (ann@example.org)", "s-1", "POST /exposure/actions")
PINNED: dict[str, str] = {}  # hold key → why, as the ledger's `pin` keeps it


@pytest.fixture
def ports(aws: None) -> tuple[act.ActionPorts, list[tuple[str, str, bytes]], list[Notice]]:
    resources.create_settings_table("settings")
    resources.create_bucket("mail")
    store = S3MailStore("mail")
    sent: list[tuple[str, str, bytes]] = []
    notices: list[Notice] = []
    settings = SettingsService(DynamoSettingsStore("settings"), lambda: CONFIG)

    def read() -> bytes | None:
        try:
            return store.get_bytes(act.URL_LIST_KEY)
        except MailStoreError:
            return None

    made = act.ActionPorts(settings=settings, config=lambda: settings.current().config, read_list=read,
                           write_list=lambda data: store.put_bytes(act.URL_LIST_KEY, data, "text/plain"),
                           list_location=f"s3://mail/{act.URL_LIST_KEY}",
                           send=lambda f, t, d: sent.append((f, t, d)),
                           notify_administrators=lambda notice, _config: notices.append(notice),
                           held=lambda: [{"message_id": "m1", "recipients": ["bob@example.org"], "hold_key": "k1"},
                                         {"message_id": "m9", "recipients": ["eve@example.org"], "hold_key": "k9"}],
                           pin=lambda key, reason: PINNED.setdefault(key, reason) == reason)
    return made, sent, notices


def _found(*recipients: str) -> list[Exposed]:
    hit = ExposureHit("m1", "2026-12-05T10:00:00Z", "eve@bad.example", "Your account", recipients, len(recipients))
    return [Exposed(hit, tuple(Fate(r, "delivered") for r in recipients))]


def test_a_url_goes_on_the_list_once_and_the_list_into_the_settings(ports: Any) -> None:
    made, _sent, _notices = ports
    url = Indicator("url", "https://bad.example/login")
    first = act.add_to_url_list(made, url, ACTOR)
    again = act.add_to_url_list(made, url, ACTOR)
    assert (first.done, first.count, again.done, again.count) == (True, 1, True, 0)
    act.add_to_url_list(made, Indicator("domain", "worse.example"), ACTOR)
    text = (made.read_list() or b"").decode()
    listed = LinkList("exposure", "malicious_link", text.splitlines())
    assert listed.match("https://bad.example/login?x=1", "bad.example") is not None
    assert listed.match("https://cdn.worse.example/", "cdn.worse.example") is not None
    record = made.settings.current()
    assert [(entry.path, entry.verdict) for entry in record.config.antiphishing.link_lists] == [
        ("s3://mail/lists/exposure-url-list.txt", "malicious_link")]
    assert record.version == 3  # each addition is an audited change, the list named once


def test_a_sender_goes_on_the_deny_list_and_a_hash_on_neither(ports: Any) -> None:
    made, _sent, _notices = ports
    assert act.add_to_deny_list(made, Indicator("sender_domain", "bad.example"), ACTOR).done
    assert "bad.example" in made.settings.current().config.lists.deny
    assert act.add_to_deny_list(made, Indicator("sender_domain", "bad.example"), ACTOR).count == 0
    digest = Indicator("sha256", "ab" * 32)
    assert not act.add_to_url_list(made, digest, ACTOR).done
    assert not act.add_to_deny_list(made, digest, ACTOR).done


def test_each_recipient_of_ours_is_told_once_and_the_administrators_get_the_list(ports: Any) -> None:
    made, sent, notices = ports
    logged: list[tuple[str, tuple[str, ...]]] = []
    found = _found("bob@example.org", "BOB@example.org", "partner@elsewhere.example") + _found("bob@example.org")
    outcome = act.notify_recipients(made, Indicator("url", "https://bad.example/login"), found,
                                    lambda item, told: logged.append((item.hit.message_id, told)))
    assert (outcome.done, outcome.count) == (True, 1)
    assert [to for _from, to, _data in sent] == ["bob@example.org"]
    assert b"https://bad.example/login" in sent[0][2] and b"Your account" in sent[0][2]
    assert logged == [("m1", ("bob@example.org",))]
    act.notify_administrators(made, Indicator("url", "https://bad.example/login"), found, "ann")
    assert notices[0].kind == "exposure" and "m1" in notices[0].details
    PINNED.clear()
    held = act.hold_in_flight(made, found, Indicator("url", "https://bad.example/login"), ACTOR)
    assert (held.done, held.count) == (True, 1)
    # only the found message still held is pinned, with who and why (m9 is held, but did not carry the URL)
    assert list(PINNED) == ["k1"] and "url https://bad.example/login by ann" in PINNED["k1"]
