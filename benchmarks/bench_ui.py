"""Visualizer benchmarks: figure payload, server-side rerun, and slider → redrawn chart in Chromium.

    python benchmarks/bench_ui.py            # all three (the browser part needs /usr/bin/chromium)
    python benchmarks/bench_ui.py --no-browser

Goals (issues 3 and 16): payload at defaults (4 runs, 300 frames) < 1 MB; server-side rerun after a
learning-rate change < 150 ms (AppTest); every control class of the sidebar (steps, learning rate,
update rule, schedule, batch size, a click that moves the start) → redrawn chart < 300 ms in
headless Chromium, from the user's action to the chart drawn changed. Prints figures and their ratio
to the goal; exit code 0 (a report, not a test).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("PYTHONPATH", str(ROOT))

logging.getLogger("streamlit").setLevel(logging.ERROR)


def row(name, value, goal, unit, floor=None):
    ratio = value / goal
    vs_floor = f" | {value / floor:5.2f} × the floor" if floor else ""
    print(
        f"{name:<58} | {value:>8.1f} {unit:<3} | goal < {goal:g} {unit:<3} | {ratio:5.2f} | "
        f"{'PASS' if ratio < 1 else 'MISS'}{vs_floor}"
    )


def apptest_part():
    from streamlit.testing.v1 import AppTest

    from gdviz.ui.specs import LR_GRID

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    spec = at.get("plotly_chart")[0].proto.spec
    fig = json.loads(spec)
    steps = [f for f in fig["frames"] if f.get("group") == "steps"]
    row("payload at defaults (4 runs, 300 frames)", len(spec.encode()) / 1e3, 1000, "kB")
    print(f"{'':<52}   ({len(fig['data'])} traces, {len(steps)} step frames)")

    rid = at.session_state["run_ids"][0]
    key = f"run.{rid}.lr"
    i = LR_GRID.index(0.05)
    times = []
    for k in range(12):
        # alternate between values so that every rerun is a cache miss for run 1
        at.session_state[key] = LR_GRID[i - 1 - (k % 6)] if k < 6 else LR_GRID[i - 7 - (k % 6)]
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    row("server rerun after a learning-rate change (median)", 1000 * statistics.median(times), 150, "ms")
    print(f"{'':<52}   (12 reruns, min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms)")


# What the race chart draws, as a digest of its public state: every trace's name and its first and
# last points, the step slider's length and the loss axis's range. Any control that changes a run
# changes it.
CHART_STATE = """() => {
  const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  if (!gd || !gd.data) return null;
  const v = a => (a && a.length) ? [a[0], a[Math.floor(a.length / 2)], a[a.length - 1], a.length].join(',') : '';
  const s = gd.layout.sliders && gd.layout.sliders[0];
  return gd.data.map(d => (d.name || '') + ':' + v(d.x) + ':' + v(d.y)).join('|')
    + (s ? s.steps.length : '') + JSON.stringify(gd.layout.yaxis2 && gd.layout.yaxis2.range);
}"""
SIDEBAR = '[data-testid="stSidebar"]'


def _timed(page, act, wait_for_app) -> float:
    """Seconds from ``act()`` (one user action) to the race chart drawn changed."""
    before = page.evaluate(CHART_STATE)
    t = time.perf_counter()
    act()
    page.wait_for_function(f"(b) => ({CHART_STATE})() !== b", arg=before, timeout=30_000, polling="raf")
    out = time.perf_counter() - t
    wait_for_app(page)
    return out


def _pick(page, label: str, option: str):
    """Open the sidebar selectbox labelled ``label`` (the first one, run 1's) and return an action
    that picks ``option`` in it."""
    box = page.locator(f'{SIDEBAR} [data-testid="stSelectbox"]', has_text=label).first
    box.click()
    opt = page.get_by_role("option", name=option, exact=True)
    opt.wait_for()
    return opt.click


def control_classes(page, wait_for_app) -> dict[str, list[float]]:
    """Each control class of the sidebar, changed n times → chart redrawn (seconds)."""
    from gdviz.ui.i18n import EN

    out: dict[str, list[float]] = {}
    sliders = page.locator(f"{SIDEBAR} input[type=range]")
    # steps: the first slider of the sidebar; run 1's learning rate: the second
    for name, slider in (
        ("steps (slider, ± 10)", sliders.nth(0)),
        ("learning rate (slider, one notch)", sliders.nth(1)),
    ):
        out[name] = []
        for k in range(8):
            slider.focus()
            out[name].append(
                _timed(
                    page,
                    lambda k=k: page.keyboard.press("ArrowLeft" if k % 2 else "ArrowRight"),
                    wait_for_app,
                )
            )
    # a view control drawn inside the chart's fragment: its change reruns that fragment only
    log = page.locator('[data-testid="stMain"] [data-testid="stCheckbox"]', has_text=EN["log_loss"]).first
    out["log loss axis (toggle, in the chart's fragment)"] = [
        _timed(page, log.click, wait_for_app) for _ in range(6)
    ]
    rules = [EN["rule.momentum"], EN["rule.gd"]]
    out["update rule (select)"] = [
        _timed(page, _pick(page, EN["rule"], rules[k % 2]), wait_for_app) for k in range(6)
    ]
    scheds = [EN["schedule.exponential"], EN["schedule.constant"]]
    out["schedule (select)"] = [
        _timed(page, _pick(page, EN["schedule"], scheds[k % 2]), wait_for_app) for k in range(6)
    ]
    # batch size: run 2 is the mini-batch run; open its section, then its number's + / − buttons
    page.locator(f'{SIDEBAR} [data-testid="stExpander"]', has_text=f"{EN['run']} 2 ").first.locator(
        "summary"
    ).click()
    wait_for_app(page)
    batch = page.locator(f'{SIDEBAR} [data-testid="stNumberInput"]', has_text=EN["batch_size"]).first
    batch.wait_for()
    out["batch size (number, + / −)"] = [
        _timed(
            page,
            batch.locator(
                '[data-testid="stNumberInputStepUp"]'
                if k % 2 == 0
                else '[data-testid="stNumberInputStepDown"]'
            ).click,
            wait_for_app,
        )
        for k in range(6)
    ]
    # start point: the default problem is drawn in a PCA plane, where a click does not set the start
    # (a point of the plane is not one point of the parameters); its start fields do
    page.locator(f'{SIDEBAR} [data-testid="stExpander"]', has_text=EN["start"]).first.locator(
        "summary"
    ).click()
    wait_for_app(page)
    first = (
        page.locator(f'{SIDEBAR} [data-testid="stExpander"]', has_text=EN["start"])
        .first.locator('[data-testid="stNumberInput"]')
        .first
    )
    first.wait_for()
    field = first.locator("input")
    out["start point (number typed, Enter)"] = []
    for v in ("0.5", "-0.5", "1", "0.25", "-1", "0"):
        field.fill(v)
        out["start point (number typed, Enter)"].append(
            _timed(page, lambda: field.press("Enter"), wait_for_app)
        )
    return out


FLOOR_CHART = """() => { const gd = document.querySelector('.js-plotly-plot');
    return gd && gd.data ? JSON.stringify(Array.from(gd.data[0].y)) : null; }"""


def floor_part(streamlit_server, wait_for_app, sync_playwright, chromium_args) -> float:
    """The floor page's slider → its chart redrawn (ms, median of 8): the least a Streamlit rerun
    that redraws a Plotly chart costs in this browser on this machine."""
    floor = ROOT / "benchmarks" / "floor_app.py"
    with streamlit_server(floor, cwd=ROOT) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        wait_for_app(page)
        slider = page.locator('[data-testid="stSidebar"] input[type=range]').first
        times = []
        for k in range(8):
            before = page.evaluate(FLOOR_CHART)
            slider.focus()
            t = time.perf_counter()
            page.keyboard.press("ArrowLeft" if k % 2 else "ArrowRight")
            page.wait_for_function(
                f"(b) => ({FLOOR_CHART})() !== b", arg=before, timeout=30_000, polling="raf"
            )
            times.append(time.perf_counter() - t)
            wait_for_app(page)
        browser.close()
    ms = 1000 * statistics.median(times)
    print(f"{'floor page: slider → its chart redrawn (median of 8)':<58} | {ms:>8.1f} ms  | (the floor)")
    return ms


def browser_part():
    from browser_support import CHROMIUM_ARGS, browser_missing_reason, streamlit_server, wait_for_app

    reason = browser_missing_reason()
    if reason:
        print(f"browser part skipped: {reason}")
        return
    from playwright.sync_api import sync_playwright

    floor_ms = floor_part(streamlit_server, wait_for_app, sync_playwright, CHROMIUM_ARGS)
    with streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        row("first load → chart drawn (cold server)", 1000 * (time.perf_counter() - t0), 5000, "ms")
        wait_for_app(page)
        for name, times in control_classes(page, wait_for_app).items():
            row(f"{name} → redrawn chart (median)", 1000 * statistics.median(times), 300, "ms", floor_ms)
            print(
                f"{'':<52}   ({len(times)} changes, min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms)"
            )
        # the chart's own step slider: a jump to any frame is drawn in the browser, no server involved
        jumps = page.evaluate(
            """async () => {
              const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(
                  g => g.layout && g.layout.sliders && g.layout.sliders.length);
              // the frames the chart's own slider jumps to (Plotly's public layout)
              const names = gd.layout.sliders[0].steps.map(s => s.args[0][0]);
              const out = [];
              for (let i = 0; i < 20; i++) {
                const name = names[Math.floor(((i * 7919) % 97) / 97 * names.length)];
                const t = performance.now();
                await Plotly.animate(gd, [name], {frame: {duration: 0, redraw: false}, transition: {duration: 0}, mode: 'immediate'});
                await new Promise(r => requestAnimationFrame(() => r()));
                out.push(performance.now() - t);
              }
              return out;
            }"""
        )
        row("step slider jump → redrawn frame (median)", statistics.median(jumps), 300, "ms")
        browser.close()


if __name__ == "__main__":
    import numpy
    import plotly
    import streamlit

    print(
        f"numpy {numpy.__version__}, plotly {plotly.__version__}, streamlit {streamlit.__version__}, cpus {os.cpu_count()}"
    )
    print(f"{'benchmark':<52} | {'measured':>14} | {'goal':<13} | ratio | ")
    apptest_part()
    if "--no-browser" not in sys.argv:
        browser_part()
