"""The Rules and the allow/deny lists pages in a real browser, on local mode with real SMTP: an administrator adds
a rule, moves it up, dry-runs the edited table against a logged message (beside the live table's decision) and
saves it; a bad value is shown beside its field; a table saved elsewhere meanwhile is reported with what changed;
an auditor sees no edit control; the lists show their problems beside the entry and save."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from mailgate.api.roles import Role
from mailgate.local.gateway import LocalGateway
from tests.support.browser import axe_critical, console_errors, login, screenshot, wait
from tests.support.cognito import api
from tests.support.local_gateway import outcomes, send, simple_message
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


def by_testid(driver: WebDriver | WebElement, name: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def present(driver: WebDriver | WebElement, name: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def shown(driver: WebDriver, name: str) -> WebElement:
    """The element once the page has rendered it."""
    return wait(driver).until(lambda d: present(d, name) and present(d, name)[0])  # type: ignore[no-any-return]


def retype(field: WebElement, text: str) -> None:
    """Replace a field's text by typing, as a user does (input events, not a script)."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    if text:
        field.send_keys(text)


def drag(driver: WebDriver, source: WebElement, target: WebElement) -> None:
    """Native HTML5 drag and drop as the browser fires it (dragstart, dragover, drop, dragend), each step
    after the page has rendered the one before; WebDriver's own pointer drags do not start HTML5 drags."""
    driver.execute_script("window.__drag = new DataTransfer(); arguments[0].dispatchEvent(new DragEvent('dragstart',"
                          " {bubbles: true, cancelable: true, dataTransfer: window.__drag}));", source)
    for script, element in (("arguments[0].dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true,"
                             " dataTransfer: window.__drag}));", target),
                            ("arguments[0].dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true,"
                             " dataTransfer: window.__drag}));", target),
                            ("arguments[0].dispatchEvent(new DragEvent('dragend', {bubbles: true,"
                             " dataTransfer: window.__drag}));", source)):
        driver.execute_script("return new Promise(requestAnimationFrame)")
        driver.execute_script(script, element)


def rule_order(driver: WebDriver) -> list[str]:
    return [li.get_attribute("data-rule") or "" for li in driver.find_elements(By.CSS_SELECTOR, ".rule-list > li")]


def saved_rules(gateway: LocalGateway) -> list[dict[str, Any]]:
    status, body = api(gateway, "GET", "/settings/rules")
    assert status == 200, body
    return list(body["settings"]["rules"])


def open_rules(driver: WebDriver, gateway: LocalGateway, user: str = "admin") -> None:
    assert [r["name"] for r in saved_rules(gateway)] == ["Default"]  # the positions below count on it
    login(driver, gateway, user, "/rules")
    shown(driver, "rule-list")


def field_problem(driver: WebDriver, field: WebElement) -> str:
    """The problem text shown in the same labelled field as `field`."""
    container = field.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]")
    assert "invalid" in (container.get_attribute("class") or "")
    return container.text


def test_an_administrator_adds_a_rule_moves_it_up_dry_runs_it_and_saves_it(browser, gateway, restore_settings):
    tag = secrets.token_hex(4)
    sender = f"console-rules-{tag}@sender.test"
    message_id = send(gateway, sender, ["bob@example.test"],
                      simple_message(sender, "bob@example.test", f"Console rules {tag}"))
    outcomes(gateway, message_id)  # logged (and its scan report stored) before the dry run asks for it

    open_rules(browser, gateway)
    other, deleting = f"Console other {tag}", f"Console delete {tag}"
    by_testid(browser, "rule-add").click()
    retype(by_testid(browser, "rule-0-name"), other)
    by_testid(browser, "rule-0-senders-domains").send_keys("other.test")
    Select(by_testid(browser, "rule-0-direction")).select_by_value("outbound")  # the organisation's own mail only
    by_testid(browser, "rule-add").click()  # the new rule goes just above Default
    retype(by_testid(browser, "rule-1-name"), deleting)
    by_testid(browser, "rule-1-senders-addresses").send_keys(sender)
    Select(by_testid(browser, "rule-1-mode")).select_by_value("delete")
    assert rule_order(browser) == [other, deleting, "Default"]

    drag(browser, by_testid(browser, "rule-1"), by_testid(browser, "rule-0"))
    assert rule_order(browser) == [deleting, other, "Default"]
    by_testid(by_testid(browser, "rule-0"), "move-down").click()  # the keyboard's way: the buttons
    assert rule_order(browser) == [other, deleting, "Default"]
    assert not by_testid(by_testid(browser, "rule-1"), "move-down").is_enabled()  # Default stays last
    focused = browser.switch_to.active_element  # the keyboard stays on the moved rule
    assert focused.get_attribute("aria-label") == f"Move up: {deleting}"
    focused.send_keys(Keys.ENTER)
    assert rule_order(browser) == [deleting, other, "Default"]
    assert not by_testid(by_testid(browser, "rule-0"), "move-up").is_enabled()  # the top rule cannot go higher

    by_testid(browser, "dry-run-message").send_keys(message_id)
    by_testid(browser, "dry-run-button").click()
    proposed, live = shown(browser, "dry-run-proposed"), shown(browser, "dry-run-live")
    assert by_testid(proposed, "dry-run-rule").text == deleting
    assert by_testid(proposed, "dry-run-action").text == "delete"
    assert f"matched rule '{deleting}' (sender address {sender})" in by_testid(proposed, "dry-run-path").text
    assert by_testid(live, "dry-run-rule").text == "Default"
    assert by_testid(live, "dry-run-action").text == "deliver"
    assert "decides differently" in by_testid(browser, "dry-run-verdict").text
    browser.execute_script("arguments[0].scrollIntoView()", by_testid(browser, "dry-run"))
    screenshot(browser, "rules-dry-run")
    assert axe_critical(browser) == []
    assert [r["name"] for r in saved_rules(gateway)] == ["Default"]  # a dry run changes nothing

    by_testid(browser, "rules-save").click()
    assert "saved" in shown(browser, "rules-saved").text
    rules = saved_rules(gateway)
    assert [r["name"] for r in rules] == [deleting, other, "Default"]
    assert rules[0]["mode"] == "delete" and rules[0]["senders"]["addresses"] == [sender]
    assert rules[1]["senders"]["domains"] == ["other.test"] and rules[1]["direction"] == "outbound"
    assert rules[0].get("direction", "any") == "any"
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "rules")
    assert console_errors(browser) == []  # (the 422 below is logged by the browser as a failed load)

    # the saved rule's recipients from a text list: a bad line is named, nothing imported until it is fixed
    by_testid(by_testid(browser, "rule-1"), "rule-import").click()
    dialog = shown(browser, "import-dialog")
    Select(by_testid(dialog, "import-side")).select_by_value("recipients")
    by_testid(dialog, "import-text").send_keys("carol@example.test\nnot an address")
    by_testid(dialog, "import-submit").click()
    assert "line 2: 'not an address' is not" in shown(browser, "import-problems").text
    retype(by_testid(dialog, "import-text"), "carol@example.test")
    by_testid(dialog, "import-submit").click()
    wait(browser).until(lambda d: not present(d, "import-dialog"))
    assert "Imported 1 entries into the recipients of " + other in by_testid(browser, "rules-saved").text
    assert saved_rules(gateway)[1]["recipients"]["addresses"] == ["carol@example.test"]
    wait(browser).until(lambda d: "carol@example.test" in by_testid(d, "rule-1").text)


def test_a_refused_save_shows_the_problem_beside_the_name_and_a_save_after_another_says_what_changed(
        browser, gateway, restore_settings):
    open_rules(browser, gateway)
    by_testid(browser, "rule-add").click()
    retype(by_testid(browser, "rule-0-name"), "")
    by_testid(browser, "rules-save").click()
    shown(browser, "rules-error")
    assert "a rule needs a name" in field_problem(browser, by_testid(browser, "rule-0-name"))

    retype(by_testid(browser, "rule-0-name"), "Twin")
    by_testid(browser, "rule-add").click()
    retype(by_testid(browser, "rule-1-name"), "twin")
    by_testid(browser, "rules-save").click()
    shown(browser, "rules-error")
    assert "'twin' is already the name of rules[0]" in field_problem(browser, by_testid(browser, "rule-1-name"))
    assert not present(browser, "rules-saved")
    assert [r["name"] for r in saved_rules(gateway)] == ["Default"]

    # while the page holds the table it loaded, someone else saves another one
    elsewhere = {"name": "Saved elsewhere", "senders": {"domains": ["elsewhere.test"]}}
    put_section(gateway, "rules", lambda table: {**table, "rules": [elsewhere, *table["rules"]]})
    retype(by_testid(browser, "rule-1-name"), "Other twin")
    by_testid(browser, "rules-save").click()
    conflict = shown(browser, "rules-conflict")
    assert "Another change to the rule table was saved" in conflict.text
    assert "Saved elsewhere: added at position 1" in conflict.text
    assert rule_order(browser) == ["Twin", "Other twin", "Default"]  # the user's edit is still there
    assert [r["name"] for r in saved_rules(gateway)] == ["Saved elsewhere", "Default"]

    by_testid(browser, "rules-save").click()  # saved now from the current version: the user's table wins
    shown(browser, "rules-saved")
    assert [r["name"] for r in saved_rules(gateway)] == ["Twin", "Other twin", "Default"]


def test_an_auditor_reads_the_rules_without_any_edit_control(browser, gateway):
    open_rules(browser, gateway, "auditor")
    assert rule_order(browser)[-1] == "Default"
    assert "anyone" in by_testid(browser, "rule-list").text
    for control in ("rules-save", "rule-add", "move-up", "move-down", "rule-edit", "rule-delete", "rule-import",
                    "rule-enabled", "dry-run"):
        assert not present(browser, control), control
    assert not browser.find_elements(By.CSS_SELECTOR, ".rule-list button, .rule-list input, .rule-list select")
    assert axe_critical(browser) == []


def test_the_lists_show_a_bad_entry_beside_it_and_save_the_organisations_and_a_users_lists(browser, gateway,
                                                                                          restore_settings, bobs_lists):
    tag = secrets.token_hex(4)
    login(browser, gateway, "admin", "/lists")
    allow = shown(browser, "org-allow")
    allow.send_keys(f"partner-{tag}@partner.test # our partner\nnot an entry")
    by_testid(browser, "lists-save").click()
    shown(browser, "lists-error")
    assert "entry 2 (line 2): 'not an entry' is not an address" in field_problem(browser, allow)

    retype(allow, f"partner-{tag}@partner.test # our partner")
    by_testid(browser, "lists-save").click()
    shown(browser, "lists-saved")
    status, lists = api(gateway, "GET", "/lists")
    assert status == 200
    [entry] = lists["settings"]["allow"]
    assert (entry["entry"], entry["comment"]) == (f"partner-{tag}@partner.test", "our partner")

    by_testid(browser, "personal-address").send_keys("bob@example.test")
    by_testid(browser, "personal-lookup").click()
    shown(browser, "personal-deny").send_keys(f"spam-{tag}@bad.test")
    by_testid(browser, "personal-save").click()
    assert "saved" in shown(browser, "personal-saved").text
    status, bob = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)
    assert status == 200 and bob["deny"] == [f"spam-{tag}@bad.test"]
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "lists")
    assert axe_critical(browser) == []
