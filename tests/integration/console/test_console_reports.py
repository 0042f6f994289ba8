"""The console's Reports page in a real browser against the session's local gateway: an administrator runs a day
report from the page, sees its outcome and the new report in the list, and its PDF link downloads a PDF and its
Mail (.eml) link the report as it was mailed; the
schedule is saved as the API then holds it, a change saved meanwhile is shown as a conflict, and a bad hour or
time zone shows the API's problem beside its field; an Auditor reads the reports and the schedule with no control
to run or save; a SecurityOfficer runs reports but does not see the schedule (the API refuses them its settings);
more than twenty reports are shown twenty to a page, the next page read with the API's cursor.
Screenshots: reports, reports-auditor."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.request import urlopen

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from mailgate import web_console
from mailgate.local.gateway import LocalGateway
from tests.support.browser import axe_critical, console_errors, login, screenshot, wait
from tests.support.cognito import api
from tests.support.settings_api import put_section

pytestmark = pytest.mark.integration

# What the browser logs for an answer the page expects and shows (the 409 and 422 this test provokes).
EXPECTED_REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of (409|422)")


@pytest.fixture(autouse=True)
def console_built() -> None:
    if not (web_console.dist_folder() / "index.html").is_file():
        pytest.skip(f"the console is not built in {web_console.dist_folder()}: run scripts/setup.sh")


def heading(driver: WebDriver, title: str) -> None:
    script = "return [...document.querySelectorAll('h1')].map(h => h.textContent)"
    wait(driver).until(lambda d: title in d.execute_script(script))


def by_testid(driver: WebDriver | WebElement, testid: str) -> WebElement:
    return wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))


def retype(field: WebElement, text: str) -> None:
    field.clear()
    field.send_keys(text)


def problem_beside(field: WebElement) -> str:
    """The API's problem the page shows in the field's own box."""
    box = field.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]")
    return str(box.find_element(By.CSS_SELECTOR, ".problem").text)


def save(driver: WebDriver) -> None:
    by_testid(by_testid(driver, "reports-form"), "save").click()


def saved(driver: WebDriver) -> None:
    wait(driver).until(lambda d: "Saved: the settings are now at version" in d.find_element(By.ID, "main").text)


def checked(driver: WebDriver) -> None:
    assert axe_critical(driver) == []
    assert [m for m in console_errors(driver) if not EXPECTED_REFUSAL.search(m)] == []


def schedule(gateway: LocalGateway) -> dict[str, Any]:
    status, answer = api(gateway, "GET", "/settings/reports")
    assert status == 200, answer
    return dict(answer["settings"])


def reports_page(gateway: LocalGateway, limit: int, cursor: str | None = None) -> dict[str, Any]:
    """One page of GET /reports as the API answers it."""
    query = f"?limit={limit}" + (f"&cursor={quote(cursor)}" if cursor else "")
    status, answer = api(gateway, "GET", f"/reports{query}")
    assert status == 200, answer
    return dict(answer)


def listed(gateway: LocalGateway) -> list[dict[str, Any]]:
    """All the kept reports, newest first, page after page of the API's cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = reports_page(gateway, 200, cursor)
        found += answer["reports"]
        cursor = answer["next_cursor"]
        if cursor is None:
            return found


def pdf_at(url: str) -> bytes:
    with urlopen(url, timeout=30) as reply:
        return bytes(reply.read())


def test_an_administrator_runs_a_report_downloads_its_pdf_and_changes_the_schedule(
        browser, gateway, restore_settings):
    today = datetime.now(UTC).date().isoformat()
    put_section(gateway, "reports", lambda s: {**s, "time_zone": "UTC", "recipients": []})
    login(browser, gateway, "admin", "/reports")
    heading(browser, "Reports")

    # run a day report now, for today, without mailing it
    form = by_testid(browser, "run-form")
    end = by_testid(form, "run-end")
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", end, today)
    by_testid(form, "run-mail").click()
    assert not by_testid(form, "run-mail").is_selected()
    by_testid(form, "run-report").click()
    outcome = wait(browser, 120).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="run-outcome"]'))
    assert f"The day report for {today} is made" in outcome.text and "Mailed to nobody." in outcome.text
    made = next(r for r in listed(gateway) if r["first_day"] == today and r["period"] == "day")

    # the new report heads the list, marked new, with its PDF link
    row = wait(browser).until(lambda d: d.find_element(
        By.XPATH, "//*[@data-testid='report-list']//tr[td//span[contains(@class, 'badge') and text()='new']]"))
    assert by_testid(row, "report-period").text == "Day" and by_testid(row, "report-days").text == today
    link = by_testid(row, "report-pdf")
    pdf = pdf_at(str(link.get_attribute("href")))
    assert pdf.startswith(b"%PDF") and len(pdf) == made["size"]
    assert pdf_at(str(by_testid(outcome, "run-pdf").get_attribute("href"))).startswith(b"%PDF")
    # and its mail: the message as it was mailed, headers first, the HTML with the PDF attached
    mail_link = by_testid(row, "report-eml")
    assert mail_link.text == "Mail (.eml)"
    assert urlsplit(str(mail_link.get_attribute("href"))).path == urlsplit(made["mail_url"]).path
    raw = pdf_at(str(mail_link.get_attribute("href")))
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii", "replace")
    assert re.match(r"^[!-9;-~]+:", head), head[:200]  # a header field first, no blank line or body before it
    assert re.search(r"(?m)^Subject: ", head) and re.search(r"(?mi)^Content-Type: multipart/", head), head
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail.is_multipart()
    assert "application/pdf" in {part.get_content_type() for part in mail.walk()}
    screenshot(browser, "reports")
    checked(browser)

    # the schedule: weekly at 7 in Berlin to one recipient, saved as the API then holds it
    form = by_testid(browser, "reports-form")
    by_testid(form, "schedule-weekly").click()
    retype(by_testid(form, "schedule-hour"), "7")
    retype(by_testid(form, "schedule-time-zone"), "Europe/Berlin")
    recipients = by_testid(form, "schedule-recipients")
    recipients.find_element(By.XPATH, ".//button[normalize-space(.)='Add address']").click()
    retype(recipients.find_element(By.CSS_SELECTOR, "input"), "reports@example.test")
    save(browser)
    saved(browser)
    now = schedule(gateway)
    assert (now["weekly"], now["hour"], now["time_zone"], now["recipients"]) == (
        True, 7, "Europe/Berlin", ["reports@example.test"])

    # meanwhile another administrator saves a change: the page says so and saves nothing of its own
    put_section(gateway, "reports", lambda s: {**s, "monthly": True})
    retype(by_testid(form, "schedule-hour"), "9")
    save(browser)
    conflict = by_testid(browser, "settings-conflict")
    assert "Another change was saved meanwhile" in conflict.text
    other = conflict.find_element(By.XPATH, ".//table[caption='What the other change did']")
    assert [c.text for c in other.find_elements(By.CSS_SELECTOR, "tbody td")] == ["monthly", "false", "true"]
    assert schedule(gateway)["hour"] == 7

    # a bad hour, then a bad time zone: each problem beside its field, nothing saved
    hour = by_testid(form, "schedule-hour")
    retype(hour, "25")
    save(browser)
    wait(browser).until(lambda d: hour.get_attribute("aria-invalid") == "true")
    assert "<= 23" in problem_beside(hour)
    retype(hour, "8")
    zone = by_testid(form, "schedule-time-zone")
    retype(zone, "Mars/Olympus")
    save(browser)
    wait(browser).until(lambda d: zone.get_attribute("aria-invalid") == "true")
    assert "not an IANA time zone" in problem_beside(zone)
    assert hour.get_attribute("aria-invalid") == "false"
    assert (schedule(gateway)["hour"], schedule(gateway)["time_zone"]) == (7, "Europe/Berlin")
    retype(zone, "UTC")
    address = by_testid(form, "schedule-recipients").find_element(By.CSS_SELECTOR, "input")
    retype(address, "not an address")
    save(browser)
    wait(browser).until(lambda d: address.get_attribute("aria-invalid") == "true")
    assert "'not an address' is not a mail address" in problem_beside(address)
    assert zone.get_attribute("aria-invalid") == "false"
    assert schedule(gateway)["recipients"] == ["reports@example.test"]
    browser.execute_script("arguments[0].scrollIntoView()", zone)
    screenshot(browser, "reports-problem")
    checked(browser)


def test_an_auditor_reads_the_reports_and_the_schedule_with_no_control_to_run_or_save(browser, gateway):
    status, made = api(gateway, "POST", "/reports/run", body={"period": "day", "mail": False})
    assert status == 200, made
    login(browser, gateway, "auditor", "/reports")
    heading(browser, "Reports")
    row = wait(browser).until(lambda d: d.find_element(
        By.XPATH, f"//*[@data-testid='report-list']//tr[td/span[@data-testid='report-days' and "
                  f"text()='{made['first_day']}']]"))
    assert pdf_at(str(by_testid(row, "report-pdf").get_attribute("href"))).startswith(b"%PDF")
    form = by_testid(browser, "reports-form")
    assert by_testid(form, "schedule-hour").get_attribute("value") == str(schedule(gateway)["hour"])
    assert not by_testid(form, "schedule-hour").is_enabled()
    main = browser.find_element(By.ID, "main")
    assert main.find_elements(By.CSS_SELECTOR, '[data-testid="run-form"]') == []
    buttons = {b.text.strip() for b in main.find_elements(By.TAG_NAME, "button")}
    assert buttons == {"Reload the list"}, buttons
    assert "making one needs an Administrator or a SecurityOfficer" in main.text
    screenshot(browser, "reports-auditor")
    checked(browser)


def test_a_security_officer_runs_reports_but_sees_no_schedule(browser, gateway):
    login(browser, gateway, "officer", "/reports")
    heading(browser, "Reports")
    by_testid(browser, "run-form")
    by_testid(browser, "report-list")
    wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#main p.loading"))
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="reports-form"]') == []
    # a day the API refuses: its problem beside the date
    end = by_testid(browser, "run-end")
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", end, "1999-12-31")
    by_testid(browser, "run-report").click()
    wait(browser).until(lambda d: end.get_attribute("aria-invalid") == "true")
    assert "2000-01-01" in problem_beside(end)
    checked(browser)


def test_a_personal_user_has_no_reports_page(browser, gateway):
    login(browser, gateway, "user", "/reports")
    heading(browser, "Not for your role")
    assert browser.find_element(By.CSS_SELECTOR, "nav.sidebar").find_elements(By.LINK_TEXT, "Reports") == []


def days(report: dict[str, Any]) -> str:
    first, last = report["first_day"], report["last_day"]
    return str(first) if first == last else f"{first} \u2013 {last}"


def shown_ids(driver: WebDriver, table: WebElement) -> list[str]:
    """The report each row shows, by its PDF link's key (read at once: the rows are replaced as a page loads)."""
    hrefs = driver.execute_script("return [...arguments[0].querySelectorAll('tbody tr [data-testid=\"report-pdf\"]')]"
                                  ".map(a => a.href)", table)
    return [report_key(str(h)) for h in hrefs]


def report_key(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def reports_read(driver: WebDriver) -> list[str]:
    """The GET /reports the page sent, in order (their query strings)."""
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    paths = [urlsplit(n) for n in names]
    return [u.query for u in paths if u.path.endswith("/reports") and not u.path.endswith("/settings/reports")]


def test_more_than_twenty_reports_are_shown_a_page_at_a_time_with_the_apis_cursor(browser, gateway):
    while len(listed(gateway)) < 21:  # the page asks the API for 20 at a time and follows its next_cursor
        assert api(gateway, "POST", "/reports/run", body={"period": "week", "mail": False})[0] == 200
    kept = listed(gateway)
    first = reports_page(gateway, 20)
    assert [r["report_id"] for r in first["reports"]] == [r["report_id"] for r in kept[:20]]
    assert first["next_cursor"]
    second = reports_page(gateway, 20, first["next_cursor"])
    assert [r["report_id"] for r in second["reports"]] == [r["report_id"] for r in kept[20:40]]
    login(browser, gateway, "admin", "/reports")
    heading(browser, "Reports")
    table = by_testid(browser, "report-list")
    wait(browser).until(lambda d: len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 20)
    pager = table.find_element(By.CSS_SELECTOR, "nav.pager")
    assert "Page 1" in pager.text
    page_one = shown_ids(browser, table)
    assert page_one == [report_key(r["download_url"]) for r in kept[:20]]
    assert reports_read(browser) == ["limit=20"]
    pager.find_element(By.XPATH, ".//button[text()='Next page']").click()
    wait(browser).until(lambda d: "Page 2" in pager.text and shown_ids(d, table) != page_one)
    # the second page is what the API answers for the first page's cursor
    assert reports_read(browser)[-1] == f"limit=20&cursor={quote(first['next_cursor'], safe='')}"
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == min(20, len(kept) - 20)
    assert shown_ids(browser, table) == [report_key(r["download_url"]) for r in second["reports"]]
    assert [by_testid(r, "report-days").text for r in rows] == [days(r) for r in kept[20:40]]
    assert all(by_testid(r, "report-eml").text == "Mail (.eml)" for r in rows)
    next_button = pager.find_element(By.XPATH, ".//button[text()='Next page']")
    assert next_button.is_enabled() == (second["next_cursor"] is not None)
    # and back: the first page again
    pager.find_element(By.XPATH, ".//button[text()='Previous page']").click()
    wait(browser).until(lambda d: "Page 1" in pager.text and shown_ids(d, table) == page_one)
    checked(browser)
