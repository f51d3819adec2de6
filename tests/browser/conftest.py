"""Real-browser tests: Playwright for Python driving Debian's chromium (never a downloaded one).

Mark every test here ``@pytest.mark.browser``; they use pytest-django's ``live_server``. The server runs
in a thread, so data a test creates must be committed: mark tests
``@pytest.mark.django_db(transaction=True)``. The division codes are (re)loaded before each
test (``divisions``). On failure a screenshot goes to /tmp.
"""

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path("/tmp")  # noqa: S108 — only screenshots of failed tests, for a person


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _divisions(divisions) -> None:
    """Every browser test needs the division codes (see ``divisions``)."""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One chromium per test module (started only when a browser test runs)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium "
            "(apt-get install chromium fonts-wqy-microhei; `make test` does it)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM, used by the test
    # itself, refuses to run next to one unless told that this is deliberate.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


def _new_page(browser, request, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    return context, page


def _screenshot_on_failure(request, page) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        # A screenshot that fails must not hide the failure it was meant to show.
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SCREENSHOTS / f"shequ-browser-{name}.png"), full_page=True)


@pytest.fixture
def page(browser, request) -> Iterator:
    """A fresh desktop-sized page (own cookies) for each test."""
    context, page = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    yield page
    _screenshot_on_failure(request, page)
    context.close()


@pytest.fixture
def phone_page(browser, request) -> Iterator:
    """A fresh page the size of a phone screen (375×812), as grid workers use."""
    context, page = _new_page(
        browser, request, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    yield page
    _screenshot_on_failure(request, page)
    context.close()


@pytest.fixture
def login(live_server):
    """Log in through the real login form; returns the page after landing."""

    def do_login(page, username: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        return page

    return do_login
