"""Benchmarks of sweeps against the goals of issue 5 (figures for the README's table).

1. A learning-rate sweep of 1000 runs × 500 steps (``gdviz.analysis.sweeps.lr_sweep``, one ``run_many`` call):
   Adam on Rosenbrock, lr = logspace(−4, 1, 1000). Also the bare ``run_many`` it wraps.
2. The sweeps page's default panel (learning-rate sweep, 60 lrs × 300 steps on the article's
   regression), server-side rerun in Streamlit's AppTest: with the sweep recomputed (its cache
   cleared) and with it cached.
3. A heatmap of 30 learning rates × 30 momentum values × 300 steps (``grid_sweep``, 900 runs) on the
   quadratic bowl; for information also lr × batch size on 10⁴ samples (one call per batch size).

Run from the repository root: ``python benchmarks/bench_sweeps.py [--repeat N] [--no-app]``. Every
figure is the best of N wall-clock timings after a warm-up (the machine may be shared), except the
rerun, which is a median (a visitor meets the typical rerun, not the best). Exit status 0: a report.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_core import Table, best_of, machine_facts, ms  # noqa: E402

import gdviz  # noqa: E402
from gdviz.analysis import sweeps  # noqa: E402

RUNS_1, STEPS_1, GOAL_1 = 1000, 500, 0.150
GOAL_2 = 0.500
RERUNS_2 = 8
N_3, STEPS_3, GOAL_3 = 30, 300, 0.500


def bench_sweep(table: Table, repeat: int):
    p = gdviz.problem("rosenbrock")
    lrs = np.logspace(-4, 1, RUNS_1)
    print(f"\n[1] lr_sweep: Adam, {RUNS_1} learning rates × {STEPS_1} steps on Rosenbrock")
    t_sweep, res = best_of(lambda: sweeps.lr_sweep(p, "adam", lrs=lrs, steps=STEPS_1), repeat)
    opt = gdviz.optimizer("adam", lr=lrs)
    t_many, _ = best_of(lambda: gdviz.run_many(p, opt, steps=STEPS_1), repeat)
    print(
        f"  lr_sweep {ms(t_sweep)} (best α = {res.best_lr:.3g}, {int(res.unstable.sum())} unstable) | "
        f"bare run_many {ms(t_many)} | summary overhead {ms(t_sweep - t_many)}"
    )
    table.goal(
        f"1. lr_sweep {RUNS_1} runs × {STEPS_1} steps", t_sweep, ms(t_sweep), GOAL_1, f"< {ms(GOAL_1)}", True
    )
    table.info(f"1. bare run_many {RUNS_1} × {STEPS_1}", ms(t_many))
    table.info("1. lr_sweep / run_many", f"{t_sweep / t_many:.2f}")


def bench_page(table: Table):
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    # Outside a server every st.cache_data decorator logs that it falls back to memory storage, and
    # clearing a cache between runs logs a missing script context. Filters, not levels: AppTest resets
    # Streamlit's log levels on every run.
    for name in (
        "streamlit.runtime.caching.cache_data_api",
        "streamlit.runtime.scriptrunner_utils.script_run_context",
    ):
        logging.getLogger(name).addFilter(lambda record: record.levelno >= logging.ERROR)
    from gdviz.ui.sweeps import page as page_sweeps

    print("\n[2] sweeps page, default panel (learning-rate sweep, 60 lrs × 300 steps), server-side rerun")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    pages = {v.get("url_pathname"): k for k, v in at._registered_pages.items()}
    at._page_hash = pages["sweeps"]  # AppTest.switch_page addresses file pages only
    at.run()
    assert not at.exception, at.exception
    cold, warm = [], []
    for _ in range(RERUNS_2):
        page_sweeps.cached_sweep.clear()
        t0 = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    c, w = statistics.median(cold), statistics.median(warm)
    print(
        f"  recomputed: median {ms(c)} (min {ms(min(cold))}, max {ms(max(cold))}) | "
        f"cached: median {ms(w)} ({RERUNS_2} reruns each)"
    )
    table.goal("2. sweeps page rerun, sweep recomputed (median)", c, ms(c), GOAL_2, f"< {ms(GOAL_2)}", True)
    table.info("2. sweeps page rerun, sweep cached (median)", ms(w))


def bench_heatmap(table: Table, repeat: int):
    p = gdviz.problem("quadratic", condition=10)
    lrs = np.logspace(-4, 0, N_3)
    mus = np.linspace(0.0, 0.99, N_3)
    print(
        f"\n[3] grid_sweep: momentum, {N_3} lrs × {N_3} momentum values × {STEPS_3} steps on the quadratic bowl"
    )
    t, g = best_of(
        lambda: sweeps.grid_sweep(p, "momentum", x=("lr", lrs), y=("momentum", mus), steps=STEPS_3), repeat
    )
    r, c = g.best
    print(f"  {ms(t)} (best cell α = {lrs[c]:.3g}, μ = {mus[r]:.3g}; {int(g.unstable.sum())} unstable cells)")
    table.goal(f"3. heatmap {N_3}×{N_3}×{STEPS_3} steps", t, ms(t), GOAL_3, f"< {ms(GOAL_3)}", True)
    q = gdviz.problem("linear_regression", data="synthetic", n=10_000, seed=0)
    sizes = (1, 10, 100, 1000, 10_000)
    tb, _ = best_of(
        lambda: sweeps.grid_sweep(q, "gd", x=("lr", lrs), y=("batch_size", sizes), steps=STEPS_3),
        max(1, repeat // 2),
    )
    print(f"  lr × batch size ({N_3} × {len(sizes)}, n = 10⁴, one run_many per batch size): {ms(tb)}")
    table.info(f"3. heatmap lr × batch size {N_3}×{len(sizes)}×{STEPS_3}, n=10⁴", ms(tb))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="timings per figure; the best is kept")
    parser.add_argument("--no-app", action="store_true", help="skip the AppTest rerun")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")
    print("gdviz sweep benchmarks")
    for fact in machine_facts():
        print(f"  {fact}")
    table = Table()
    bench_sweep(table, args.repeat)
    if not args.no_app:
        bench_page(table)
    bench_heatmap(table, args.repeat)
    print()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
