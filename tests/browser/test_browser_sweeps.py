"""The sweeps page in real Chromium: every panel draws, and clicking a heatmap cell loads that setting
into run 1 of the Visualizer and opens it. Screenshots of each panel go to tests/artifacts/.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser_support import DATA_TO_PAGE, assert_no_exception, screenshot, wait_for_app

from gdviz.figures.sweeps import CELL_GRID_NAME
from gdviz.ui.i18n import EN
from gdviz.ui.specs import RunSpec, snap_lr
from gdviz.ui.sweeps import panels as sweeps_panels

pytestmark = pytest.mark.browser

TALL = {"width": 1400, "height": 1500}
PLOT = f"""() => Array.from(document.querySelectorAll('.js-plotly-plot')).find(
    g => g.data && g.data.some(d => d.name === {CELL_GRID_NAME!r}))"""
# The pixel centre of heatmap cell (row, col) on the page, from Plotly's own axis mapping.
CELL_XY = f"""([row, col]) => {{
    const gd = ({PLOT})();
    return ({DATA_TO_PAGE})(gd, 'xy', col, row);
}}"""


def show_panel(page, name: str):
    page.locator('[data-testid="stButtonGroup"] button', has_text=EN[f"sweep.panel.{name}"]).click()
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=20_000)
    page.wait_for_timeout(300)
    assert_no_exception(page)


@pytest.fixture
def sweeps_page(page, app_url):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/sweeps")
    wait_for_app(page)
    page.get_by_text(EN["sweep.panel.lr"]).first.wait_for(state="visible")
    return page


def test_every_panel_draws(sweeps_page):
    for name in ("range", "compare", "heatmap", "lr"):
        show_panel(sweeps_page, name)
        assert sweeps_page.locator(".js-plotly-plot").count() == 1
        screenshot(sweeps_page, f"sweeps_{name}")


def test_clicking_a_heatmap_cell_races_it_in_the_visualizer(sweeps_page):
    show_panel(sweeps_page, "heatmap")
    sweeps_page.wait_for_function(f"() => !!({PLOT})()", timeout=20_000)
    # the default race on the article's regression: run 1 is full-batch GD, the heatmap 20 lrs × momentum
    n = 20
    lrs = np.logspace(-5, 1, n)
    mus = sweeps_panels.heatmap_values("momentum", RunSpec("gd"), None, n)
    col = int(np.argmin(np.abs(np.log10(lrs) + 2)))
    row = int(np.argmin(np.abs(np.asarray(mus) - 0.9)))
    x, y = sweeps_page.evaluate(CELL_XY, [row, col])
    sweeps_page.mouse.move(x, y)
    sweeps_page.wait_for_timeout(300)
    sweeps_page.mouse.click(x, y)
    wait_for_app(sweeps_page)
    lr = f"{snap_lr(lrs[col]):g}"
    # run 1 races the cell: the address bar says so, and its open section shows its μ (below)
    sweeps_page.wait_for_function(
        f"() => /^momentum,{re.escape(lr)}(,|$)/.test(new URLSearchParams(location.search).getAll('run')[0] || '')",
        timeout=20_000,
    )
    assert "/sweeps" not in sweeps_page.url
    mu = sweeps_page.locator(f'input[aria-label="{EN["ctl.momentum"]}"]').first
    from playwright.sync_api import expect  # here, so that collecting works without playwright

    # the widget may repaint after the title: wait for its value rather than read it once
    expect(mu).to_have_value(f"{mus[row]:g}", timeout=10_000)
    assert_no_exception(sweeps_page)
    screenshot(sweeps_page, "sweeps_cell_loaded")
