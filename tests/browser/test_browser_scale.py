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
    page.wait_for_function(f"() => ({NAMES})() !== null", timeout=30_000)
    table = EN if lang == "en" else ZH
    assert page.evaluate(NAMES) == [table[f"scale.strategy.{s}"] for s in ss.DEFAULTS["scale.strategies"]]
    screenshot(page, f"scale_{lang}")
