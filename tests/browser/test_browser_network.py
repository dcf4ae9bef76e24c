"""The neural-network page in real Chromium, reached through the router at ``/network``: the boundary is
drawn as a layout image with its 0.5 line, Play swaps the image frame by frame without losing it
(the reason the boundary is an image, see ``gdviz.figures.network.boundary``), a lesson button loads two runs,
and the page speaks Chinese. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import pytest
from browser_support import ANIMATED, CURRENT_FRAME, VALUES, assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN, ZH
from gdviz.ui.network import page as pn
from gdviz.ui.network import state as ns

pytestmark = pytest.mark.browser

# The boundary chart is the only graph on the page that carries animation frames.
BOUNDARY = ANIMATED
STATE = f"""() => {{
    const gd = {BOUNDARY};
    if (!gd || !gd.data) return null;
    const imgs = Array.from(gd.querySelectorAll('.imagelayer image'));
    const line = gd.data.find(d => d.mode === 'lines');
    return {{
        frames: gd.layout.sliders[0].steps.length,
        images: imgs.map(i => (i.getAttribute('href') || i.getAttribute('xlink:href') || '')),
        line: line ? ({VALUES})(line.x).filter(v => v !== null && !Number.isNaN(v)).length : 0,
        captions: gd.data.filter(d => d.mode === 'text').map(d => d.text[0]),
        points: gd.data.filter(d => d.mode === 'markers').reduce((n, d) => n + ({VALUES})(d.x).length, 0),
        current: ({CURRENT_FRAME})(gd),
    }};
}}"""
# Every distinct image the boundary shows while playing, sampled at each animation frame of the page.
WATCH_PLAY = f"""async () => {{
    const gd = {BOUNDARY};
    ({CURRENT_FRAME})(gd);  // listen to the frames Plotly announces from the start
    const seen = new Set();
    let lost = 0;
    const t0 = performance.now();
    let go = true;
    const poll = () => {{
        const im = gd.querySelector('.imagelayer image');
        if (im) seen.add((im.getAttribute('href') || '').slice(-40)); else lost += 1;
        if (go) requestAnimationFrame(poll);
    }};
    poll();
    const done = new Promise(res => gd.once('plotly_animated', res));
    gd.querySelector('.updatemenu-button').dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
    await Promise.race([done, new Promise(res => setTimeout(res, 20000))]);
    go = false;
    return {{distinct: seen.size, lost: lost, ms: performance.now() - t0,
             frames: gd.layout.sliders[0].steps.length}};
}}"""


def open_network(page, url: str):
    page.goto(url)
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(
        f"() => {{ const s = ({STATE})(); return s && s.images.length > 0; }}", timeout=30_000
    )
    return page.evaluate(STATE)


def test_boundary_is_drawn_with_its_line_and_points(page, app_url):
    s = open_network(page, app_url + "/network")
    assert s["frames"] == len(pn.frame_schedule(ns.DEFAULTS["net.steps"]))
    assert len(s["images"]) == 1 and s["images"][0].startswith("data:image/png;base64,")
    assert s["line"] > 20, "the p = 0.5 boundary is drawn"
    assert s["points"] == ns.DEFAULTS["net.n"]
    assert s["captions"][0].startswith("<b>1. ") and "step 1000" in s["captions"][0]
    # the other two views are drawn too
    assert page.locator(".js-plotly-plot").count() == 3
    screenshot(page, "network_default")


def test_play_swaps_the_boundary_image_every_frame(page, app_url):
    open_network(page, app_url + "/network")
    page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    r = page.evaluate(WATCH_PLAY)
    # Plotly's animate would drop a heatmap or contour layer; a layout image survives and changes
    assert r["lost"] == 0, "the boundary image vanished while playing"
    assert r["distinct"] >= 0.8 * r["frames"], r
    s = page.evaluate(STATE)
    assert s["current"] == str(ns.DEFAULTS["net.steps"]), "Play runs to the last step"
    assert s["points"] == ns.DEFAULTS["net.n"], "the data points stay"
    assert_no_exception(page)


def test_lesson_button_loads_two_runs(page, app_url):
    open_network(page, app_url + "/network")
    buttons = page.get_by_role("button", name=EN["net.lesson.load"])
    # every lesson card is drawn before picking one by position (a half-drawn page shifts them)
    buttons.nth(len(ns.LESSONS) - 1).wait_for(state="visible")
    wait_for_app(page, timeout_ms=60_000)
    assert buttons.count() == len(ns.LESSONS)
    buttons.nth(list(ns.LESSONS).index("batch")).click()
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(
        f"() => {{ const s = ({STATE})(); return s && s.images.length === 2; }}", timeout=30_000
    )
    s = page.evaluate(STATE)
    assert [c.split("<br>")[0] for c in s["captions"]] == [
        "<b>1. Adam α=0.01 · mini-batch b=8</b>",
        "<b>2. Adam α=0.01 · batch</b>",
    ]
    page.get_by_text(EN["net.lesson.batch.question"]).wait_for(state="visible")
    screenshot(page, "network_lesson_batch")
    # A tall window shows the whole page in one picture (the main area scrolls inside the app).
    page.set_viewport_size({"width": 1400, "height": 3100})
    page.wait_for_timeout(1500)
    screenshot(page, "network_lesson_batch_full")


def test_chinese(page, app_url):
    open_network(page, app_url + "/network?lang=zh")
    page.get_by_text(ZH["net.title"]).first.wait_for(state="visible")
    assert ZH["net.data"] in page.locator('[data-testid="stSidebar"]').inner_text()
    s = page.evaluate(STATE)
    assert "第 1000 步" in s["captions"][0]
    screenshot(page, "network_zh")
