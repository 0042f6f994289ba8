"""The console's settings pages, directory, audit trail and settings export/import, in a real browser against the
session's local gateway: what an administrator changes is what the API then holds, the API's problems appear
beside the field they name, the notification preview is the API's rendering, an import lists every problem,
a directory connection is created and synchronised with its outcome shown, and an auditor sees the values but
no control that would change them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from mailgate import web_console
from mailgate.local.gateway import LocalGateway
from mailgate.local.ports import free_port
from tests.support.browser import axe_critical, console_errors, login, screenshot, wait
from tests.support.cognito import api
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def console_built() -> None:
    if not (web_console.dist_folder() / "index.html").is_file():
        pytest.skip(f"the console is not built in {web_console.dist_folder()}: run scripts/setup.sh")

EDIT_CONTROLS = ("Save", "Discard changes", "Add", "Delete", "Remove", "Import", "New connection", "Sync now",
                 "Change", "Up", "Down")


def heading(driver: WebDriver, title: str) -> None:
    script = "return [...document.querySelectorAll('h1')].map(h => h.textContent)"
    wait(driver).until(lambda d: title in d.execute_script(script))


def open_page(driver: WebDriver, link: str, title: str | None = None) -> None:
    """Follow the navigation's link, as a user does, and wait for the page's heading and its form or list."""
    driver.find_element(By.CSS_SELECTOR, "nav.sidebar").find_element(By.LINK_TEXT, link).click()
    heading(driver, title or link)
    wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#main p.loading"))


def by_testid(driver: WebDriver | WebElement, testid: str) -> WebElement:
    return wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))


def retype(field: WebElement, text: str) -> None:
    field.clear()
    field.send_keys(text)


def problem_beside(field: WebElement) -> str:
    """The API's problem the page shows in the field's own box."""
    box = field.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]")
    return str(box.find_element(By.CSS_SELECTOR, ".problem").text)


def checked(driver: WebDriver) -> None:
    assert axe_critical(driver) == []
    assert [m for m in console_errors(driver) if "Content Security Policy" in m or "Uncaught" in m] == []


def downloaded(folder: Path) -> Path | None:
    """The JSON file chromium finished saving there (it writes a .crdownload first, then renames it)."""
    for found in folder.glob("*.json"):
        try:
            json.loads(found.read_text())
        except (OSError, ValueError):
            continue
        return found
    return None


def setting(gateway: LocalGateway, section: str) -> dict[str, Any]:
    status, answer = api(gateway, "GET", f"/settings/{section}")
    assert status == 200, answer
    return dict(answer["settings"])


def test_an_administrator_changes_a_threshold_sees_the_apis_problem_beside_a_bad_value_and_the_audit_trail(
        browser, gateway, restore_settings):
    login(browser, gateway, "admin", "/antispam")
    heading(browser, "Anti-Spam")
    spam = by_testid(browser, "spam_threshold")
    retype(spam, "7.5")
    # meanwhile another administrator saves a change: the page says so, shows it, and saves nothing of its own
    put_section(gateway, "antispam", lambda s: {**s, "max_domain_lookups": 12})
    by_testid(by_testid(browser, "antispam-form"), "save").click()
    conflict = by_testid(browser, "settings-conflict")
    assert "Another change was saved meanwhile" in conflict.text
    other = conflict.find_element(By.XPATH, ".//table[caption='What the other change did']")
    assert [c.text for c in other.find_elements(By.CSS_SELECTOR, "tbody td")] == ["max_domain_lookups", "10", "12"]
    assert setting(gateway, "antispam")["spam_threshold"] == 6.0

    retype(by_testid(browser, "spam_threshold"), "7.5")
    by_testid(by_testid(browser, "antispam-form"), "save").click()
    wait(browser).until(lambda d: "Saved: the settings are now at version" in d.find_element(By.ID, "main").text)
    assert setting(gateway, "antispam")["spam_threshold"] == 7.5

    probable = by_testid(browser, "probable_threshold")
    retype(probable, "-1")
    by_testid(by_testid(browser, "antispam-form"), "save").click()
    wait(browser).until(lambda d: probable.get_attribute("aria-invalid") == "true")
    assert "Expected `float` > 0.0" in problem_beside(probable)
    assert setting(gateway, "antispam")["probable_threshold"] == 3.0  # nothing saved
    screenshot(browser, "antispam")
    checked(browser)

    open_page(browser, "Audit trail")
    newest = by_testid(browser, "audit-entry")
    assert by_testid(newest, "audit-operation").text == "PUT /settings/antispam"
    assert by_testid(newest, "audit-actor").text.startswith("admin")
    row = newest.find_element(By.XPATH, ".//tr[td/code[text()='antispam.spam_threshold']]")
    assert [cell.text for cell in row.find_elements(By.TAG_NAME, "td")][1:] == ["6", "7.5"]
    screenshot(browser, "audit")
    checked(browser)


def test_a_content_filtering_expression_is_renamed_and_a_bad_regular_expression_is_refused_beside_it(
        browser, gateway, restore_settings):
    login(browser, gateway, "admin", "/content-filter")
    heading(browser, "Content Filtering")
    by_testid(browser, "expression-1-toggle").click()  # expressions show their names until opened
    second = by_testid(browser, "expression-1")
    name = second.find_element(By.CSS_SELECTOR, '[data-testid="expression-name"]')
    retype(name, "Double extension (renamed)")
    pattern = second.find_element(By.CSS_SELECTOR, '[data-testid="condition-value"]')
    retype(pattern, "([")
    by_testid(browser, "save").click()
    wait(browser).until(lambda d: pattern.get_attribute("aria-invalid") == "true")
    assert "not a valid regular expression" in problem_beside(pattern)
    assert setting(gateway, "content-filter")["expressions"][1]["name"] == "Double extension"

    retype(pattern, r"\.pdf\.exe$")
    by_testid(browser, "save").click()
    wait(browser).until(lambda d: "Saved: the settings are now at version" in d.find_element(By.ID, "main").text)
    saved = setting(gateway, "content-filter")["expressions"][1]
    assert (saved["name"], saved["conditions"][0]["value"]) == ("Double extension (renamed)", r"\.pdf\.exe$")
    assert "Double extension (renamed)" in second.find_element(By.TAG_NAME, "h3").text
    browser.execute_script("arguments[0].scrollIntoView()", second)
    screenshot(browser, "content-filter")
    checked(browser)


def test_the_notification_preview_shows_the_template_rendered_by_the_api(browser, gateway):
    login(browser, gateway, "admin", "/notifications")
    heading(browser, "Notifications")
    help_text = by_testid(browser, "macro-help")
    help_text.find_element(By.TAG_NAME, "summary").click()
    assert "%SENDER%" in help_text.text and "%DATA_BEGIN%" in help_text.text

    by_testid(browser, "template-0-toggle").click()
    subject = by_testid(browser, "template-subject-0")
    retype(subject, "Edited, not saved: virus from %SENDER%")
    by_testid(browser, "preview-0").click()
    preview = by_testid(browser, "notification-preview")
    wait(browser).until(lambda d: by_testid(preview, "preview-subject").text)
    # the API's sample message: the macros replaced, the edited (unsaved) subject used
    assert by_testid(preview, "preview-subject").text == "Edited, not saved: virus from sender@example.net"
    text = by_testid(preview, "preview-text").text
    assert "Sender: sender@example.net (192.0.2.10)" in text and "invoice.pdf.exe" in text and "%" not in text
    browser.execute_script("arguments[0].scrollIntoView()", subject)
    screenshot(browser, "notifications")
    checked(browser)


def test_a_settings_import_lists_every_problem_and_then_imports_a_good_document(
        browser, gateway, restore_settings, tmp_path: Path):
    status, exported = api(gateway, "GET", "/settings/export")
    assert status == 200
    bad = json.loads(json.dumps(exported))
    bad["settings"]["antispam"]["spam_threshold"] = -1
    bad["settings"]["bounce_from"] = "not an address"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    good = json.loads(json.dumps(exported))
    good["settings"]["event_retention_days"] = 91
    (tmp_path / "good.json").write_text(json.dumps(good))

    login(browser, gateway, "admin", "/transfer")
    heading(browser, "Settings export and import")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    by_testid(browser, "export").click()
    saved = wait(browser).until(lambda d: downloaded(downloads))
    assert saved.name.startswith("mailgate-settings-v")
    assert json.loads(saved.read_text())["settings"] == exported["settings"]

    by_testid(browser, "import-file").send_keys(str(tmp_path / "bad.json"))
    by_testid(browser, "import").click()
    problems = by_testid(browser, "import-problems").find_elements(By.TAG_NAME, "li")
    listed = sorted(p.find_element(By.TAG_NAME, "code").text for p in problems)
    assert listed == ["$.settings.antispam.spam_threshold", "$.settings.bounce_from"]
    assert api(gateway, "GET", "/settings/general")[1]["bounce_from"] != "not an address"
    screenshot(browser, "transfer")
    checked(browser)

    by_testid(browser, "import-file").send_keys(str(tmp_path / "good.json"))
    by_testid(browser, "import").click()
    done = by_testid(browser, "import-done")
    version = api(gateway, "GET", "/settings/general")[1]
    assert version["event_retention_days"] == 91
    assert f"now at version {version['version']}" in done.text


def test_a_directory_connection_is_created_synchronised_and_its_failure_shown(browser, gateway):
    dead = free_port()  # nothing listens: the sync (the console's test of a connection) must say so
    login(browser, gateway, "admin", "/directory")
    heading(browser, "Directory")
    by_testid(browser, "new-connection").click()
    form = by_testid(browser, "connection-form")

    def field(label: str) -> WebElement:
        return form.find_element(By.XPATH, f".//label[text()={json.dumps(label)}]/following-sibling::*[1]")

    for label, value in (("Name", "Console test LDAP"), ("Mail domain", "console.example.test"),
                         ("Servers (host or host:port, one a line)", f"127.0.0.1:{dead}"),
                         ("Search base (DN)", "dc=console,dc=test"), ("Bind as", "cn=reader,dc=console,dc=test"),
                         ("Password", "not-a-real-password"), ("Synchronise every (minutes)", "5")):
        retype(field(label), value)
    by_testid(form, "connection-save").click()
    minutes = field("Synchronise every (minutes)")
    wait(browser).until(lambda d: minutes.get_attribute("aria-invalid") == "true")
    assert "greater than or equal to 30" in problem_beside(minutes)

    retype(minutes, "60")
    by_testid(form, "connection-save").click()
    row = wait(browser).until(lambda d: d.find_element(By.XPATH, "//tr[td//strong[text()='Console test LDAP']]"))
    connection = next(c for c in api(gateway, "GET", "/directory/connections")[1]["items"]
                      if c["name"] == "Console test LDAP")
    try:
        assert connection["schedule_minutes"] == 60 and connection["servers"] == [{"host": "127.0.0.1", "port": dead}]
        by_testid(row, "sync-now").click()
        outcome = by_testid(browser, "sync-outcome")
        assert "Sync of Console test LDAP: failed" in outcome.text and "did not answer" in outcome.text
        row = browser.find_element(By.XPATH, "//tr[td//strong[text()='Console test LDAP']]")
        assert by_testid(row, "connection-state").text == "failed"
        assert "unreachable" in by_testid(row, "connection-error").text
        screenshot(browser, "directory")
        checked(browser)
    finally:
        api(gateway, "DELETE", f"/directory/connections/{connection['connection_id']}")


def test_an_auditor_sees_the_settings_but_no_control_that_changes_them(browser, gateway):
    login(browser, gateway, "auditor", "/antispam")
    heading(browser, "Anti-Spam")
    probable = by_testid(browser, "probable_threshold")
    assert probable.get_attribute("value") == str(setting(gateway, "antispam")["probable_threshold"]).removesuffix(".0")
    assert not probable.is_enabled()
    pages = (("Anti-Spam", None), ("Content Filtering", None), ("Anti-Virus", None), ("Modifications", None),
             ("Notifications", None), ("Signing", None), ("General", None), ("Directory", None),
             ("Audit trail", None), ("Settings export and import", None))
    for link, title in pages:
        open_page(browser, link, title)
        main = browser.find_element(By.ID, "main")
        labels = {b.text.strip() for b in main.find_elements(By.TAG_NAME, "button")}
        shown = sorted(label for label in labels if label in EDIT_CONTROLS or label.startswith("Add "))
        assert shown == [], f"{link}: {shown}"
        assert main.find_elements(By.CSS_SELECTOR, "input, textarea, select, table, article, p"), link
    assert "Download the settings" in browser.find_element(By.ID, "main").text  # reading is the auditor's
    checked(browser)
