"""Load: one real `streamlit run` server, N concurrent real browser sessions (one Chromium, N contexts).

    python benchmarks/bench_load.py              # N = 10, 20, 40
    python benchmarks/bench_load.py 5 10         # other N

Each session opens the app at the same moment and waits until the race chart is drawn (the Plotly
graph with its surface image). Reports p50 / p95 / max time to first chart and the error count
(an `stException` on the page, a page error, or no chart within 60 s). Goal (issue 7) on this
2-core machine: 40 sessions, p95 < 5 s, 0 errors. Server and browser share the two cores, so the
figures include the browsers' own rendering. Exit code 0 (a report, not a test).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM_ARGS, browser_missing_reason, streamlit_server  # noqa: E402

TIMEOUT_MS = 60_000
CHART = ".js-plotly-plot .imagelayer image"


async def one_session(browser, url: str, start: asyncio.Event):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)[:200]))
    await start.wait()
    t0 = time.perf_counter()
    try:
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.wait_for_selector(CHART, state="attached", timeout=TIMEOUT_MS)
        elapsed = time.perf_counter() - t0
        if await page.locator('[data-testid="stException"]').count():
            errors.append("stException")
    except Exception as err:  # a timeout or a navigation failure is an error of the load test
        elapsed = time.perf_counter() - t0
        errors.append(type(err).__name__)
    await ctx.close()
    return elapsed, errors


async def load(url: str, n: int):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        start = asyncio.Event()
        tasks = [asyncio.create_task(one_session(browser, url, start)) for _ in range(n)]
        await asyncio.sleep(0.5)  # every context is open before the clock starts
        start.set()
        results = await asyncio.gather(*tasks)
        await browser.close()
    return results


def pct(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def main(ns):
    reason = browser_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return
    print(f"cpus {os.cpu_count()}; one streamlit server, one Chromium, N contexts opening the app at once")
    print(
        f"{'N':>4} | {'p50 s':>6} | {'p95 s':>6} | {'max s':>6} | errors | goal (N=40: p95 < 5 s, 0 errors)"
    )
    with streamlit_server() as url:
        # one warm-up visit: the first session of a fresh server imports and compiles everything
        asyncio.run(load(url, 1))
        for n in ns:
            results = asyncio.run(load(url, n))
            times = [t for t, _ in results]
            errs = [e for _, es in results for e in es]
            verdict = ""
            if n == 40:
                verdict = "PASS" if pct(times, 95) < 5 and not errs else "MISS"
            print(
                f"{n:>4} | {pct(times, 50):6.2f} | {pct(times, 95):6.2f} | {max(times):6.2f} | {len(errs):>6} | {verdict}"
                + (f"  {sorted(set(errs))[:3]}" if errs else "")
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 20, 40])
