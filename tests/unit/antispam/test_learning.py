"""Feedback learning: idempotent by message hash, combined with the base model, stored through a port."""

from __future__ import annotations

from pathlib import Path

from mailgate.config import AntispamSettings
from mailgate.scanners.antispam.learning import JsonFileStore, MemoryStore, OrganisationModel
from tests.unit.antispam.helpers import build, context, scanner

PITCH = (
    "Hello, we are a supplier of industrial fasteners and would like to offer our catalogue for the\n"
    "coming season. Our team can deliver bolts, nuts and anchors at competitive conditions to your\n"
    "warehouse within two weeks. Reply to this email for the price list and samples.\n"
)


def pitch(number: int) -> object:
    return build(body=PITCH, subject="Fasteners catalogue for the coming season",
                 sender="Sales Team <sales@fasteners.test>", message_id=f"<pitch-{number}@fasteners.test>")


def test_learning_the_same_message_twice_changes_nothing(tmp_path: Path) -> None:
    store = JsonFileStore(tmp_path)
    model = OrganisationModel("org-1", store)
    message = pitch(1)
    assert model.learn(message, is_spam=True) is True
    saved = (tmp_path / next(p.name for p in tmp_path.iterdir())).read_bytes()
    assert model.learn(message, is_spam=True) is False
    assert (tmp_path / next(p.name for p in tmp_path.iterdir())).read_bytes() == saved
    assert model.counts.spam_messages == 1


def test_relearning_with_the_other_label_moves_the_message_instead_of_adding_it() -> None:
    model = OrganisationModel("org-1", MemoryStore())
    message = pitch(1)
    model.learn(message, is_spam=True)
    model.learn(message, is_spam=False)
    assert (model.counts.spam_messages, model.counts.ham_messages) == (0, 1)
    assert all(spam == 0 for spam, _ in model.counts.tokens.values())
    assert model.forget(message) is True
    assert model.counts.tokens == {}


def test_learned_spam_moves_a_borderline_copy_over_the_threshold() -> None:
    model = OrganisationModel("org-1", MemoryStore())
    before = scanner(organisation=model).scan(pitch(2), context(mail_from="sales@fasteners.test"))
    assert before.verdict == "not_spam"
    settings = AntispamSettings(probable_threshold=before.score + 2.0, spam_threshold=before.score + 6.0)
    model.learn(pitch(1), is_spam=True)
    after = scanner(settings=settings, organisation=model).scan(pitch(2), context(mail_from="sales@fasteners.test"))
    assert after.score >= before.score + 2.0
    assert after.verdict == "probable_spam"
    learned = next(c for c in after.reasons if c.test == "LEARNED_SPAM")
    assert "fasteners" in learned.evidence  # the learned tokens are named as evidence


def test_learned_ham_pulls_a_copy_down() -> None:
    model = OrganisationModel("org-1", MemoryStore())
    before = scanner(organisation=model).scan(pitch(2), context(mail_from="sales@fasteners.test"))
    model.learn(pitch(1), is_spam=False)
    after = scanner(organisation=model).scan(pitch(2), context(mail_from="sales@fasteners.test"))
    assert after.score <= before.score - 2.0


def test_unrelated_mail_barely_moves_after_learning() -> None:
    model = OrganisationModel("org-1", MemoryStore())
    before = scanner(organisation=model).scan(build(), context())
    model.learn(pitch(1), is_spam=True)
    after = scanner(organisation=model).scan(build(), context())
    assert after.verdict == before.verdict == "not_spam"
    assert after.score - before.score < 1.5


def test_the_counts_survive_a_new_process_through_the_store(tmp_path: Path) -> None:
    OrganisationModel("org-1", JsonFileStore(tmp_path)).learn(pitch(1), is_spam=True)
    reloaded = OrganisationModel("org-1", JsonFileStore(tmp_path))
    assert reloaded.counts.spam_messages == 1
    assert reloaded.learn(pitch(1), is_spam=True) is False
    assert OrganisationModel("org-2", JsonFileStore(tmp_path)).counts.spam_messages == 0
