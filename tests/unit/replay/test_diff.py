"""Replay's comparison and counting: which recipients' decisions change, and the totals an administrator reads."""

from __future__ import annotations

from mailgate.replay.diff import MAX_LISTED, MessageDiff, Side, Tally, compare

DELIVER = Side(action="deliver", rule="Default")
SPAM_HELD = Side(action="hold", rule="Default", module="antispam", verdict_class="probable_spam")
DROPPED = Side(action="delete", rule="Drop bulk sender")


def test_only_recipients_whose_decision_differs_are_listed_and_case_does_not_matter():
    diff = compare("m1", [("Bob@example.test", DELIVER), ("carol@example.test", DELIVER)],
                   [("bob@example.test", DROPPED), ("carol@example.test", DELIVER)], "spam@bulk.test")
    assert (diff.recipients, diff.changed_count) == (2, 1)
    [change] = diff.changed
    assert (change.recipient, change.live, change.proposed) == ("Bob@example.test", DELIVER, DROPPED)


def test_a_recipient_named_again_by_a_retried_group_is_compared_once():
    diff = compare("m1", [("bob@example.test", SPAM_HELD), ("bob@example.test", DELIVER)],
                   [("bob@example.test", SPAM_HELD)])
    assert (diff.recipients, diff.changed_count) == (1, 0)


def test_the_tally_says_how_many_more_would_be_held_and_how_many_released():
    tally = Tally()
    tally.add(compare("m1", [("a@x.test", DELIVER), ("b@x.test", DELIVER)], [("a@x.test", DROPPED),
                                                                             ("b@x.test", DROPPED)]))
    tally.add(compare("m2", [("a@x.test", SPAM_HELD)], [("a@x.test", DELIVER)]))
    tally.add(compare("m3", [("a@x.test", DELIVER)], [("a@x.test", DELIVER)]))
    assert (tally.messages, tally.recipients, tally.changed_messages, tally.changed_recipients) == (3, 4, 2, 3)
    assert (tally.would_hold, tally.would_release) == (2, 1)
    assert tally.transitions == {"deliver→delete": 2, "hold→deliver": 1}
    assert tally.by_rule == {"Default": {"live": 3, "proposed": 1}, "Drop bulk sender": {"live": 0, "proposed": 2}}
    assert tally.by_module["antispam"] == {"live": 1, "proposed": 0}
    assert tally.by_verdict_class["probable_spam"] == {"live": 1, "proposed": 0}
    assert "2 of 3 messages (3 of 4 recipients)" in tally.sentence()
    assert "would hold 2 more" in tally.sentence() and "release 1" in tally.sentence()


def test_a_change_of_rule_alone_is_a_change_but_not_a_change_of_action():
    tally = Tally()
    tally.add(compare("m1", [("a@x.test", DELIVER)], [("a@x.test", Side(action="deliver", rule="Partners"))]))
    assert (tally.changed_recipients, tally.action_changed, tally.would_hold, tally.would_release) == (1, 0, 0, 0)


def test_counts_and_differences_survive_their_stored_form():
    tally = Tally()
    diff = compare("m1", [("a@x.test", DELIVER)], [("a@x.test", DROPPED)], "s@bulk.test")
    tally.add(diff)
    assert MessageDiff.from_dict(diff.to_dict()) == diff
    assert Tally.from_dict(tally.to_dict()) == tally
    assert tally.to_dict()["summary"] == tally.sentence()


def test_a_message_to_very_many_recipients_lists_some_and_counts_all():
    live = [(f"u{i}@x.test", DELIVER) for i in range(MAX_LISTED + 20)]
    proposed = [(r, DROPPED) for r, _ in live]
    diff = compare("m1", live, proposed)
    assert (diff.changed_count, len(diff.changed)) == (MAX_LISTED + 20, MAX_LISTED)
