"""Visualizer benchmarks: figure payload, server-side rerun, and slider → redrawn chart in Chromium.

    python benchmarks/bench_ui.py            # all three (the browser part needs /usr/bin/chromium)
    python benchmarks/bench_ui.py --no-browser

Goals (issue 3): payload at defaults (4 runs, 300 frames) < 1 MB; server-side rerun after a
learning-rate change < 150 ms (AppTest); learning-rate slider change → redrawn chart < 300 ms in
headless Chromium. Prints figures and their ratio to the goal; exit code 0 (a report, not a test).
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


def row(name, value, goal, unit):
    ratio = value / goal
    print(
        f"{name:<52} | {value:>10.1f} {unit:<3} | goal < {goal:g} {unit:<3} | {ratio:5.2f} | {'PASS' if ratio < 1 else 'MISS'}"
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


CHART_STATE = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd.data) return null;
  const t = gd.data.find(d => d.name && d.name.startsWith('1.'));
  return t ? JSON.stringify(t.name) + gd.data.length + JSON.stringify(gd.layout.yaxis2 && gd.layout.yaxis2.range) : null;
}"""


def browser_part():
    from browser_support import CHROMIUM_ARGS, browser_missing_reason, streamlit_server, wait_for_app

    reason = browser_missing_reason()
    if reason:
        print(f"browser part skipped: {reason}")
        return
    from playwright.sync_api import sync_playwright

    with streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        row("first load → chart drawn (cold server)", 1000 * (time.perf_counter() - t0), 5000, "ms")
        wait_for_app(page)
        # the first run's learning-rate select_slider is the second slider in the sidebar (after steps)
        sliders = page.locator('[data-testid="stSidebar"] input[type=range]')
        slider = sliders.nth(1)
        times = []
        for k in range(8):
            before = page.evaluate(CHART_STATE)
            slider.focus()
            t = time.perf_counter()
            page.keyboard.press("ArrowLeft" if k % 2 else "ArrowRight")
            page.wait_for_function(
                f"(b) => ({CHART_STATE})() !== b", arg=before, timeout=30_000, polling="raf"
            )
            times.append(time.perf_counter() - t)
            wait_for_app(page)
        row("lr slider change → redrawn chart (median)", 1000 * statistics.median(times), 300, "ms")
        print(f"{'':<52}   (8 changes, min {1000 * min(times):.0f} ms, max {1000 * max(times):.0f} ms)")
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
