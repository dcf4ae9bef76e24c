"""The learning-rate scrub in Chromium: dragging the in-chart slider switches the path and its loss
curve in the browser (drawn before anything reaches the server), and letting go moves the sidebar's
rate and the link to it, with one rerun."""

from __future__ import annotations

import json

import pytest
from browser_support import VALUES, assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN
from gdviz.ui.specs import snap_lr

pytestmark = pytest.mark.browser

SCRUB = """(() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).find(
    g => g.layout && g.layout.sliders && g.layout.sliders.length
        && g.data.some(d => d.name === 'note')))()"""
# The rate shown: the note the frame wrote, and a digest of the drawn path (public gd.data).
SHOWN = f"""() => {{ const gd = {SCRUB};
    const path = gd.data.find(d => d.name === 'path'), xs = ({VALUES})(path.x);
    return [gd.data.find(d => d.name === 'note').text[0], xs.length, xs.filter(Number.isFinite).reduce((a, b) => a + b, 0)]; }}"""


# The frame the in-chart slider shows (its active step's frame name).
ACTIVE_FRAME = (
    f"""() => {{ const s = ({SCRUB}).layout.sliders[0]; return String(s.steps[s.active].args[0][0]); }}"""
)
SIDEBAR_LR = f"""() => {{
    const label = Array.from(document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stWidgetLabel"]'))
        .find(l => l.textContent.includes({json.dumps(EN["lr"])}));
    const box = label && label.closest('[data-testid="stSlider"]');
    const v = box && box.querySelector('[data-testid="stSliderThumbValue"]');
    return v ? v.textContent : null; }}"""


def test_dragging_the_learning_rate_switches_the_path_then_the_sidebar_follows(page, app_url):
    page.goto(app_url + "/?problem=rosenbrock&panel=scrub&lang=en")
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{SCRUB}", timeout=30_000)
    before = page.evaluate(SHOWN)
    assert "0.0003" in before[0] and before[1] == 301, before
    assert page.evaluate(SIDEBAR_LR) == "0.0003"
    grip = page.locator('[data-testid="stMain"] .slider-grip-rect').first
    rail = page.locator('[data-testid="stMain"] .slider-rail-rect').first
    rail.scroll_into_view_if_needed()
    g, r = grip.bounding_box(), rail.bounding_box()
    y = g["y"] + g["height"] / 2
    page.mouse.move(g["x"] + g["width"] / 2, y)
    page.mouse.down()
    for f in (0.6, 0.7, 0.8, 0.9, 0.95):  # dragging, not yet let go
        page.mouse.move(r["x"] + f * r["width"], y, steps=3)
    page.wait_for_function(
        f"() => JSON.stringify(({SHOWN})()) !== {json.dumps(json.dumps(before))}", timeout=5_000
    )
    during = page.evaluate(SHOWN)
    assert during[0] != before[0] and during[2] != before[2], "another rate, another path"
    assert "diverged" in during[0], "the largest rates diverge on Rosenbrock"
    # nothing has been sent while the finger is down: the page did not rerun, the sidebar is as it was
    assert page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() == 0
    assert page.evaluate(SIDEBAR_LR) == "0.0003"
    shown_frame = page.evaluate(ACTIVE_FRAME)
    page.mouse.up()
    # let go: the sidebar's rate follows (the grid value nearest to the frame), and the link with it
    expected = snap_lr(float(shown_frame))
    page.wait_for_function(f"() => ({SIDEBAR_LR})() === {json.dumps(f'{expected:g}')}", timeout=30_000)
    page.wait_for_function(
        f"() => new URLSearchParams(location.search).getAll('run')[0].startsWith('gd,{expected:g}')",
        timeout=30_000,
    )
    assert "panel=scrub" in page.url
    assert_no_exception(page)
    screenshot(page, "scrub_dragged", full_page=False)


# The second slider's position and the frame shown, as the page's public state has them.
TWO = f"""() => {{ const gd = {SCRUB}; const s = gd.layout.sliders;
    return [s.length, s.length > 1 ? String(s[1].steps[s[1].active].value) : null,
            String(s[0].steps[s[0].active].value)]; }}"""


def test_dragging_momentum_switches_the_path_then_the_sidebar_and_the_link_follow(page, app_url):
    page.goto(app_url + "/?problem=rosenbrock&panel=scrub&lang=en&run=momentum,0.0003")
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{SCRUB}", timeout=30_000)
    n, mu, lr = page.evaluate(TWO)
    assert n == 2 and mu == "0.9" and lr == "0.0003", (n, mu, lr)
    # two sliders need the page's listener (gdviz.ui.scrubsync) on the chart: it marks the chart
    page.wait_for_function(f"() => ({SCRUB}).dataset.gdvizScrubSync === 'gdviz-scrub'", timeout=30_000)
    before = page.evaluate(SHOWN)
    assert "μ = 0.9" in before[0], before
    grip = page.locator('[data-testid="stMain"] .slider-grip-rect').nth(1)
    rail = page.locator('[data-testid="stMain"] .slider-rail-rect').nth(1)
    rail.scroll_into_view_if_needed()
    g, r = grip.bounding_box(), rail.bounding_box()
    y = g["y"] + g["height"] / 2
    page.mouse.move(g["x"] + g["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(r["x"] + 0.02 * r["width"], y, steps=6)  # towards μ = 0, not yet let go
    page.wait_for_function(f"() => /μ = 0( |$)/.test(({SHOWN})()[0])", timeout=15_000)
    during = page.evaluate(SHOWN)
    assert during[2] != before[2], "another μ, another path"
    assert "α = 0.0003" in during[0], "the rate stays where it was"
    assert page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() == 0
    page.mouse.up()
    # let go: the run's μ follows in the link (the sidebar's control with it), the rate unchanged
    page.wait_for_function(
        "() => new URLSearchParams(location.search).getAll('run')[0] === 'momentum,0.0003,momentum=0'",
        timeout=30_000,
    )
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{SCRUB} && ({TWO})()[1] === '0'", timeout=30_000)
    mu_field = page.locator(f'[data-testid="stSidebar"] input[aria-label="{EN["ctl.momentum"]}"]').first
    from playwright.sync_api import expect  # here, so that collecting works without playwright

    expect(mu_field).to_have_value("0", timeout=10_000)  # the sidebar's μ followed the release
    assert page.evaluate(SIDEBAR_LR) == "0.0003"
    screenshot(page, "scrub_momentum", full_page=False)
