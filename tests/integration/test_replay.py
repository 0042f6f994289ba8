"""Replay and shadow mode through the local gateway: mail sent over SMTP, a proposed rule table replayed over it
through the admin API and `mailgate replay` (naming exactly the messages it changes, changing nothing), and a
shadow candidate that logs would-be decisions for new mail and is promoted as an audited settings change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailgate.api.roles import Role
from mailgate.replay import job as replay_job
from mailgate.replay import parts as replay_parts
from mailgate.wiring import process
from tests.support.cli import run_mailgate
from tests.support.cognito import api, token
from tests.support.local_gateway import delivered, events, outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration

SPAMMER = "offers@bulk.test"
DROP = "Drop bulk sender"


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def proposed_rules(gateway) -> dict:
    status, current = api(gateway, "GET", "/settings/rules")
    assert status == 200
    table = json.loads(json.dumps(current["settings"]))
    table["rules"].insert(0, {"name": DROP, "senders": {"addresses": [SPAMMER]}, "mode": "delete"})
    return table


def sent(gateway, sender: str, recipients: list[str], subject: str) -> str:
    message_id = send(gateway, sender, recipients, simple_message(sender, ", ".join(recipients), subject))
    outcomes(gateway, message_id, recipients=len(recipients))
    return message_id


def side_effects(gateway, message_ids: list[str]) -> tuple[object, ...]:
    """What a replay must leave alone: each message's events, Backup, the delivered mail, the traffic counters."""
    return ([[(e["kind"], e.get("recipient"), e.get("summary")) for e in events(gateway, m)] for m in message_ids],
            api(gateway, "GET", "/backup?limit=500")[1]["items"],
            sorted(p.name for p in Path(gateway.delivered_dir).iterdir()),
            api(gateway, "GET", "/stats?step=hour")[1])


def finished(gateway, job_id: str) -> dict:
    def done() -> dict | None:
        status, job = api(gateway, "GET", f"/replays/{job_id}", Role.SECURITY_OFFICER)
        assert status == 200, job
        return job if job["state"] in ("done", "failed") else None

    return wait_for(done, timeout=60)


def test_a_replay_names_exactly_the_messages_a_proposed_rule_would_delete_and_changes_nothing(gateway):
    start = datetime.now(UTC)  # the messages of this test only
    both = ["bob@example.test", "finance@example.test"]
    spam_two = sent(gateway, SPAMMER, both, "cheap offers")
    normal = sent(gateway, "alice@sender.test", ["bob@example.test"], "minutes of the meeting")
    spam_one = sent(gateway, SPAMMER, ["bob@example.test"], "more cheap offers")
    ids = [spam_two, normal, spam_one]
    assert all(delivered(gateway, m) for m in ids)  # today's rules deliver all three
    end = datetime.now(UTC) + timedelta(seconds=1)
    before = side_effects(gateway, ids)

    status, job = api(gateway, "POST", "/replays", Role.SECURITY_OFFICER, body={
        "sections": {"rules": proposed_rules(gateway)}, "from": iso(start), "to": iso(end), "limit": 100})
    assert status == 202, job
    job = finished(gateway, job["job_id"])
    assert (job["state"], job["total"], job["done"], job["more"]) == ("done", 3, 3, False), job
    counts = job["counts"]
    assert (counts["messages"], counts["changed_messages"], counts["changed_recipients"]) == (3, 2, 3)
    assert (counts["would_hold"], counts["would_release"], counts["transitions"]) == (3, 0, {"deliver→delete": 3})
    assert counts["by_rule"][DROP] == {"live": 0, "proposed": 3}

    status, page = api(gateway, "GET", f"/replays/{job['job_id']}/results", Role.ADMINISTRATOR)
    assert status == 200, page
    changes = {(m["message_id"], c["recipient"], c["live"]["action"], c["proposed"]["action"], c["proposed"]["rule"])
               for m in page["items"] for c in m["changed"]}
    assert changes == {(spam_two, "bob@example.test", "deliver", "delete", DROP),
                       (spam_two, "finance@example.test", "deliver", "delete", DROP),
                       (spam_one, "bob@example.test", "deliver", "delete", DROP)}
    assert normal not in {m["message_id"] for m in page["items"]}

    status, capped = api(gateway, "POST", "/replays", body={"sections": {"rules": proposed_rules(gateway)},
                                                            "from": iso(start), "to": iso(end), "limit": 2})
    capped = finished(gateway, capped["job_id"])
    assert (capped["total"], capped["more"]) == (2, True)
    assert api(gateway, "POST", "/replays", Role.AUDITOR, body={"sections": {}})[0] == 403
    assert side_effects(gateway, ids) == before  # nothing delivered, kept, logged or counted by the replays


def test_a_replay_of_more_than_one_ids_item_fans_out_to_workers_and_lists_each_change_once(gateway, monkeypatch):
    monkeypatch.setattr(replay_job, "IDS_PER_ITEM", 2)  # five messages make three ids items: three workers
    monkeypatch.setattr(replay_parts, "FAN_OUT", 2)
    start = datetime.now(UTC)  # the messages of this test only
    ids = [sent(gateway, SPAMMER if n % 2 == 0 else "alice@sender.test", ["bob@example.test"], f"fan-out {n}")
           for n in range(5)]
    end = datetime.now(UTC) + timedelta(seconds=1)
    before = side_effects(gateway, ids)

    status, job = api(gateway, "POST", "/replays", body={"sections": {"rules": proposed_rules(gateway)},
                                                         "from": iso(start), "to": iso(end), "limit": 100})
    assert status == 202, job
    job = finished(gateway, job["job_id"])
    assert (job["state"], job["total"], job["done"], job["error"]) == ("done", 5, 5, None), job
    assert (job["counts"]["messages"], job["counts"]["changed_messages"], job["counts"]["would_hold"]) == (5, 3, 3)

    listed, cursor = [], ""
    while True:  # a message at a time, across the workers' pages
        status, page = api(gateway, "GET", f"/replays/{job['job_id']}/results?limit=1{cursor}")
        assert status == 200, page
        listed += [m["message_id"] for m in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert listed == ids[0::2]  # each changed message once, in the order received
    assert side_effects(gateway, ids) == before


def test_a_proposed_content_filter_expression_is_evaluated_again_over_the_stored_originals(gateway):
    start = datetime.now(UTC)  # the messages of this test only
    secret = sent(gateway, "alice@sender.test", ["bob@example.test"], "Kingfisher launch plan")
    plain = sent(gateway, "alice@sender.test", ["bob@example.test"], "lunch on friday")
    end = datetime.now(UTC) + timedelta(seconds=1)
    content = json.loads(json.dumps(api(gateway, "GET", "/settings/content-filter")[1]["settings"]))
    content["dictionaries"].append({"name": "Replay codenames", "type": "text", "strings": ["kingfisher"]})
    content["expressions"].insert(0, {
        "name": "Codenames stay inside", "action": "reject", "backup": True,
        "conditions": [{"attribute": "subject", "operator": "dictionary", "dictionary": "Replay codenames"}]})
    before = side_effects(gateway, [secret, plain])

    status, job = api(gateway, "POST", "/replays", body={"sections": {"content_filter": content},
                                                         "from": iso(start), "to": iso(end)})
    assert status == 202, job
    job = finished(gateway, job["job_id"])
    assert (job["state"], job["counts"]["changed_messages"], job["counts"]["missing_originals"]) == ("done", 1, 0)
    [changed] = api(gateway, "GET", f"/replays/{job['job_id']}/results")[1]["items"]
    [change] = changed["changed"]
    assert changed["message_id"] == secret
    assert (change["live"]["action"], change["proposed"]["action"], change["proposed"]["module"]) == (
        "deliver", "reject", "content_filter")
    assert side_effects(gateway, [secret, plain]) == before


def test_mailgate_replay_prints_the_difference(gateway, tmp_path):
    start = datetime.now(UTC)  # the messages of this test only
    spam = sent(gateway, SPAMMER, ["bob@example.test"], "offers again")
    end = datetime.now(UTC) + timedelta(seconds=1)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(proposed_rules(gateway)))
    result = run_mailgate("replay", "--rules", str(rules), "--from", iso(start), "--to", iso(end),
                          "--api", gateway.api_url, "--token", token(gateway, Role.ADMINISTRATOR))
    assert result.returncode == 0, result.stderr
    assert "1 of 1 messages (1 of 1 recipients) decided differently: would hold 1 more" in result.stdout
    assert f"{spam} from {SPAMMER}:" in result.stdout
    assert f"bob@example.test: deliver (rule Default) → delete (rule {DROP})" in result.stdout
    refused = run_mailgate("replay", "--rules", str(rules), "--api", gateway.api_url,
                           "--token", token(gateway, Role.AUDITOR))
    assert refused.returncode == 1 and "403" in refused.stderr


def test_a_shadow_candidate_logs_would_be_decisions_acts_on_nothing_and_is_promoted(gateway, restore_settings):
    version = api(gateway, "GET", "/settings/general")[1]["version"]
    status, shadow = api(gateway, "PUT", "/settings/shadow", body={"version": version,
                                                                   "sections": {"rules": proposed_rules(gateway)}})
    assert status == 200, shadow
    assert shadow["sections"] == ["rules"]
    process.reset()  # the rules function reads the candidate again at once, not after its 30 s
    try:
        spam = sent(gateway, SPAMMER, ["bob@example.test", "finance@example.test"], "shadowed offers")
        normal = sent(gateway, "alice@sender.test", ["bob@example.test"], "shadowed minutes")
        assert delivered(gateway, spam) and delivered(gateway, normal)  # the candidate acted on nothing

        def shadow_event(message_id: str) -> dict | None:
            return next((e for e in events(gateway, message_id) if e["kind"] == "shadow"), None)

        logged = wait_for(lambda: shadow_event(spam))
        assert logged["detail"]["changed_count"] == 2
        assert {(c["recipient"], c["live"]["action"], c["proposed"]["action"]) for c in logged["detail"]["changed"]} \
            == {("bob@example.test", "deliver", "delete"), ("finance@example.test", "deliver", "delete")}
        assert wait_for(lambda: shadow_event(normal))["detail"]["changed_count"] == 0

        status, summary = api(gateway, "GET", "/settings/shadow/summary", Role.AUDITOR)
        assert status == 200, summary
        assert summary["active"] and summary["counts"]["messages"] >= 2
        assert summary["counts"]["would_hold"] >= 2 and summary["counts"]["by_rule"][DROP]["proposed"] >= 2

        status, promoted = api(gateway, "POST", "/settings/shadow/promote", body={"version": version})
        assert (status, promoted) == (200, {"version": version + 1, "promoted": True})
        process.reset()
        assert api(gateway, "GET", "/settings/rules")[1]["settings"]["rules"][0]["name"] == DROP
        audit = api(gateway, "GET", "/audit")[1]["items"]
        assert (audit[0]["operation"], audit[0]["version_after"]) == ("POST /settings/shadow/promote", version + 1)
        assert api(gateway, "GET", "/settings/shadow/summary")[0] == 404  # promotion ends shadow mode

        dropped = send(gateway, SPAMMER, ["bob@example.test"], simple_message(SPAMMER, "bob@example.test", "live"))
        assert [e["kind"] for e in outcomes(gateway, dropped)] == ["deleted"]  # the promoted rule is live
        assert not any(e["kind"] == "shadow" for e in events(gateway, dropped))
    finally:
        api(gateway, "DELETE", "/settings/shadow")
        process.reset()


def test_a_shadow_candidates_content_filter_runs_over_each_new_message(gateway):
    version = api(gateway, "GET", "/settings/general")[1]["version"]
    content = json.loads(json.dumps(api(gateway, "GET", "/settings/content-filter")[1]["settings"]))
    content["dictionaries"].append({"name": "Shadow codenames", "type": "text", "strings": ["heron"]})
    content["expressions"].insert(0, {
        "name": "Herons stay inside", "action": "reject",
        "conditions": [{"attribute": "subject", "operator": "dictionary", "dictionary": "Shadow codenames"}]})
    status, shadow = api(gateway, "PUT", "/settings/shadow", body={"version": version,
                                                                   "sections": {"content_filter": content}})
    assert status == 200, shadow
    process.reset()
    try:
        message_id = sent(gateway, "alice@sender.test", ["bob@example.test"], "Heron launch plan")
        assert delivered(gateway, message_id)  # live: no such expression
        logged = wait_for(lambda: next((e for e in events(gateway, message_id) if e["kind"] == "shadow"), None))
        [change] = logged["detail"]["changed"]
        assert (change["live"]["action"], change["proposed"]["action"], change["proposed"]["module"]) == (
            "deliver", "reject", "content_filter")
    finally:
        assert api(gateway, "DELETE", "/settings/shadow")[1] == {"removed": True}
        process.reset()
