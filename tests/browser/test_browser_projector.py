"""The race page on a classroom projector (1280×720) and on a phone (390×844), in Chromium: what fits
on the first screen, the size of the type, a fullscreen that keeps the animation, the keys, and
controls and labels that do not run into each other."""

from __future__ import annotations

import pytest
from browser_support import ANIMATED, CURRENT_FRAME, assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN

pytestmark = pytest.mark.browser

# Every text the chart draws that the class must read: ticks, axis titles, buttons, the step.
CHART_TEXT_PX = f"""() => {{ const gd = {ANIMATED};
    const sel = '.xtick text, .ytick text, .x2tick text, .y2tick text, .g-xtitle text, .g-ytitle text,'
        + ' .g-x2title text, .g-y2title text, .updatemenu-item-text, .slider-currentvalue';
    return Array.from(gd.querySelectorAll(sel)).filter(t => t.textContent.trim())
        .map(t => [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize)]); }}"""
BOX = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"""
RECTS = f"""(sel) => Array.from({ANIMATED}.querySelectorAll(sel)).filter(e => e.textContent.trim() || !e.matches('text'))
    .map(e => {{ const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }})"""
FRAME = f"() => ({CURRENT_FRAME})({ANIMATED})"
ACTIVE = f"() => {ANIMATED}.layout.sliders[0].active || 0"


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


# A phone's browser as it names itself (the page stacks the chart's panels for "Mobi").
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def _open(browser, url: str, width: int, height: int, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.split("/?")[0])
    page = context.new_page()
    page.goto(url)
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    page.wait_for_function(f"() => !!{ANIMATED} && !!{ANIMATED}.querySelector('.main-svg')", timeout=30_000)
    return context, page


def test_projector_fills_the_first_screen_in_large_type_and_its_fullscreen_keeps_playing(browser, app_url):
    context, page = _open(browser, app_url + "/?projector=1&lang=en", 1280, 720)
    try:
        sidebar = page.evaluate(BOX, '[data-testid="stSidebar"]')
        assert sidebar["right"] <= 1, f"the sidebar is open: {sidebar}"
        chart = page.evaluate(BOX, '[data-testid="stMain"] .js-plotly-plot')
        assert 0 <= chart["top"] < 120 and chart["bottom"] <= 720, chart
        assert chart["bottom"] - chart["top"] >= 0.8 * 720, f"the chart does not fill the window: {chart}"
        texts = page.evaluate(CHART_TEXT_PX)
        assert len(texts) >= 15, texts  # ticks of four axes, titles, buttons, the step
        small = [(text, px) for text, px in texts if px < 18]
        assert not small, f"type under 18 px on the projector: {small[:6]}"
        legend = page.evaluate(
            "() => Array.from(document.querySelectorAll('.gdviz-legend li'))"
            ".map(li => parseFloat(getComputedStyle(li).fontSize))"
        )
        assert len(legend) >= 4 and min(legend) >= 18, legend
        # no chart toolbar over the legend, nor Streamlit's Fullscreen that drops the frames
        assert page.locator('[data-testid="stMain"] .modebar-btn').count() == 0
        screenshot(page, "projector_en_1280", full_page=False)

        page.locator("button.gdviz-fullscreen").click()
        page.wait_for_function(
            "() => !!document.fullscreenElement && document.fullscreenElement.matches('.st-key-projector_stage')"
        )
        assert page.evaluate(FRAME) == "0"
        page.keyboard.press("Space")  # Play
        page.wait_for_function(f"() => ({FRAME})() !== '0'", timeout=20_000)
        page.keyboard.press("Space")  # Pause
        page.keyboard.press("ArrowRight")  # one slider step on
        before = page.evaluate(ACTIVE)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({ACTIVE})() === {before + 1}", timeout=10_000)
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"() => ({ACTIVE})() === {before}", timeout=10_000)
        page.evaluate("() => document.exitFullscreen()")
        page.wait_for_function("() => !document.fullscreenElement")
        shown = page.evaluate(FRAME)
        page.keyboard.press("Space")  # the animation still plays after fullscreen
        page.wait_for_function(f"() => ({FRAME})() !== {shown!r}", timeout=20_000)
        assert_no_exception(page)
    finally:
        context.close()


def test_phone_shows_the_chart_first_with_nothing_overlapping_and_copies_the_link(browser, app_url):
    context, page = _open(browser, app_url + "/?lang=en", 390, 844, user_agent=PHONE_AGENT, has_touch=True)
    try:
        sidebar = page.evaluate(BOX, '[data-testid="stSidebar"]')
        assert sidebar["right"] <= 1, f"the sidebar covers the page: {sidebar}"
        chart = page.evaluate(BOX, '[data-testid="stMain"] .js-plotly-plot')
        controls = page.evaluate(BOX, ".st-key-frames")
        assert chart["top"] < 844 and chart["top"] < controls["top"], "the chart comes before its controls"
        assert chart["right"] <= 390
        # Streamlit's chart Fullscreen (it drops the animation's frames) is not offered
        shown = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-testid="stMain"] .modebar-btn'))
                .map(b => [b.getAttribute('data-title'), getComputedStyle(b).display])"""
        )
        assert ["Fullscreen", "none"] in shown and ["Zoom", "none"] not in shown, shown
        contour = page.evaluate(BOX, '[data-testid="stMain"] .js-plotly-plot .nsewdrag[data-subplot="xy"]')
        loss = page.evaluate(BOX, '[data-testid="stMain"] .js-plotly-plot .nsewdrag[data-subplot="x2y2"]')
        width = chart["right"] - chart["left"]
        assert contour["right"] - contour["left"] >= 0.5 * width, f"the contour is a thumbnail: {contour}"
        assert loss["top"] > contour["bottom"], "the loss panel is under the contour"
        buttons = page.evaluate(RECTS, ".updatemenu-button")
        slider = page.evaluate(RECTS, ".slider-rail-rect, .slider-grip-rect, .slider-currentvalue")
        assert len(buttons) == 2 and slider
        hits = [(b, s) for b in buttons for s in slider if _overlap(b, s)]
        assert not hits, f"Play/Pause overlap the step slider: {hits}"
        axes = {a: page.evaluate(RECTS, f".{a}tick text") for a in ("x", "y", "x2", "y2")}
        assert all(axes.values()), {a: len(r) for a, r in axes.items()}
        clashes = [
            (a, b)
            for i, a in enumerate(axes)
            for b in list(axes)[i + 1 :]
            if any(_overlap(r, s) for r in axes[a] for s in axes[b])
        ]
        assert not clashes, f"tick labels of these axes collide: {clashes}"
        for a, rects in axes.items():  # and within one axis
            assert not any(_overlap(r, s) for i, r in enumerate(rects) for s in rects[i + 1 :]), a
        table = page.locator(".gdviz-table").first  # the summary (gdviz.ui.htmltable)
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"the summary is cut off: {box}"
        page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"] .js-plotly-plot').scrollIntoView()"
        )
        screenshot(page, "phone_en", full_page=False)

        page.get_by_text(EN["share"]).first.click()
        page.locator("button.gdviz-copy").click()
        page.wait_for_function("() => document.querySelector('button.gdviz-copy').textContent === 'Copied'")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.startswith(app_url + "/?") and "problem=linear_regression" in copied, copied
    finally:
        context.close()
