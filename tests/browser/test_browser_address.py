"""The address bar holds the race page's whole state after every change, the view's included (they
rerun only the chart's fragment): for every view control, change it in Chromium, check the address
bar carries it, open that address in a fresh context, and compare the chart drawn there (Plotly's
public ``gd.data`` and ``gd.layout``) with the one drawn here.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import VALUES, VIEWPORT, assert_no_exception, wait_for_app

from gdviz.ui.i18n import EN

pytestmark = pytest.mark.browser

# The race chart: the Plotly graph with a step slider (the 3-D view and the inspector have none).
FINGERPRINT = """() => {
    const values = VALUES;
    const plots = Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'));
    const sum = a => { let s = 0; const v = values(a); for (const x of v) if (typeof x === 'number') s += x; return [v.length, Math.round(s * 1e4)]; };
    const surface = plots.find(g => Array.isArray(g.data) && g.data.some(d => d.type === 'surface'));
    if (surface) return {surface: surface.data.map(d => [d.type, d.name || '', sum(d.x), sum(d.y)])};
    const gd = plots.find(g => g.layout && g.layout.sliders && g.layout.sliders.length);
    if (!gd) return null;
    const L = gd.layout, title = a => (L[a] && L[a].title && L[a].title.text) || '';
    return {
        loss_axis: L.yaxis2.type,
        loss_range: (L.yaxis2.range || []).map(v => Math.round(v * 1e3)),
        titles: ['xaxis', 'yaxis', 'xaxis2', 'yaxis2'].map(title),
        slider: L.sliders[0].steps.map(s => s.label),
        frame_ms: L.updatemenus[0].buttons[0].args[1].frame.duration,
        image: ((L.images && L.images[0] && L.images[0].source) || '').length,
        traces: gd.data.map(d => [d.name || '', sum(d.x), sum(d.y)]),
    };
}""".replace("VALUES", VALUES)

START = "?problem=linear_regression&data=synthetic&n=200&steps=120&run=gd,0.05,mini:8&run=adam,0.05&lang=en"


def fingerprint(page) -> dict:
    page.wait_for_function(f"() => !!({FINGERPRINT})()", timeout=30_000)
    return page.evaluate(FINGERPRINT)


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def select(page, label: str, option: str):
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]', has_text=label).first.click()
    page.locator('[role="option"]', has_text=option).first.click()


def toggle(page, label: str):
    page.locator(
        '[data-testid="stMain"] [data-testid="stCheckbox"], [data-testid="stMain"] [data-testid="stToggle"]'
    ).filter(has_text=label).first.locator("label").first.click()


def radio(page, group: str, option: str):
    page.locator('[data-testid="stMain"] [data-testid="stRadio"]', has_text=group).first.get_by_text(
        option, exact=True
    ).click()


CHANGES = [
    ("frames", lambda p: select(p, EN["frames"], "100"), lambda q: q.get("frames") == ["100"]),
    ("speed", lambda p: select(p, EN["speed"], "2×"), lambda q: q.get("speed") == ["2×"]),
    ("log scale", lambda p: toggle(p, EN["log_loss"]), lambda q: q.get("log") == ["0"]),
    ("loss − minimum", lambda p: toggle(p, EN["view.excess"]), lambda q: q.get("excess") == ["1"]),
    ("x axis", lambda p: radio(p, EN["x_axis"], EN["x_axis.epoch"]), lambda q: q.get("x") == ["epoch"]),
    ("axis y", lambda p: select(p, EN["axis_y"], "b"), lambda q: q.get("axes") == ["0,2"]),
    (
        "panel",
        lambda p: p.get_by_text(EN["tab.surface3d"], exact=True).first.click(),
        lambda q: q.get("panel") == ["surface3d"],
    ),
    # Back to the contour: the 3-D view draws no surface on the PCA plane.
    (
        "panel back",
        lambda p: p.get_by_text(EN["tab.contour"], exact=True).first.click(),
        lambda q: q.get("panel", ["contour"]) == ["contour"],
    ),
    ("plane", lambda p: radio(p, EN["plane"], EN["plane.pca"]), lambda q: q.get("view") == ["pca"]),
]


def test_every_view_control_is_in_the_address_bar_and_reopens_the_same_chart(browser, app_url):
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    try:
        page.goto(app_url + "/" + START)
        wait_for_app(page)
        assert_no_exception(page)
        before = fingerprint(page)
        for name, change, carried in CHANGES:
            change(page)
            wait_for_app(page)
            page.wait_for_function(
                f"() => JSON.stringify(({FINGERPRINT})()) !== {json.dumps(json.dumps(before))}",
                timeout=30_000,
            )
            here = fingerprint(page)
            assert carried(query(page)), f"{name}: the address bar does not carry it: {page.url}"
            other = browser.new_context(viewport=VIEWPORT)
            try:
                fresh = other.new_page()
                fresh.goto(page.url)
                wait_for_app(fresh)
                assert_no_exception(fresh)
                assert fingerprint(fresh) == here, f"{name}: the reopened address draws another chart"
            finally:
                other.close()
            before = here
    finally:
        ctx.close()
