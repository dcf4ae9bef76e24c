"""A download from the race page in Chromium: the section draws nothing until asked; "Prepare" makes
the file of the view on screen, and the browser downloads it (a real GIF with the view's frames)."""

from __future__ import annotations

import io

import pytest
from browser_support import assert_no_exception, screenshot, wait_for_app
from PIL import Image

from gdviz.ui.i18n import EN

pytestmark = pytest.mark.browser

LINK = "/?problem=rosenbrock&steps=120&frames=50&run=gd,0.001&run=adam,0.05&lang=en"


def test_the_gif_of_the_view_downloads(page, app_url, tmp_path):
    page.goto(app_url + LINK)
    wait_for_app(page)
    page.get_by_text(EN["export"], exact=True).click()
    section = page.locator('[data-testid="stExpander"]', has_text=EN["export"])
    section.get_by_text(EN["export.help"].split(" (")[0]).wait_for(state="visible")
    download = section.locator('[data-testid="stDownloadButton"]')
    assert download.count() == 0, "no file before the click"
    section.get_by_role("button", name=EN["export.prepare"]).click()
    download.first.wait_for(state="visible", timeout=60_000)
    assert_no_exception(page)
    section.scroll_into_view_if_needed()
    screenshot(page, "export_ready", full_page=False)
    with page.expect_download(timeout=30_000) as info:
        download.first.locator("button").click()
    path = tmp_path / "race.gif"
    info.value.save_as(path)
    gif = Image.open(io.BytesIO(path.read_bytes()))
    assert gif.format == "GIF" and gif.n_frames == 50
    assert info.value.suggested_filename == "gdviz.gif"
