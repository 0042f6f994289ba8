"""Feedback learning stored in S3 (the counts) and DynamoDB (a versioned pointer), against moto."""

from __future__ import annotations

import gzip
import json

import pytest

from mailgate.aws import resources
from mailgate.aws.antispam_store import MODEL_PREFIX, DynamoS3OrganisationStore
from mailgate.aws.clients import client
from mailgate.aws.event_table import DynamoEventLog
from mailgate.scanners.antispam.feedback import FeedbackService, NotAMessage
from mailgate.scanners.antispam.learning import OrganisationModel, StaleModel
from mailgate.scanners.antispam.tokens import features
from tests.unit.antispam.helpers import build

BUCKET = "mail"
TABLE = "settings"
ORG = "default"

PITCH = (
    "Hello, we are a supplier of industrial fasteners and would like to offer our catalogue for the\n"
    "coming season. Our team can deliver bolts, nuts and anchors at competitive conditions to your\n"
    "warehouse within two weeks. Reply to this email for the price list and samples.\n"
)


def pitch(number: int, body: str = PITCH):
    return build(body=body, subject="Fasteners catalogue for the coming season",
                 sender="Sales Team <sales@fasteners.test>", message_id=f"<pitch-{number}@fasteners.test>")


@pytest.fixture
def store(aws) -> DynamoS3OrganisationStore:
    resources.create_bucket(BUCKET)
    resources.create_settings_table(TABLE)
    return DynamoS3OrganisationStore(TABLE, BUCKET)


def model_objects() -> list[str]:
    listed = client("s3").list_objects_v2(Bucket=BUCKET, Prefix=MODEL_PREFIX)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def pointer_item() -> dict:
    return client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "antispam-model"}, "sk": {"S": ORG}})["Item"]


def test_learned_counts_survive_in_s3_with_a_pointer_naming_version_and_who(store):
    model = OrganisationModel(ORG, store)
    assert model.version == 0 and model.counts.spam_messages == 0
    assert model.learn(pitch(1), is_spam=True, by="admin <admin@example.test>") is True

    [key] = model_objects()
    assert key.startswith("models/antispam/default/1-") and key.endswith(".json.gz")
    document = json.loads(gzip.decompress(client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()))
    assert document["model_version"] == 1 and document["counts"]["spam_messages"] == 1
    item = pointer_item()
    assert item["version"]["N"] == "1" and item["object_key"]["S"] == key
    assert item["updated_by"]["S"] == "admin <admin@example.test>"
    assert (item["spam_messages"]["N"], item["ham_messages"]["N"]) == ("1", "0")
    assert int(item["tokens"]["N"]) == len(model.counts.tokens) > 10

    reloaded = OrganisationModel(ORG, DynamoS3OrganisationStore(TABLE, BUCKET))
    assert reloaded.version == 1
    assert reloaded.counts == model.counts
    assert reloaded.stored.updated_by == "admin <admin@example.test>"


def test_two_learners_racing_keep_both_updates_and_only_the_newest_object(store):
    first, second = OrganisationModel(ORG, store), OrganisationModel(ORG, store)  # both read version 0
    assert first.learn(pitch(1), is_spam=True, by="alice") is True
    # `second` still holds version 0: its conditional write fails, it reloads and applies its change again
    assert second.learn(pitch(2, PITCH + "Special offer this week only.\n"), is_spam=False, by="bob") is True

    assert second.version == 2
    fresh = OrganisationModel(ORG, store)
    assert (fresh.counts.spam_messages, fresh.counts.ham_messages) == (1, 1)
    assert len(fresh.counts.learned) == 2
    assert fresh.stored.updated_by == "bob"
    [key] = model_objects()  # version 1's object was deleted after the swap
    assert key.startswith("models/antispam/default/2-")


def test_a_save_from_a_stale_version_is_refused_and_leaves_nothing_behind(store):
    model = OrganisationModel(ORG, store)
    model.learn(pitch(1), is_spam=True)
    before = (pointer_item(), model_objects())
    stale_counts = model.counts.copy()
    stale_counts.spam_messages += 5
    with pytest.raises(StaleModel) as refused:
        store.save(ORG, stale_counts, expected_version=0, by="mallory")
    assert (refused.value.expected, refused.value.current) == (0, 1)
    assert (pointer_item(), model_objects()) == before  # the pointer kept version 1; the loser's object is gone


def test_learning_the_same_message_twice_changes_nothing(store):
    model = OrganisationModel(ORG, store)
    assert model.learn(pitch(1), is_spam=True) is True
    before = (pointer_item(), model_objects(), model.counts.copy())
    assert model.learn(pitch(1), is_spam=True) is False
    assert OrganisationModel(ORG, store).learn(pitch(1), is_spam=True) is False  # another process too
    assert (pointer_item(), model_objects(), model.counts) == before


def test_relabelling_moves_the_message_from_spam_to_ham(store):
    model = OrganisationModel(ORG, store)
    model.learn(pitch(1), is_spam=True)
    assert model.learn(pitch(1), is_spam=False) is True
    stored = OrganisationModel(ORG, store)
    assert stored.version == 2
    assert (stored.counts.spam_messages, stored.counts.ham_messages) == (0, 1)
    assert all(spam == 0 and ham == 1 for spam, ham in stored.counts.tokens.values())
    assert stored.forget(pitch(1)) is True
    assert OrganisationModel(ORG, store).counts.tokens == {}


def test_a_warm_scanner_model_sees_feedback_after_its_check_interval_not_on_every_message(store):
    now = [1000.0]
    warm = OrganisationModel(ORG, store, refresh_seconds=60, clock=lambda: now[0])
    message_features = features(pitch(2))
    assert warm.evidence(message_features) == {}

    OrganisationModel(ORG, store).learn(pitch(1), is_spam=True)  # the admin API, another process
    now[0] += 59
    assert warm.evidence(message_features) == {}  # not asked again yet
    now[0] += 1
    learned = warm.evidence(message_features)
    assert sum(learned.values()) > 2.0
    assert warm.version == 1


def test_a_store_that_cannot_be_read_keeps_the_last_counts_in_use(store):
    now = [0.0]
    OrganisationModel(ORG, store).learn(pitch(1), is_spam=True)
    warm = OrganisationModel(ORG, store, refresh_seconds=60, clock=lambda: now[0])
    before = warm.evidence(features(pitch(2)))
    client("dynamodb").delete_table(TableName=TABLE)
    now[0] += 120
    assert warm.evidence(features(pitch(2))) == before


def test_feedback_is_recorded_in_the_event_log_with_who_marked_what(store):
    resources.create_tables("events", "backup", "idem")
    service = FeedbackService(OrganisationModel(ORG, store), DynamoEventLog("events"))
    outcome = service.mark(pitch(1).raw, "spam", "admin <admin@example.test>", message_id="gw-1", source="backup b-1")
    assert (outcome.learned, outcome.label, outcome.previous) == (True, "spam", None)
    assert outcome.model.spam_messages == 1 and outcome.model.version == 1
    again = service.mark(pitch(1).raw, "spam", "officer <so@example.test>", message_id="gw-1")
    assert again.learned is False and again.model.version == 1
    moved = service.mark(pitch(1).raw, "not_spam", "officer <so@example.test>", message_id="gw-1")
    assert (moved.learned, moved.previous) == (True, "spam")
    assert service.summary().ham_messages == 1

    recorded = DynamoEventLog("events").for_message("gw-1")
    assert [e.summary for e in recorded] == [
        "marked as spam by admin <admin@example.test>: learned",
        "marked as spam by officer <so@example.test>: already learned so, nothing changed",
        "marked as not spam by officer <so@example.test>: learned (was learned as spam)",
    ]
    assert {e.kind for e in recorded} == {"feedback"}
    assert recorded[0].detail["source"] == "backup b-1"
    assert recorded[0].detail["message_sha256"] == outcome.message_sha256
    assert recorded[0].subject == "Fasteners catalogue for the coming season"


@pytest.mark.parametrize("raw", [b"", b"just some text, no header\n", b"\x00\xff\x10binary" * 20])
def test_bytes_that_are_not_a_mail_message_are_refused(store, raw):
    service = FeedbackService(OrganisationModel(ORG, store))
    with pytest.raises(NotAMessage, match="not an RFC 5322 mail message"):
        service.mark(raw, "spam", "admin")
    assert model_objects() == []
