"""The learning-rate scrub in Chromium: dragging the in-chart slider switches the path and its loss
curve in the browser — no rerun — and the link carries the panel."""

from __future__ import annotations

import json

import pytest
from browser_support import VALUES, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

SCRUB = """(() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).find(
    g => g.layout && g.layout.sliders && g.layout.sliders.length
        && g.data.some(d => d.name === 'note')))()"""
# The rate shown: the note the frame wrote, and a digest of the drawn path (public gd.data).
SHOWN = f"""() => {{ const gd = {SCRUB};
    const path = gd.data.find(d => d.name === 'path'), xs = ({VALUES})(path.x);
    return [gd.data.find(d => d.name === 'note').text[0], xs.length, xs.filter(Number.isFinite).reduce((a, b) => a + b, 0)]; }}"""


def test_dragging_the_learning_rate_switches_the_path_in_the_browser(page, app_url):
    page.goto(app_url + "/?problem=rosenbrock&panel=scrub&lang=en")
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{SCRUB}", timeout=30_000)
    before = page.evaluate(SHOWN)
    assert "0.0003" in before[0] and before[1] == 301, before
    rail = page.locator('[data-testid="stMain"] .slider-rail-rect').first
    rail.scroll_into_view_if_needed()
    box = rail.bounding_box()
    runs_before = page.locator('[data-testid="stApp"][data-test-script-state="running"]').count()
    page.mouse.click(box["x"] + 0.95 * box["width"], box["y"] + box["height"] / 2)
    page.wait_for_function(
        f"() => JSON.stringify(({SHOWN})()) !== {json.dumps(json.dumps(before))}", timeout=5_000
    )
    after = page.evaluate(SHOWN)
    assert after[0] != before[0] and after[2] != before[2], "another rate, another path"
    assert "diverged" in after[0], "the largest rates diverge on Rosenbrock"
    assert (
        runs_before == 0
        and page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() == 0
    ), "no rerun: the switch happened in the browser"
    assert "panel=scrub" in page.url
    screenshot(page, "scrub_dragged", full_page=False)
