"""The learning-rate scrub (issue 16): payload of the scrub figure, and in-chart slider → redrawn path
in headless Chromium, against a real `streamlit run`.

    python benchmarks/bench_scrub.py

Goals: redrawn path < 100 ms median; payload < 1 MB at defaults (4 runs, 300 steps, Rosenbrock and the
article's linear regression). The step: what a slider drag does, Plotly.update with the step's own
arguments (Plotly.animate, public API), timed to the next painted frame. Prints figures and ratios; exits 0.
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
    const steps = gd.layout.sliders[0].steps, out = [];
    for (let k = 0; k < 30; k++) {{
        const s = steps[(k * 7) % steps.length];
        const t = performance.now();
        await Plotly.animate(gd, s.args[0], s.args[1]);
        await new Promise(r => requestAnimationFrame(() => r()));
        out.push(performance.now() - t);
    }}
    return out;
}}"""
LINKS = {
    "Rosenbrock": "/?problem=rosenbrock&panel=scrub&lang=en",
    "Himmelblau": "/?problem=himmelblau&panel=scrub&lang=en",
}


def row(name, value, goal, unit):
    ratio = value / goal
    print(
        f"{name:<58} | {value:>8.1f} {unit:<3} | goal < {goal:g} {unit:<3} | {ratio:5.2f} | {'PASS' if ratio < 1 else 'MISS'}"
    )


def payload(problem: str, rule: str, lr: float) -> tuple[int, int]:
    """Bytes of the scrub figure as the page builds it for run 1 at the defaults (300 steps)."""
    import gdviz
    from gdviz.figures.scrub import scrub_figure
    from gdviz.figures.spec import payload_bytes
    from gdviz.geometry.surfaces import slice_grid
    from gdviz.ui.i18n import figure_labels
    from gdviz.ui.race.scrub import lr_grid

    p = gdviz.problem(problem)
    lrs, active = lr_grid(lr)
    rec = gdviz.run_many(p, gdviz.optimizer(rule, lr=lrs), steps=300, runs=len(lrs))
    window = p.window
    surface = slice_grid(p, window=window, resolution=100)
    fig = scrub_figure(
        surface,
        lrs,
        rec.params,
        rec.loss,
        window=window,
        active=active,
        color="#0072B2",
        diverged=rec.diverged,
        labels=figure_labels("en"),
    )
    return payload_bytes(fig), len(lrs)


def main():
    for name, (problem, rule, lr) in {
        "Rosenbrock": ("rosenbrock", "gd", 3e-4),
        "Himmelblau": ("himmelblau", "gd", 0.01),
    }.items():
        size, n = payload(problem, rule, lr)
        row(f"scrub figure payload, {name} ({n} rates × 301 states)", size / 1e3, 1000, "kB")
    from playwright.sync_api import sync_playwright

    with streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for name, link in LINKS.items():
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + link)
            wait_for_app(page, timeout_ms=120_000)
            page.wait_for_function(f"() => !!{SCRUB}", timeout=60_000)
            times = page.evaluate(TIMES)
            row(
                f"in-chart lr scrub → redrawn path, {name} (median of 30)",
                statistics.median(times),
                100,
                "ms",
            )
            print(f"{'':<58}   (min {min(times):.1f} ms, max {max(times):.1f} ms)")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
