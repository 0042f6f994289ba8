"""The personal view in a real browser: bob@example.test (the local PersonalUser) lands on My Backup, which lists
the spam held for him and not the spam held only for alice@example.test; he opens his own entry's safe view with
his own release controls and releases it to himself; a virus he may not release he asks for; on My lists he turns
the daily digest off, which the API then reports. Screenshots: my-backup, my-lists."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from mailgate.api.roles import Role
from mailgate.scanners.antivirus.database import EICAR
from tests.integration.console.test_console_backup import SCRIPT, found_link, held, kept, search_by_subject, shown
from tests.support.browser import axe_critical, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import delivered, send, simple_message, wait_for

pytestmark = pytest.mark.integration

BOB, ALICE = "bob@example.test", "alice@example.test"


@pytest.fixture
def digest_back_on(gateway, bobs_lists) -> Iterator[None]:
    """Bob's digest choice is put back (his lists are emptied by bobs_lists)."""
    yield
    current = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)[1]
    if current["digest"] is False:
        api(gateway, "PUT", "/lists/personal", role=Role.PERSONAL_USER,
            body={"version": current["version"], "allow": current["allow"], "deny": current["deny"], "digest": True})


def test_my_backup_lists_my_held_mail_only_and_opens_it_with_my_own_controls(browser, gateway):
    mark = uuid.uuid4().hex[:10]
    mine, theirs = f"For Bob {mark}", f"For Alice {mark}"
    infected = f"Invoice {mark}"
    virus = send(gateway, "billing@sender.test", [BOB], simple_message(
        "billing@sender.test", BOB, infected, body=f"Attached inline:\n{EICAR.decode()}\n"))
    message_id = held(gateway, BOB, mine)
    held(gateway, ALICE, theirs)
    assert api(gateway, "GET", f"/backup?subject={quote(theirs)}")[1]["items"]  # Alice's is in Backup, for admins

    login(browser, gateway, "user")
    wait(browser).until(ec.url_contains("/my/backup"))  # a personal user's start page
    assert sorted(search_by_subject(browser, mark)) == sorted([mine, infected])
    assert theirs not in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="bulk"]') == []
    screenshot(browser, "my-backup")
    assert axe_critical(browser) == []

    found_link(browser, mine).click()
    text = shown(browser, "safe-text")
    assert SCRIPT in text.text
    controls = shown(browser, "personal-release")
    assert "Release to me" in controls.text and "allow the sender" in controls.text
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="delete"]') == []
    assert axe_critical(browser) == []
    browser.find_element(By.CSS_SELECTOR, '[data-testid="release-to-me"]').click()
    assert f"{BOB}: delivered" in shown(browser, "release-outcome").text
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [BOB] and copy["Subject"] == mine

    # a virus he may not release himself: he asks for it instead
    virus_id = kept(gateway, virus)
    browser.find_element(By.LINK_TEXT, "Back to My Backup").click()
    assert search_by_subject(browser, infected) == [infected]
    found_link(browser, infected).click()
    asking = shown(browser, "personal-release")
    assert "only an administrator can release it" in asking.text
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="release-to-me"]') == []
    browser.find_element(By.CSS_SELECTOR, '[data-testid="request-release"]').click()
    wait(browser).until(lambda d: "You asked for this message" in d.find_element(
        By.CSS_SELECTOR, '[data-testid="personal-release"]').text)
    wait(browser).until(lambda d: d.find_elements(By.XPATH, "//*[@data-testid='history']//td[.='release requested']"))
    [entry] = api(gateway, "GET", f"/backup?subject={quote(infected)}")[1]["items"]
    assert entry["message_id"] == virus_id and entry["history"][-1]["action"] == "release_requested"
    assert delivered(gateway, virus_id) == []


def test_a_user_turns_the_daily_digest_off_on_my_lists(browser, gateway, digest_back_on):
    login(browser, gateway, "user", "/my/lists")
    digest = wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="digest"]')))
    assert digest.is_selected()
    digest.click()
    browser.find_element(By.CSS_SELECTOR, '[data-testid="save-lists"]').click()
    wait(browser).until(lambda d: "Saved" in d.find_element(By.CSS_SELECTOR, '[data-testid="my-lists"]').text)
    assert api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)[1]["digest"] is False
    screenshot(browser, "my-lists")
    assert axe_critical(browser) == []
