"""The real app in real Chromium: it loads, shows a title, raises nothing; visitors never see tracebacks."""

from __future__ import annotations

import textwrap

import pytest
from browser_support import ROOT, assert_no_exception, screenshot, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def test_page_loads_with_title_and_no_exception(app_page):
    heading = app_page.locator("h1").first
    heading.wait_for(state="visible")
    assert heading.inner_text().strip(), "the page's h1 is empty"
    assert_no_exception(app_page)
    path = screenshot(app_page, "smoke_landing")
    assert path.stat().st_size > 10_000, f"screenshot {path} is suspiciously small"


def test_exception_details_are_hidden_from_visitors(page, tmp_path):
    # Runs under the project's .streamlit/config.toml (cwd=ROOT): a crash must show a generic box
    # that assert_no_exception catches, and never the message or traceback.
    secret = "gdviz-secret-detail-7f3a"
    script = tmp_path / "crash.py"
    script.write_text(
        textwrap.dedent(f"""
            import streamlit as st

            st.title("crash")
            raise ValueError("{secret}")
        """)
    )
    with streamlit_server(script, cwd=ROOT) as url:
        page.goto(url)
        wait_for_app(page)
        page.locator('[data-testid="stException"]').first.wait_for(state="visible")
        with pytest.raises(AssertionError, match="exception"):
            assert_no_exception(page)
        body = page.locator("body").inner_text()
        screenshot(page, "smoke_hidden_error")
    assert secret not in body
    assert "Traceback" not in body
    assert "ValueError" not in body
