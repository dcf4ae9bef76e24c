"""Benchmark of the figures' pictures: PNG bytes and encode time of the layout images, and the network
page's boundary figure (its frames' images and level lines) at the page's defaults.

Run: ``python benchmarks/bench_figures.py [--repeat N]``. Each time is the best of N (the machine may be
shared, the best is the least disturbed). A report, not a test: exit code 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a clone, uninstalled

import gdviz
from gdviz.analysis.network import train_network
from gdviz.figures import network, payload_bytes
from gdviz.figures.raster import contour_rgba, contour_values, png_bytes
from gdviz.figures.style import CONTOUR_SCALE
from gdviz.geometry.projection import make_view
from gdviz.ui.i18n import EN
from gdviz.ui.specs import default_runs


def _best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _race_surface():
    """The article's linear regression with the race page's four default runs, on a 100² grid."""
    p = gdviz.problem("linear_regression")
    recs = []
    for s in default_runs("linear_regression"):
        batch = {"full": None, "mini": s.batch_size, "sgd": 1}[s.variant]
        recs.append(
            gdviz.run(p, gdviz.optimizer(s.rule, **s.optimizer_kwargs()), steps=300, batch_size=batch)
        )
    view = make_view(p, [r.params for r in recs], resolution=100, diverged=[False] * len(recs))
    return view.surface


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    zt = contour_values(_race_surface().z, True)
    for name, size in (("race contour image 420×420", (420, 420)), ("inspector contour 360×480", (360, 480))):
        rgba = contour_rgba(zt, CONTOUR_SCALE, size=size)
        t, png = _best(lambda rgba=rgba: png_bytes(rgba), args.repeat)
        print(f"{name:<44} {len(png):>8} B   encode {1000 * t:7.2f} ms")

    # the network page's defaults: moons, 2 × 16 tanh, 1000 steps of batch 32, gd 0.3 against adam 0.01
    p = gdviz.problem(
        "mlp", dataset="moons", n=400, noise=0.15, test_fraction=0.25, hidden=(16, 16), activation="tanh"
    )
    runs = [
        train_network(p, gdviz.optimizer("gd", lr=0.3), steps=1000, batch_size=32, seed=0),
        train_network(p, gdviz.optimizer("adam", lr=0.01), steps=1000, batch_size=32, seed=0),
    ]
    images = [network.output_rgba(g, p.task) for r in runs for g in r.frame_grids]
    t, pngs = _best(lambda: [png_bytes(im) for im in images], args.repeat)
    sizes = [len(b) for b in pngs]
    label = f"boundary frames ({len(runs)} runs × {len(images) // len(runs)}, 64×64)"
    print(
        f"{label:<44} {sum(sizes):>8} B   encode {1000 * t:7.2f} ms   ({min(sizes)}–{max(sizes)} B a frame)"
    )

    labels = {k: EN[f"net.fig.{k}"] for k in network.LABEL_KEYS}
    r0 = runs[0]

    def figure():
        return network.boundary_figure(
            [
                network.BoundaryRun(f"run {k}", r.frame_grids, [f"step {s}" for s in r.frame_steps])
                for k, r in enumerate(runs)
            ],
            x=r0.grid_x,
            y=r0.grid_y,
            steps=r0.frame_steps,
            task=p.task,
            X_train=p.X_train,
            y_train=p.y_train,
            X_test=p.X_test,
            y_test=p.y_test,
            labels=labels,
        )

    t, fig = _best(figure, args.repeat)
    print(f"{'boundary figure (payload, build)':<44} {payload_bytes(fig):>8} B   build  {1000 * t:7.2f} ms")
    frames = fig.spec["frames"]
    points = sum(int(np.sum([v is not None for v in d["x"]])) for f in frames for d in f["data"] if "x" in d)
    print(f"{'':<44} ({len(frames)} frames, {points} boundary points in all)")


if __name__ == "__main__":
    main()
