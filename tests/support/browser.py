"""A real browser for the web console's tests: Debian's chromium, headless, driven by Selenium through Debian's
chromedriver. Nothing is downloaded: Selenium Manager is kept offline and both executables are named.

Fixtures: `browser` (a fresh chromium per test, its own profile, the browser log kept). Helpers: `login` (the
console's sign-in through local mode's login form), `screenshot`, `axe_critical` (axe-core run in the page),
`console_errors` (what the browser logged as an error: CSP violations, script errors, failed loads).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

    from mailgate.local.gateway import LocalGateway

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "test-output" / "screenshots"
AXE = REPOSITORY / "console" / "node_modules" / "axe-core" / "axe.min.js"
APP_READY = '[data-testid="app-ready"]'  # what the console renders once a user is signed in and it has loaded
WAIT_SECONDS = 30
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--no-proxy-server", "--window-size=1400,1000")

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager never fetches a driver or a browser


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for executable, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not executable.exists():
            return f"{executable} is not installed (Debian package {package}; scripts/setup.sh installs it)"
    return None


def start_chromium(profile: Path) -> WebDriver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    return driver


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A headless chromium with a fresh profile (no cookies, no storage), quit after the test."""
    if reason := browser_missing():
        pytest.skip(reason)
    profile = Path(tempfile.mkdtemp(prefix="mailgate-chromium-"))
    driver = start_chromium(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: WebDriver, seconds: float = WAIT_SECONDS) -> Any:
    """A WebDriverWait that keeps waiting through a page that navigates while it looks (the console sends the
    browser on to the login page and back): chromedriver then answers 'aborted by navigation'."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    class NavigationTolerantWait(WebDriverWait):
        def until(self, method: Any, message: str = "") -> Any:
            def look(d: Any) -> Any:
                try:
                    return method(d)
                except WebDriverException as exc:
                    if "aborted by navigation" in str(exc.msg or ""):
                        return False
                    raise

            return super().until(look, message)

    return NavigationTolerantWait(driver, seconds)


def console_url(gateway: LocalGateway) -> str:
    if gateway.console_url is None:
        raise AssertionError("the gateway serves no console: give LocalOptions a console_port")
    return gateway.console_url


def login(driver: WebDriver, gateway: LocalGateway, user: str, path: str = "/") -> None:
    """Open the console (at `path`), get sent to the local login form, sign in as `user` (admin, officer,
    auditor or user) and wait until the console has loaded (`[data-testid="app-ready"]`)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(console_url(gateway) + path)
    wait(driver).until(ec.presence_of_element_located((By.ID, "username")))
    assert "/idp/oauth2/authorize" in driver.current_url, driver.current_url
    sign_in(driver, user, gateway.cognito.passwords[user])
    wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, APP_READY)))


def sign_in(driver: WebDriver, user: str, password: str) -> None:
    """Fill in and send the login form that is on the screen."""
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, "username")
    field.clear()
    field.send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()


def screenshot(driver: WebDriver, name: str) -> Path:
    """The page as it looks now, in test-output/screenshots/<name>.png at the repository's root."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"chromium did not save {path}")
    return path


def axe_critical(driver: WebDriver, serious: bool = False) -> list[dict[str, Any]]:
    """axe-core's violations on the page whose impact is critical (and serious, with `serious=True`): each with
    its rule id, impact, help text and the CSS targets of the offending elements. axe-core comes from the
    console's node_modules (its `npm ci`); WebDriver's scripts are not subject to the page's CSP."""
    if not AXE.is_file():
        pytest.skip(f"{AXE.relative_to(REPOSITORY)} is missing: run `npm ci` in console/ (scripts/setup.sh does)")
    driver.execute_script(AXE.read_text())
    driver.set_script_timeout(WAIT_SECONDS)
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', help: String(e),"
        " nodes: []}]));")
    impacts = {"critical", "serious"} if serious else {"critical"}
    return [{"id": v["id"], "impact": v["impact"], "help": v.get("help", ""),
             "targets": [node.get("target") for node in v.get("nodes", [])]}
            for v in violations if v.get("impact") in impacts]


def console_errors(driver: WebDriver) -> list[str]:
    """The browser's error messages since the last call (CSP violations, uncaught exceptions, failed loads).
    Reading the log empties it."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
