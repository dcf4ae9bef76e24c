"""The scale page in real Chromium, reached through the router at ``/scale``: no exception box, and
the loss chart (the first chart of the page) has one trace per selected strategy. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import pytest
from browser_support import assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN, ZH
from gdviz.ui.scale import state as ss

pytestmark = pytest.mark.browser

NAMES = """() => {
    const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
    return gd && gd.data ? gd.data.map(d => d.name) : null;
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scale_page_draws_one_trace_per_strategy(page, app_url, lang):
    page.goto(f"{app_url}/scale?lang={lang}")
    wait_for_app(page, timeout_ms=60_000)
    assert_no_exception(page)
    table = EN if lang == "en" else ZH
    expected = [table[f"scale.strategy.{s}"] for s in ss.DEFAULTS["scale.strategies"]]
    # the chart may first be drawn by an earlier run of the page (a loaded machine showed its stale
    # element): wait for the one the page ends with, and say what was drawn if it never comes
    try:
        page.wait_for_function(
            f"(want) => JSON.stringify(({NAMES})()) === JSON.stringify(want)", arg=expected, timeout=30_000
        )
    except Exception as err:
        raise AssertionError(f"the chart shows {page.evaluate(NAMES)}, not {expected}") from err
    screenshot(page, f"scale_{lang}")


def test_scale_paths_play_from_the_start_to_the_last_update(page, app_url):
    from browser_support import ANIMATED, CURRENT_FRAME, VALUES

    page.goto(f"{app_url}/scale")
    wait_for_app(page, timeout_ms=60_000)
    page.wait_for_function(f"() => !!{ANIMATED}", timeout=30_000)
    gd = page.evaluate_handle(ANIMATED)
    assert page.evaluate(CURRENT_FRAME, gd) == "0"  # before Play: update 0, only the start drawn
    page.locator(".js-plotly-plot .updatemenu-button", has_text=EN["scale.fig.play"]).first.click()
    last = str(ss.DEFAULTS["scale.steps"])
    page.wait_for_function(f"(gd) => ({CURRENT_FRAME})(gd) === '{last}'", arg=gd, timeout=30_000)
    # at the end every strategy's path holds all its kept states (public gd.data)
    lengths = page.evaluate(f"(gd) => gd.data.slice(0, 2).map(d => ({VALUES})(d.x).length)", gd)
    assert min(lengths) > 100
    assert_no_exception(page)
