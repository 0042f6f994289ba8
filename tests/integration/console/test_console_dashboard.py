"""The web console's dashboard in a real browser: an administrator sends a message through the gateway's SMTP and
sees it counted, in the card and in the chart's words for screen readers, with the gateway's health beside it."""

from __future__ import annotations

import re
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mailgate.local.gateway import LocalGateway
from tests.support.browser import axe_critical, console_errors, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message, wait_for

pytestmark = pytest.mark.integration


def received_today(gateway: LocalGateway) -> int:
    """What GET /stats counts as received in its default range: the current hour and the 23 before it, which is
    the dashboard's 24-hour range (other tests share the gateway, so the test compares against this)."""
    status, body = api(gateway, "GET", "/stats")
    assert status == 200, body
    return int(body["totals"]["received"])


def loaded(range_key: str) -> str:
    """The mail section once it shows this range's numbers (not the previous range's while loading)."""
    return f'section[data-range="{range_key}"][aria-busy="false"]'


def shown_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_the_dashboard_counts_the_message_just_sent(browser: WebDriver, gateway: LocalGateway) -> None:
    before = received_today(gateway)
    subject = f"Dashboard check {uuid.uuid4().hex[:10]}"
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"],
                      simple_message("alice@sender.test", "bob@example.test", subject))
    assert any(e["kind"] == "delivered" for e in outcomes(gateway, message_id))
    wait_for(lambda: received_today(gateway) > before)

    login(browser, gateway, "admin")
    card = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="total-received"]'))[0]
    shown = shown_number(card.text)
    assert before + 1 <= shown <= received_today(gateway)
    traffic = browser.find_element(By.CSS_SELECTOR, '[data-testid="chart-traffic"] canvas')
    assert traffic.get_attribute("role") == "img"
    assert f"received {shown} in all" in (traffic.get_attribute("aria-label") or "")
    # the same numbers for screen readers, beside the canvas
    hidden = browser.find_element(By.CSS_SELECTOR, '[data-testid="chart-traffic"] .visually-hidden table')
    first_column = hidden.find_elements(By.CSS_SELECTOR, "tbody tr td:first-of-type")
    cells = [shown_number(c.get_attribute("textContent") or "") for c in first_column]
    assert sum(cells) == shown
    verdicts = browser.find_element(By.CSS_SELECTOR, '[data-testid="chart-verdicts"] canvas').get_attribute(
        "aria-label") or ""
    assert "Anti-spam:" in verdicts and "Anti-virus:" in verdicts
    # the gateway's own state: the real clamd's signatures and the queues
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="signatures"]')
    assert len(browser.find_elements(By.CSS_SELECTOR, '[data-testid="queues"] .card')) == 4

    browser.find_element(By.CSS_SELECTOR, '[data-testid="range-7d"]').click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, loaded("7d")))
    assert "the last 7 days" in browser.find_element(By.ID, "h-mail").text
    week = shown_number(browser.find_element(By.CSS_SELECTOR, '[data-testid="total-received"]').text)
    assert week >= shown
    assert "per day" in (browser.find_element(By.CSS_SELECTOR, '[data-testid="chart-traffic"] canvas').get_attribute(
        "aria-label") or "")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="range-24h"]').click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, loaded("24h")))

    browser.set_window_size(1400, 1800)  # the charts, the queues and the health in the picture
    screenshot(browser, "dashboard")
    assert axe_critical(browser) == []
    assert console_errors(browser) == []  # no CSP violation (Chart.js styles its canvas through the DOM), no error
