"""Browser tests: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium against
pytest-django's live server. Skipped with a reason where no browser is installed, failing under CI=true."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REQUIRE_SERVICES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
DEFAULT_ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or DEFAULT_ARTIFACTS)


def _browser_problem() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (requirements-dev.txt)"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "no headless browser: apt-get install chromium chromium-driver"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the run; each test starts it with a fresh cookie jar."""
    problem = _browser_problem()
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (required because CI=true or REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1100",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    # Offline on purpose: the admin must not need anything from the internet.
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Browser:
    """The steps a person takes in the admin, with a screenshot of each kept under ARTIFACTS."""

    def __init__(self, driver, base_url: str, test_name: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.step = 0
        shutil.rmtree(ARTIFACTS / self.test_name, ignore_errors=True)

    def get(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def find(self, css: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def select(self, css: str, *, value: str | None = None, text: str | None = None) -> None:
        from selenium.webdriver.support.ui import Select

        choice = Select(self.find(css))
        if value is not None:
            choice.select_by_value(value)
        else:
            choice.select_by_visible_text(text)

    def click(self, css: str) -> None:
        """Click what `css` finds; found again if the page redrew it in between (the dashboard polls)."""
        from selenium.common.exceptions import StaleElementReferenceException

        for attempt in range(3):
            try:
                element = self.find(css)
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
                element.click()
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise

    def navigate(self, css: str) -> None:
        """Click what leads to another page and wait for that page: until then the old page's
        elements (a message list, the charts) would still answer a find."""
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        old_page = self.find("html")
        self.click(css)
        WebDriverWait(self.driver, 15).until(ec.staleness_of(old_page))
        self.find("body")

    def submit(self, css: str = "input[type=submit][name=_save], button[type=submit][name=_save]") -> None:
        self.navigate(css)

    @property
    def text(self) -> str:
        return self.find("body").text

    def shot(self, label: str) -> Path:
        """Keep a screenshot of this step (test-artifacts/browser/<test>/<nn>-<label>.png)."""
        self.step += 1
        folder = ARTIFACTS / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.step:02d}-{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    def login(self, username: str, password: str) -> None:
        self.driver.delete_all_cookies()
        self.get("/admin/login/?next=/admin/")
        self.fill("#id_username", username)
        self.fill("#id_password", password)
        self.shot(f"login-{username}")
        self.navigate("input[type=submit], button[type=submit]")
        self.find("#user-tools")

    def logout(self) -> None:
        """Log out and wait for the logged-out page: a login started before the logout POST has
        been sent would clear the CSRF cookie under it and end on a 403 page."""
        self.navigate("#logout-form button, #logout-form input[type=submit]")
        self.find("#content")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's outcome, so a failed test leaves a screenshot of where it stopped."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request) -> Iterator[Browser]:
    """A Browser on the live server with an empty cookie jar."""
    browser.get(live_server.url + "/admin/login/")
    browser.delete_all_cookies()
    steps = Browser(browser, live_server.url, request.node.name)
    yield steps
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        steps.shot("failed")
