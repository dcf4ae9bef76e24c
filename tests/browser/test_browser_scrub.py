"""The learning-rate scrub in Chromium: dragging the in-chart slider switches the path and its loss
curve in the browser — no rerun — and the link carries the panel."""

from __future__ import annotations

import json

import pytest
from browser_support import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

SCRUB = """(() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).find(
    g => g.layout && g.layout.sliders && g.layout.sliders.length
        && g.layout.sliders[0].steps[0].method === 'update'))()"""
SHOWN = f"""() => {{ const gd = {SCRUB};
    return gd.data.filter(d => d.visible === true && d.name !== 'minimum').map(d => d.name); }}"""


def test_dragging_the_learning_rate_switches_the_path_in_the_browser(page, app_url):
    page.goto(app_url + "/?problem=rosenbrock&panel=scrub&lang=en")
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{SCRUB}", timeout=30_000)
    before = page.evaluate(SHOWN)
    assert len(before) == 2 and before[0] == before[1] and "0.0003" in before[0], before
    rail = page.locator('[data-testid="stMain"] .slider-rail-rect').first
    rail.scroll_into_view_if_needed()
    box = rail.bounding_box()
    runs_before = page.locator('[data-testid="stApp"][data-test-script-state="running"]').count()
    page.mouse.click(box["x"] + 0.95 * box["width"], box["y"] + box["height"] / 2)
    page.wait_for_function(
        f"() => JSON.stringify(({SHOWN})()) !== {json.dumps(json.dumps(before))}", timeout=5_000
    )
    after = page.evaluate(SHOWN)
    assert len(after) == 2 and after[0] != before[0], after
    assert "diverged" in after[0], "the largest rates diverge on Rosenbrock"
    assert (
        runs_before == 0
        and page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() == 0
    ), "no rerun: the switch happened in the browser"
    assert "panel=scrub" in page.url
    screenshot(page, "scrub_dragged", full_page=False)
