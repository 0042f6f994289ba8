"""After a release: the sender on allow lists (personal, organisation), through the real stores (moto)."""

from __future__ import annotations

import pytest

from mailgate.aws import resources
from mailgate.aws.personal_lists import DynamoPersonalLists
from mailgate.aws.settings_table import DynamoSettingsStore
from mailgate.backup.follow_up import allow_for_organisation, allow_personally, why_sender_cannot_be_allowed
from mailgate.config import GatewayConfig
from mailgate.rules.sender_lists import PersonalLists
from mailgate.settings.service import Actor, SettingsService

ACTOR = Actor("ann <ann@example.test>", "s-1", "POST /backup/x/release")


@pytest.fixture
def stores(aws):
    resources.create_settings_table("settings")
    return DynamoPersonalLists("settings"), SettingsService(DynamoSettingsStore("settings"),
                                                            lambda: GatewayConfig(authserv_id="mx.example.test"))


def test_the_sender_is_added_once_to_each_recipients_own_list(stores):
    personal, _ = stores
    assert allow_personally(personal, ["Bob@example.test", "carol@example.test"], "Shop@Sender.test", ACTOR) == [
        "bob@example.test", "carol@example.test"]
    assert allow_personally(personal, ["bob@example.test"], "shop@sender.test", ACTOR) == []  # already there
    assert personal.get("bob@example.test").lists.allow == ("shop@sender.test",)


def test_a_full_personal_list_is_left_as_it_is(stores):
    personal, _ = stores
    full = PersonalLists(allow=tuple(f"s{i}@x.test" for i in range(500)))
    personal.save("bob@example.test", full, 0, "ann", "s-1", "test")
    assert allow_personally(personal, ["bob@example.test"], "shop@sender.test", ACTOR) == []
    assert len(personal.get("bob@example.test").lists.allow) == 500


def test_the_organisations_list_gains_the_sender_in_an_audited_change(stores):
    _, settings = stores
    assert allow_for_organisation(settings, "Shop@Sender.test", ACTOR)
    assert not allow_for_organisation(settings, "shop@sender.test", ACTOR)
    record = settings.current()
    assert record.config.lists.allow == ("shop@sender.test",) and record.version == 1


@pytest.mark.parametrize("sender", ["", "  ", "not an address", "a@b", "@sender.test"])
def test_a_bounce_or_text_that_is_no_address_is_never_allowed(sender):
    assert why_sender_cannot_be_allowed(sender)


def test_an_address_can_be_allowed():
    assert why_sender_cannot_be_allowed("shop@sender.test") is None
