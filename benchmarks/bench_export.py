"""Benchmark of the exports (gdviz.export) at the page's defaults: render time and size of the GIF,
MP4, HTML and PNG of a race of 4 runs and 300 frames, against the goals of issue 13 (GIF and MP4
each under 10 s of server time and 5 MB).

Run: ``python benchmarks/bench_export.py [--repeat N] [--link '?…']``. Each time is the best of N (the
machine may be shared, the best is the least disturbed). A report, not a test: exit code 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a clone, uninstalled

from gdviz.export import files
from gdviz.export.render import Renderer
from gdviz.export.view import race_view

# the page's default race (the article's regression, 4 runs, 300 steps) at 300 frames, and a 2-D one
LINKS = ("?problem=linear_regression&lang=en", "?problem=rosenbrock&lang=zh")
GOAL_SECONDS, GOAL_BYTES = 10.0, 5 * 2**20


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--link", action="append", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for link in args.link or LINKS:
            t0 = time.perf_counter()
            view = race_view(link)
            t_view = time.perf_counter() - t0
            n = len(view.frame_steps())
            print(
                f"{link}: {len(view.drawn)} runs, {view.total_steps} steps, {n} frames; view {t_view:.2f} s"
            )
            t_draw = best(
                lambda view=view: sum(1 for _ in Renderer(view, width=files.GIF_WIDTH).frames()), args.repeat
            )
            print(
                f"  drawing alone, {files.GIF_WIDTH} px: {t_draw:.2f} s ({1000 * t_draw / n:.1f} ms a frame)"
            )
            print(f"  {'file':5} {'seconds':>8} {'MB':>7}   goal ratio (time, size)")
            for kind in ("gif", "mp4", "html", "png"):
                out = Path(tmp) / f"race.{kind}"
                t = best(lambda kind=kind, out=out, view=view: files.EXPORTS[kind](view, out), args.repeat)
                size = out.stat().st_size
                ratio = (
                    f"{t / GOAL_SECONDS:.2f} of 10 s, {size / GOAL_BYTES:.2f} of 5 MB"
                    if kind in ("gif", "mp4")
                    else "(no goal)"
                )
                print(f"  {kind:5} {t:8.2f} {size / 1e6:7.2f}   {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
