"""Shared fixtures. Browser tests (`@pytest.mark.browser`) get a real `streamlit run app.py` server and
headless Chromium through Playwright; they skip with the reason when Chromium or Playwright is
missing (and fail instead when GDVIZ_REQUIRE_BROWSER=1, as in CI).
"""

from __future__ import annotations

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    browser_missing_reason,
    skip_or_fail,
    streamlit_server,
    wait_for_app,
)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Checked before fixtures run, so a machine without Chromium never starts a server for nothing.
    if item.get_closest_marker("browser") is not None:
        reason = browser_missing_reason()
        if reason:
            skip_or_fail(reason)


@pytest.fixture(scope="session")
def app_url() -> str:
    """Base URL of one `streamlit run app.py` shared by the whole session."""
    try:
        with streamlit_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    reason = browser_missing_reason()
    if reason:
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh page in its own context (no shared cookies or session), 1400×900."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def app_page(page, app_url):
    """`page` with the app loaded and its first run finished."""
    page.goto(app_url)
    wait_for_app(page)
    return page


@pytest.fixture(autouse=True)
def _fresh_allowance():
    """AppTest gives every session the same id, so the whole suite would share one visitor's
    allowance of server time (gdviz.serve.jobs): each test starts with a full one."""
    from gdviz.serve import jobs

    if jobs._pool is not None:
        jobs._pool.allowance = jobs.Allowance(jobs._pool.allowance.burst, jobs._pool.allowance.rate)
    yield
