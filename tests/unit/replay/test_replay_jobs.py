"""Replay jobs and shadow mode through the admin API's real resolver and the DynamoDB adapters (moto): a proposed
rule table over logged messages, a job carried on across invocations, a candidate's events summarised and
promoted as an audited settings change; each answer checked against the OpenAPI document."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from mailgate.actions.outcome import Outcome, OutcomeStatus
from mailgate.api.app import create_app, openapi_document
from mailgate.api.ports import Ports
from mailgate.aws import resources
from mailgate.aws.event_table import DynamoEventLog
from mailgate.aws.replay_store import DynamoReplayStore
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.aws.shadow_settings import DynamoShadowStore
from mailgate.config import GatewayConfig, Route
from mailgate.events.model import Event
from mailgate.replay import job
from mailgate.replay.deciding import Decider
from mailgate.replay.shadow import SHADOW, ShadowRecorder
from mailgate.settings.service import SettingsService
from mailgate.settings.validation import as_document
from tests.unit.api.test_openapi_truth import _answer, _check
from tests.unit.rules.build import report

CONFIG = GatewayConfig(authserv_id="mx.example.org", domains={"example.org": Route(kind="ses")})
TODAY = (date.today() - timedelta(days=1)).isoformat(), (date.today() + timedelta(days=2)).isoformat()
SPAMMER = "offers@bulk.test"


def dropping_table() -> dict[str, Any]:
    table = as_document(CONFIG)["rules"]
    table["rules"].insert(0, {"name": "Drop bulk sender", "senders": {"addresses": [SPAMMER]}, "mode": "delete"})
    return table


class Gateway:
    """The API wired to the real adapters; a replay runs at once in the request (as a thread would, later)."""

    def __init__(self) -> None:
        resources.create_tables("events", "backup", "idem")
        resources.create_settings_table("settings")
        self.reports: dict[str, Any] = {}
        self.started: list[str] = []
        self.settings = SettingsService(DynamoSettingsStore("settings"), lambda: CONFIG)
        self.app = create_app(Ports(events=self.events, backup=lambda: None,  # type: ignore[arg-type,return-value]
                                    settings=lambda: self.settings, config=lambda: self.settings.current().config,
                                    replays=self.replay_ports, shadow=lambda: DynamoShadowStore("settings")))
        self.document = openapi_document(self.app)

    def events(self) -> DynamoEventLog:
        return DynamoEventLog("events")

    def replay_ports(self) -> job.ReplayPorts:
        return job.ReplayPorts(store=DynamoReplayStore("events"), events=self.events, report=self.reports.get,
                               live=lambda: self.settings.current().config, start=self.start)

    def start(self, job_id: str) -> None:
        self.started.append(job_id)
        job.run(job_id, self.replay_ports())

    def receive(self, message_id: str, sender: str, *recipients: str) -> None:
        found = report(sender=sender, recipients=recipients)
        self.reports[message_id] = type(found)(message_id, found.raw_location, found.envelope, {}, found.results)
        self.events().append([Event(message_id, "received", "received", sender=sender)])

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, content_type, reply = _answer(self.app, method, path, body)
        template = path.split("?")[0]
        for key in ("/replays/", ):
            if template.startswith(key) and template != "/replays":
                rest = template[len(key):].split("/")
                template = "/replays/{job_id}" + ("/results" if len(rest) > 1 else "")
        _check(self.document, method.lower(), template, status, content_type, reply)
        return status, reply


@pytest.fixture
def gateway(aws) -> Gateway:
    return Gateway()


def test_a_replay_names_exactly_the_messages_and_recipients_a_proposed_rule_changes(gateway):
    gateway.receive("m-spam", SPAMMER, "bob@example.org", "carol@example.org")
    gateway.receive("m-ok", "alice@partner.test", "bob@example.org")
    gateway.receive("m-gone", SPAMMER, "bob@example.org")
    del gateway.reports["m-gone"]  # its report expired: counted, not compared
    before = [e.to_dict() for e in gateway.events().between(*TODAY, 100).events]

    status, started = gateway.call("POST", "/replays", {"sections": {"rules": dropping_table()}, "limit": 10})
    assert status == 202, started
    status, finished = gateway.call("GET", f"/replays/{started['job_id']}")
    assert status == 200
    assert (finished["state"], finished["done"], finished["total"], finished["more"]) == ("done", 3, 3, False)
    counts = finished["counts"]
    assert (counts["messages"], counts["changed_messages"], counts["changed_recipients"]) == (2, 1, 2)
    assert (counts["would_hold"], counts["would_release"], counts["missing_reports"]) == (2, 0, 1)
    assert counts["transitions"] == {"deliver→delete": 2}
    assert counts["by_rule"]["Drop bulk sender"] == {"live": 0, "proposed": 2}

    status, page = gateway.call("GET", f"/replays/{started['job_id']}/results?limit=1")
    assert status == 200 and page["next_cursor"] is None
    [changed] = page["items"]
    assert changed["message_id"] == "m-spam"
    assert {(c["recipient"], c["live"]["action"], c["proposed"]["action"], c["proposed"]["rule"])
            for c in changed["changed"]} == {("bob@example.org", "deliver", "delete", "Drop bulk sender"),
                                              ("carol@example.org", "deliver", "delete", "Drop bulk sender")}
    after = [e.to_dict() for e in gateway.events().between(*TODAY, 100).events]
    assert after == before  # the job wrote nothing to the event log
    assert gateway.settings.current().version == 0  # nor to the settings


def test_a_replay_capped_by_its_limit_says_the_range_had_more(gateway):
    for number in range(3):
        gateway.receive(f"m-{number}", SPAMMER, "bob@example.org")
    status, started = gateway.call("POST", "/replays", {"sections": {"rules": dropping_table()}, "limit": 2})
    assert status == 202
    finished = gateway.call("GET", f"/replays/{started['job_id']}")[1]
    assert (finished["total"], finished["more"], finished["counts"]["changed_messages"]) == (2, True, 2)


def test_a_job_short_of_time_saves_its_place_and_has_itself_invoked_again(gateway):
    gateway.receive("m-1", SPAMMER, "bob@example.org")
    store = DynamoReplayStore("events")
    ports = job.ReplayPorts(store=store, events=gateway.events, report=gateway.reports.get, live=lambda: CONFIG,
                            start=gateway.started.append)
    created = job.new_job(*TODAY, 10, "ann")
    store.create(created, Decider(CONFIG).config)
    paused = job.run(created.job_id, ports, remaining_millis=lambda: 1_000)
    assert paused is not None and (paused.state, paused.done, paused.total) == ("running", 0, 1)
    assert gateway.started == [created.job_id]
    finished = job.run(created.job_id, ports)
    assert finished is not None and (finished.state, finished.done) == ("done", 1)


def test_bad_proposals_and_unknown_jobs_are_refused(gateway):
    assert gateway.call("POST", "/replays", {"sections": {"rules": {"rules": "no"}}})[0] == 422
    assert gateway.call("POST", "/replays", {"sections": {"nonsense": {}}})[0] == 422
    assert gateway.call("POST", "/replays", {})[0] == 422
    assert gateway.call("GET", "/replays/" + "a" * 32)[0] == 404
    assert gateway.call("POST", "/replays", {"sections": {}, "from": "2026-02-01", "to": "2026-01-01"})[0] == 400


def test_shadow_settings_log_would_be_decisions_and_are_promoted_as_an_audited_change(gateway):
    status, shadow = gateway.call("PUT", "/settings/shadow", {"version": 0, "sections": {"rules": dropping_table()}})
    assert status == 200, shadow
    assert shadow["sections"] == ["rules"] and shadow["based_on_version"] == 0
    assert gateway.call("PUT", "/settings/shadow", {"version": 7, "sections": {}})[0] == 409

    recorder = ShadowRecorder(DynamoShadowStore("settings").get, gateway.events())
    for message_id, sender in (("m-spam", SPAMMER), ("m-ok", "alice@partner.test")):
        gateway.receive(message_id, sender, "bob@example.org")
        live = Decider(CONFIG).sides(gateway.reports[message_id])[0][1]
        delivered = Outcome(status=OutcomeStatus.DELIVERED, recipients=("bob@example.org",),
                            decision={"action": live.action, "rule": live.rule, "backup": live.backup})
        recorder(gateway.reports[message_id], "subject", [delivered], None, None)
    [event] = [e for e in gateway.events().for_message("m-spam") if e.kind == SHADOW]
    assert event.detail["changed_count"] == 1
    assert [e.kind for e in gateway.events().for_message("m-ok")] == ["received", SHADOW]

    status, summary = gateway.call("GET", "/settings/shadow/summary")
    assert status == 200, summary
    assert summary["active"] is True
    assert (summary["counts"]["messages"], summary["counts"]["would_hold"]) == (2, 1)

    status, promoted = gateway.call("POST", "/settings/shadow/promote", {"version": 0})
    assert (status, promoted) == (200, {"version": 1, "promoted": True})
    assert gateway.settings.current().config.rules.rules[0].name == "Drop bulk sender"
    status, audit = _answer(gateway.app, "GET", "/audit")[0::2]
    assert [e["operation"] for e in audit["items"]] == ["POST /settings/shadow/promote", "PUT /settings/shadow"]
    assert gateway.call("GET", "/settings/shadow/summary")[0] == 404  # shadow mode ended with the promotion
    assert gateway.call("POST", "/settings/shadow/promote", {})[0] == 404
    assert gateway.call("DELETE", "/settings/shadow")[1] == {"removed": False}


def test_a_failing_shadow_writes_nothing_and_raises_nothing(gateway):
    def broken() -> None:
        raise RuntimeError("the settings table is unreachable")

    gateway.receive("m-1", SPAMMER, "bob@example.org")
    ShadowRecorder(broken, gateway.events())(gateway.reports["m-1"], "s", [], None, None)  # type: ignore[arg-type]
    assert [e.kind for e in gateway.events().for_message("m-1")] == ["received"]


def test_a_replay_that_cannot_be_started_answers_503_and_the_job_says_why(gateway):
    def denied(job_id: str) -> None:
        raise PermissionError("lambda:InvokeFunction denied")

    gateway.start = denied  # type: ignore[method-assign]
    status, refused = gateway.call("POST", "/replays", {"sections": {}})
    assert status == 503 and "lambda:InvokeFunction denied" in refused["message"]


def test_a_jobs_items_are_no_messages_history(gateway):
    gateway.receive("m-1", SPAMMER, "bob@example.org")
    started = gateway.call("POST", "/replays", {"sections": {}})[1]
    assert gateway.events().for_message(f"replay#{started['job_id']}") == []
    status, _type, answer = _answer(gateway.app, "GET", f"/messages/replay%23{started['job_id']}/events")
    assert status in (200, 404) and not answer.get("events"), answer


def test_a_candidate_equal_to_the_live_settings_is_refused(gateway):
    status, refused = gateway.call("PUT", "/settings/shadow", {"version": 0, "sections": {}})
    assert status == 422 and "nothing to compare" in refused["message"] + str(refused.get("problems"))
