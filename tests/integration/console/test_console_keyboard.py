"""The console with the keyboard alone: a user who cannot use a mouse reaches the page through the skip link,
moves through the navigation with Tab and opens a page with Enter, and the new page's heading takes the focus."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from mailgate.local.gateway import LocalGateway
from tests.support.browser import login, wait

pytestmark = pytest.mark.integration


def focused(driver: WebDriver) -> tuple[str, str]:
    element = driver.switch_to.active_element
    return element.tag_name.lower(), (element.text or element.get_attribute("aria-label") or "").strip()


def press(driver: WebDriver, key: str) -> None:
    driver.switch_to.active_element.send_keys(key)


def test_tab_reaches_the_navigation_and_enter_opens_a_page_whose_heading_takes_the_focus(
        browser: WebDriver, gateway: LocalGateway) -> None:
    login(browser, gateway, "admin")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert focused(browser) == ("a", "Skip to the page")  # the first stop, shown when focused

    for _ in range(40):  # on through the top bar into the navigation, to "Message trace"
        press(browser, Keys.TAB)
        if focused(browser) == ("a", "Message trace"):
            break
    else:
        raise AssertionError(f"Tab never reached the navigation's 'Message trace'; stopped at {focused(browser)}")

    press(browser, Keys.ENTER)
    wait(browser).until(lambda d: d.current_url.endswith("/trace"))
    wait(browser).until(lambda d: focused(d) == ("h1", "Message trace"))
    link = browser.find_element(By.CSS_SELECTOR, 'nav a[href="/trace"]')
    assert link.get_attribute("aria-current") == "page"


def test_the_skip_link_moves_the_focus_past_the_navigation(browser: WebDriver, gateway: LocalGateway) -> None:
    login(browser, gateway, "admin")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    press(browser, Keys.ENTER)  # follow "Skip to the page"
    press(browser, Keys.TAB)
    element = browser.switch_to.active_element
    assert browser.execute_script("return document.getElementById('main').contains(arguments[0])", element), \
        f"after the skip link, Tab went to {focused(browser)} outside the page's main part"
