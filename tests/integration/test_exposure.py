"""Retroactive exposure search through local mode: mail carrying a link is sent to three users, the link turns out
to be bad, the search names the three and what became of their copies, and putting the link on the URL list makes
the next message carrying it a `malicious_link`."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any
from urllib.parse import quote

from mailgate.api.roles import Role
from mailgate.local.gateway import LocalGateway
from mailgate.wiring import process
from tests.support.cognito import api
from tests.support.local_gateway import events, outcomes, send, simple_message, wait_for

RECIPIENTS = ("bob@example.test", "carol@example.test", "dave@example.test")


def _send_link(gateway: LocalGateway, url: str, to: tuple[str, ...], subject: str) -> str:
    body = f"Please log in to confirm your account:\n{url}\n"
    message_id = send(gateway, "mallory@sender.test", to,
                      simple_message("mallory@sender.test", ", ".join(to), subject, body))
    outcomes(gateway, message_id, len(to))
    return message_id


def _links_verdict(gateway: LocalGateway, message_id: str) -> str:
    scanned = [e for e in events(gateway, message_id) if e["kind"] == "scanned"
               and e.get("detail", {}).get("result", {}).get("scanner") == "links"]
    return str(scanned[-1]["detail"]["result"]["verdict"])


def _search(gateway: LocalGateway, kind: str, value: str, role: Role = Role.SECURITY_OFFICER) -> dict[str, Any]:
    status, found = api(gateway, "GET", f"/exposure?kind={kind}&value={quote(value, safe='')}", role=role)
    assert status == 200, found
    return dict(found)


def test_a_bad_link_names_its_three_recipients_and_the_url_list_catches_the_next_message(
        gateway: LocalGateway, restore_settings: None) -> None:
    url = f"https://bad-{uuid.uuid4().hex[:10]}.example/login"
    first = _send_link(gateway, url, RECIPIENTS, "Your account")
    assert _links_verdict(gateway, first) == "clean"

    found = _search(gateway, "url", url)
    assert [m["message_id"] for m in found["messages"]] == [first]
    message = found["messages"][0]
    assert sorted(message["recipients"]) == sorted(RECIPIENTS)
    assert message["sender"] == "mallory@sender.test" and message["subject"] == "Your account"
    fates = {f["recipient"]: f["state"] for f in message["fates"]}
    assert fates == dict.fromkeys(RECIPIENTS, "delivered"), message["fates"]
    host = url.split("/")[2]
    assert [m["message_id"] for m in _search(gateway, "domain", host.upper(), Role.AUDITOR)["messages"]] == [first]
    assert _search(gateway, "sender", "Mallory@Sender.test")["messages"][0]["message_id"] in {first}

    status, exported = api(gateway, "GET", f"/exposure/export?kind=url&value={quote(url, safe='')}&format=csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert sorted(r["recipient"] for r in rows) == sorted(RECIPIENTS)

    request = {"kind": "url", "value": url, "actions": ["add_to_url_list", "notify_recipients", "hold_in_flight"]}
    assert api(gateway, "POST", "/exposure/actions", role=Role.AUDITOR, body=request)[0] == 403
    status, done = api(gateway, "POST", "/exposure/actions", role=Role.SECURITY_OFFICER, body=request)
    assert status == 200, done
    assert done["messages"] == 1
    assert all(o["done"] for o in done["outcomes"]), done["outcomes"]
    told = wait_for(lambda: [e for e in events(gateway, first) if e["kind"] == "notified"] or None)
    assert sorted(told[0]["recipient"].split(", ")) == sorted(RECIPIENTS)
    status, audit = api(gateway, "GET", "/audit?limit=5")
    assert status == 200 and any("add_to_url_list" in str(entry["operation"]) for entry in audit["items"]), audit

    process.reset()  # a warm scan function takes the change within the configuration's 30 s re-read
    second = _send_link(gateway, url, ("bob@example.test",), "Your account, again")
    assert _links_verdict(gateway, second) == "malicious_link"


def test_a_value_that_is_not_of_its_kind_is_refused(gateway: LocalGateway) -> None:
    status, answer = api(gateway, "GET", "/exposure?kind=sha256&value=not-a-hash")
    assert status == 400 and answer["error"] == "bad_request"
    status, answer = api(gateway, "POST", "/exposure/actions", body={"kind": "sha256", "value": "ab" * 32,
                                                                     "actions": ["add_to_url_list"]})
    assert status == 200 and answer["outcomes"][0]["done"] is False


def test_an_index_that_cannot_be_written_never_fails_the_scan(gateway: LocalGateway, monkeypatch: Any) -> None:
    from mailgate.wiring import scan

    def index_down(report: Any) -> None:
        raise OSError("DynamoDB is unavailable")

    monkeypatch.setattr(scan.service(), "exposure", index_down)
    url = f"https://unindexed-{uuid.uuid4().hex[:10]}.example/"
    message_id = _send_link(gateway, url, ("carol@example.test",), "Not indexed")
    assert {e["kind"] for e in events(gateway, message_id)} >= {"scanned", "delivered"}
    assert _search(gateway, "url", url)["messages"] == []
