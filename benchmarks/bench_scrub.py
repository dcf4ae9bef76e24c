"""The learning-rate scrub (issue 16): payload of the scrub figure, and in-chart slider → redrawn path
in headless Chromium, against a real `streamlit run`.

    python benchmarks/bench_scrub.py

Goals: redrawn path < 100 ms median; payload < 1 MB at defaults (300 steps), with the whole family:
41 rates for GD, 21 rates × 6 values of μ or β₁ for momentum and Adam. The step: what a slider drag
does, Plotly.animate of the step's frame (public API; with two sliders the frame the page's listener
joins from both), timed to the next painted frame. Prints figures and ratios; exits 0.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_app  # noqa: E402

SCRUB = """(() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).find(
    g => g.layout && g.layout.sliders && g.layout.sliders.length
        && g.data.some(d => d.name === 'note')))()"""
TIMES = f"""async () => {{
    const gd = {SCRUB};
    const sl = gd.layout.sliders, out = [];
    const jump = {{frame: {{duration: 0, redraw: false}}, transition: {{duration: 0}}, mode: 'immediate'}};
    for (let k = 0; k < 30; k++) {{
        const s = sl[0].steps[(k * 7) % sl[0].steps.length];
        // one slider: its step's own arguments; two: the frame named by both positions
        const name = sl.length === 2 ? s.value + '|' + sl[1].steps[(k * 3) % sl[1].steps.length].value : s.args[0][0];
        const t = performance.now();
        await Plotly.animate(gd, [name], jump);
        await new Promise(r => requestAnimationFrame(() => r()));
        out.push(performance.now() - t);
    }}
    return out;
}}"""
LINKS = {
    "Rosenbrock, GD": "/?problem=rosenbrock&panel=scrub&lang=en",
    "Himmelblau, GD": "/?problem=himmelblau&panel=scrub&lang=en",
    # two sliders: rate × μ, rate × β₁ (the frame the page's listener shows for the sliders' positions)
    "Rosenbrock, momentum (α × μ)": "/?problem=rosenbrock&panel=scrub&lang=en&run=momentum,0.0003",
    "Beale, Adam (α × β₁)": "/?problem=beale&panel=scrub&lang=en&run=adam,0.05",
}


def row(name, value, goal, unit):
    ratio = value / goal
    print(
        f"{name:<58} | {value:>8.1f} {unit:<3} | goal < {goal:g} {unit:<3} | {ratio:5.2f} | {'PASS' if ratio < 1 else 'MISS'}"
    )


def payload(link: str) -> tuple[int, int]:
    """Bytes of the scrub chart's spec as the page sends it (AppTest, the page's own script) and its
    number of frames."""
    import json
    from urllib.parse import parse_qs, urlsplit

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in parse_qs(urlsplit(link).query).items():
        at.query_params[k] = v if len(v) > 1 else v[0]
    at.run()
    assert not at.exception, at.exception
    raw = next(c.proto.spec for c in at.get("plotly_chart") if c.proto.id.endswith("scrub_chart"))
    return len(raw.encode()), len(json.loads(raw)["frames"])


def main():
    for name, link in LINKS.items():
        size, n = payload(link)
        row(f"scrub figure payload, {name} ({n} frames × 301 states)", size / 1e3, 1000, "kB")
    from playwright.sync_api import sync_playwright

    with streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for name, link in LINKS.items():
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + link)
            wait_for_app(page, timeout_ms=120_000)
            page.wait_for_function(f"() => !!{SCRUB}", timeout=60_000)
            times = page.evaluate(TIMES)
            row(f"in-chart scrub → redrawn path, {name} (median of 30)", statistics.median(times), 100, "ms")
            print(f"{'':<58}   (min {min(times):.1f} ms, max {max(times):.1f} ms)")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
