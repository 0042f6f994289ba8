"""Backup in the web console, in a real browser against local mode with real SMTP: an administrator finds a held
spam by its subject, opens its safe view (the <script> and the onerror image of its HTML show as text and never
run), releases it and it arrives downstream; an Auditor reads the same entry with no control to release, delete
or download it; a search's entries are deleted together, after their count. Screenshots: backup, backup-entry,
quarantine."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from mailgate.scanners.antispam.rules import GTUBE
from tests.support.browser import axe_critical, console_errors, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import delivered, outcomes, send, wait_for

pytestmark = pytest.mark.integration

BOB = "bob@example.test"
SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"document.title='pwned by img'\">"


def hostile_spam(sender: str, to: str, subject: str) -> bytes:
    """GTUBE (the Default rule keeps it in Backup) whose text and HTML both carry a script and an onerror image."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="sender.test")
    message["Date"] = formatdate()
    message.set_content(f"Cheap fasteners.\n{SCRIPT}\n{IMAGE}\n{GTUBE}\n")
    message.add_alternative(f"<html><body><p>Cheap fasteners.</p>{SCRIPT}{IMAGE}<p>{GTUBE}</p></body></html>",
                            subtype="html")
    return message.as_bytes()


def sent(gateway, to: str, subject: str) -> str:
    sender = f"con-{uuid.uuid4().hex[:8]}@sender.test"
    return send(gateway, sender, [to], hostile_spam(sender, to, subject))


def kept(gateway, message_id: str) -> str:
    """The message's id once Backup keeps it."""
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "backup" in kinds and "delivered" not in kinds, kinds
    return message_id


def held(gateway, to: str, subject: str) -> str:
    """Sends the hostile spam; its gateway id once Backup keeps it."""
    return kept(gateway, sent(gateway, to, subject))


@pytest.fixture(scope="module")
def spam(gateway) -> tuple[str, str]:
    subject = f"Fasteners {uuid.uuid4().hex[:10]}"
    return held(gateway, BOB, subject), subject


def shown(driver, testid: str):
    """The element with this data-testid once it is visible."""
    return wait(driver).until(ec.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')))


def found_subjects(driver) -> list[str] | None:
    """The subjects the Backup list shows once it has loaded, or None while it loads."""
    return driver.execute_script(
        "const list = document.querySelector('[data-testid=\"backup-results\"]');"
        "if (!list || list.getAttribute('aria-busy') !== 'false') return null;"
        "return [...list.querySelectorAll('[data-testid=\"backup-open\"]')].map(a => a.textContent);")


def search_by_subject(driver, subject: str) -> list[str]:
    """Searches Backup for a subject; the subjects found (each contains it)."""
    field = wait(driver).until(ec.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter-subject"]')))
    field.send_keys(subject)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="backup-search"]').click()
    return list(wait(driver).until(lambda d: (found := found_subjects(d)) and all(subject in s for s in found)
                                   and found))


def found_link(driver, subject: str):
    return wait(driver).until(ec.element_to_be_clickable((By.XPATH, f"//a[@data-testid='backup-open'][.='{subject}']")))


def test_an_administrator_finds_views_safely_releases_and_deletes_by_filter(browser, gateway, spam):
    message_id, subject = spam
    bulk = f"Bulk {uuid.uuid4().hex[:10]}"
    more = [sent(gateway, BOB, f"{bulk} one"), sent(gateway, "carol@example.test", f"{bulk} two")]
    login(browser, gateway, "admin", "/backup")
    assert search_by_subject(browser, subject) == [subject]
    link = found_link(browser, subject)
    rows = browser.find_elements(By.CSS_SELECTOR, '[data-testid="backup-row"]')
    assert len(rows) == 1 and BOB in rows[0].text and "Anti-Spam" in rows[0].text
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="bulk-release"]').is_displayed()
    screenshot(browser, "backup")
    assert axe_critical(browser) == []

    link.click()
    text = shown(browser, "safe-text")
    assert text.tag_name == "pre"
    assert SCRIPT in text.text and "onerror=" in text.text  # the sender's markup, shown as its letters
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="safe-view"] :is(script, img)') == []
    assert browser.title == "Backup entry · mailgate"
    assert "pwned" not in browser.execute_script("return document.title")
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="entry-subject"]').text == subject
    assert browser.find_elements(By.XPATH, "//*[@data-testid='safe-view']//td/code[.='GTUBE']")  # the named test
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", text)
    screenshot(browser, "backup-entry")
    assert axe_critical(browser) == []

    browser.find_element(By.CSS_SELECTOR, '[data-testid="release"]').click()
    outcome = shown(browser, "release-outcome")
    assert f"{BOB}: delivered" in outcome.text
    [(copy, envelope)] = wait_for(lambda: delivered(gateway, message_id))
    assert envelope["recipients"] == [BOB] and copy["Subject"] == subject
    released = "//*[@data-testid='history']//tr[td[.='released']]"
    [row] = wait(browser).until(lambda d: d.find_elements(By.XPATH, released))
    assert "admin" in row.text and BOB in row.text and "delivered" in row.text
    assert "pwned" not in browser.execute_script("return document.title")
    assert [m for m in console_errors(browser) if "Uncaught" in m or "Content Security Policy" in m] == []

    browser.find_element(By.LINK_TEXT, "Anti-Spam Quarantine").click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="quarantine-usage"]')))
    screenshot(browser, "quarantine")
    assert axe_critical(browser) == []

    # everything a search finds, deleted: the count first, then the confirmation, then the outcome
    for held_id in more:
        kept(gateway, held_id)
    browser.find_element(By.LINK_TEXT, "Backup").click()
    assert sorted(search_by_subject(browser, bulk)) == [f"{bulk} one", f"{bulk} two"]
    browser.find_element(By.CSS_SELECTOR, '[data-testid="bulk-delete"]').click()
    question = wait(browser).until(ec.visibility_of_element_located((By.ID, "confirm-question")))
    assert "This will delete 2 entries" in question.text
    browser.find_element(By.XPATH, "//dialog//button[.='Delete them']").click()
    assert "Deleted 2 entries." in shown(browser, "bulk-outcome").text
    shown(browser, "backup-empty")
    assert api(gateway, "GET", f"/backup?subject={quote(bulk)}")[1]["items"] == []
    assert api(gateway, "GET", f"/backup?subject={quote(subject)}")[1]["items"]  # outside the filter: kept


def test_an_auditor_reads_an_entry_without_release_delete_or_download(browser, gateway, spam):
    _message_id, subject = spam
    login(browser, gateway, "auditor", "/backup")
    search_by_subject(browser, subject)
    found_link(browser, subject).click()
    text = shown(browser, "safe-text")
    assert SCRIPT in text.text
    wait(browser).until(lambda d: "Sending history" in d.find_element(By.TAG_NAME, "main").text)
    buttons = {b.text.strip() for b in browser.find_elements(By.CSS_SELECTOR, "main button")}
    assert not {b for b in buttons if b.startswith(("Release", "Delete", "Download", "Request"))}, buttons
    for hook in ("entry-actions", "release", "delete", "download", "bulk-release"):
        assert browser.find_elements(By.CSS_SELECTOR, f'[data-testid="{hook}"]') == [], hook
    assert axe_critical(browser) == []
