"""The web console's message trace in a real browser: an administrator finds a message sent through SMTP by its
subject, opens it, and reads its timeline (received → scanned → decision → delivered) and the explanation's
named tests and decision path; a bad filter is shown beside its field."""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mailgate.local.gateway import LocalGateway
from tests.support.browser import axe_critical, console_errors, console_url, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message

pytestmark = pytest.mark.integration


def test_the_trace_finds_a_message_by_subject_and_shows_its_timeline_and_explanation(
        browser: WebDriver, gateway: LocalGateway) -> None:
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

    # a filter the API refuses (400) is named beside its field
    browser.get(f"{console_url(gateway)}/trace?sender_ip={quote('not-an-ip')}")
    problem = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field.invalid .problem"))
    assert "not an IPv4 or IPv6 address" in problem[0].text
    assert problem[0].find_element(By.XPATH, "..").find_element(By.TAG_NAME, "label").text == "Sender IP"
