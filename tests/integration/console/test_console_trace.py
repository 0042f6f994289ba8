"""The web console's message trace in a real browser: an administrator finds a message sent through SMTP by its
subject, opens it, and reads its timeline (received → scanned → decision → delivered) and the explanation's
named tests and decision path; a bad filter is shown beside its field."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mailgate.local.gateway import LocalGateway
from mailgate.scanners.antivirus.database import EICAR
from tests.support.browser import axe_critical, console_errors, console_url, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration


def saved(path: Path) -> str | None:
    """A downloaded file's text once chromium has written it."""
    return path.read_text() if path.is_file() else None


def test_the_trace_finds_a_message_by_subject_and_shows_its_timeline_and_explanation(
        browser: WebDriver, gateway: LocalGateway, tmp_path: Path) -> None:
    subject = f"Trace check <b>{uuid.uuid4().hex[:10]}</b>"  # markup in a subject stays text
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", subject))
    assert any(e["kind"] == "delivered" for e in outcomes(gateway, message_id))
    status, explanation = api(gateway, "GET", f"/messages/{message_id}/explanation")
    assert status == 200, explanation
    tests = {r["test"] for verdict in explanation["verdicts"].values() for r in verdict["reasons"]}
    assert tests  # anti-spam names at least its classifier's test

    login(browser, gateway, "admin", "/trace")
    field = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[data-testid="filter-subject"]'))[0]
    field.send_keys(subject)
    browser.find_element(By.CSS_SELECTOR, '[data-testid="trace-search-submit"]').click()
    wait(browser).until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="trace-open"]')
                                   if a.text == subject])
    rows = browser.find_elements(By.CSS_SELECTOR, '[data-testid="trace-results"] tbody tr')
    assert len(rows) == 1, [r.text for r in rows]
    assert "alice@sender.test" in rows[0].text and "bob@example.test" in rows[0].text
    assert "delivered" in rows[0].text
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="trace-results"] b')
    screenshot(browser, "trace")
    assert axe_critical(browser) == []

    rows[0].find_element(By.CSS_SELECTOR, '[data-testid="trace-open"]').click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="step-delivered"]'))
    assert urlsplit(browser.current_url).path == f"/trace/{message_id}"
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="message-subject"]').text == subject
    kinds = [s.get_attribute("data-kind") for s in browser.find_elements(By.CSS_SELECTOR, "ol.timeline > li")]
    assert [k for k in kinds if k in ("received", "scanned", "decision", "delivered")] == [
        "received", "scanned", "decision", "delivered"]
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="explanation"]'))
    shown_tests = {t.text for t in browser.find_elements(By.CSS_SELECTOR, '[data-testid="test-name"]')}
    assert tests <= shown_tests
    path = browser.find_element(By.CSS_SELECTOR, '[data-testid="decision-path"]').text
    assert explanation["groups"][0]["decision"]["path"][0] in path
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="decision-action"]').text == "Deliver"
    browser.set_window_size(1400, 2400)  # the whole timeline and explanation in the picture
    screenshot(browser, "trace-message")
    assert axe_critical(browser) == []
    assert console_errors(browser) == []

    # the same search as a file (the export needs the token: the page fetches it and saves it)
    browser.back()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="export-csv"]'))
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.find_element(By.CSS_SELECTOR, '[data-testid="export-csv"]').click()
    exported = wait_for(lambda: saved(tmp_path / "events.csv"))
    assert message_id in exported and subject in exported

    # a filter the API refuses (400) is named beside its field
    browser.get(f"{console_url(gateway)}/trace?sender_ip={quote('not-an-ip')}")
    problem = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field.invalid .problem"))
    assert "not an IPv4 or IPv6 address" in problem[0].text
    assert problem[0].find_element(By.XPATH, "..").find_element(By.TAG_NAME, "label").text == "Sender IP"


def test_a_message_kept_in_backup_links_its_backup_entry(browser: WebDriver, gateway: LocalGateway) -> None:
    sender = f"files-{uuid.uuid4().hex[:8]}@sender.test"
    message_id = send(gateway, sender, ["bob@example.test"], simple_message(
        sender, "bob@example.test", "Drawings", body="Here it is inline:\n" + EICAR.decode() + "\n"))
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "backup" in kinds and "delivered" not in kinds, kinds
    status, page = api(gateway, "GET", f"/backup?sender={sender}")
    assert status == 200, page
    [entry] = page["items"]

    login(browser, gateway, "admin", f"/trace/{message_id}")
    link = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="backup-link"]'))[0]
    assert urlsplit(link.get_attribute("href") or "").path == f"/backup/{entry['backup_id']}"
    assert "infected" in browser.find_element(By.CSS_SELECTOR, '[data-testid="step-scanned"]').text
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="decision-action"]'))
    assert "Anti-virus" in browser.find_element(By.CSS_SELECTOR, '[data-testid="explanation"]').text
