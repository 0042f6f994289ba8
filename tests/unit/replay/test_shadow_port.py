"""The rules step's shadow port, through `process_report` with the real adapters: the candidate's would-be
decision is one `shadow` event after the live action, and a shadow that fails changes nothing the step does."""

from __future__ import annotations

from dataclasses import replace

from mailgate.actions.outcome import OutcomeStatus
from mailgate.actions.processor import process_report
from mailgate.replay.shadow import SHADOW, ShadowRecorder, ShadowSettings
from mailgate.settings.validation import as_document, validate_settings
from tests.unit.actions.test_actions import RAW, kinds, report


def test_the_candidate_is_logged_after_the_live_delivery_and_acts_on_nothing(world, destination):
    document = as_document(world["config"])
    document["rules"]["rules"].insert(0, {"name": "Drop partner", "senders": {"domains": ["partner.test"]},
                                          "mode": "delete"})
    candidate = ShadowSettings(config=validate_settings(document), since="2026-12-06T00:00:00Z", set_by="ann",
                               based_on_version=3)
    ports = replace(world["ports"], shadow=ShadowRecorder(lambda: candidate, world["events"]))
    [outcome] = process_report(report(), RAW, "numbers", world["config"], ports, final_attempt=False)
    assert outcome.status == OutcomeStatus.DELIVERED and destination.wait_for(1)
    assert kinds(world) == ["decision", "delivered", SHADOW]
    [shadow] = [e for e in world["events"].for_message("m1") if e.kind == SHADOW]
    [change] = shadow.detail["changed"]
    assert (change["live"]["action"], change["proposed"]["action"], change["proposed"]["rule"]) == (
        "deliver", "delete", "Drop partner")


def test_a_shadow_port_that_raises_changes_nothing_the_step_does(world, destination):
    def broken(*_args: object) -> None:
        raise RuntimeError("shadow bug")

    ports = replace(world["ports"], shadow=broken)
    [outcome] = process_report(report(), RAW, "numbers", world["config"], ports, final_attempt=False)
    assert outcome.status == OutcomeStatus.DELIVERED and destination.wait_for(1)
    assert kinds(world) == ["decision", "delivered"]
