"""Benchmark of the neural-network core: training a 2-16-16-1 tanh net and its loss landscapes.

Run: ``python benchmarks/bench_nn.py``. Each figure is the best of ``--repeat`` timings (the machine
may be shared, the best is the least disturbed), printed with its ratio to the goal (< 1 meets it).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a clone, uninstalled

from gdviz.geometry.landscape import pca_plane, random_plane
from gdviz.problems.mlp import mlp

GOAL_SECONDS = 2.0
STEPS = 2000
POINTS = 500
RESOLUTION = 41
LR = 0.5


def _best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _report(label, seconds, goal=GOAL_SECONDS):
    print(f"{label:<52} {seconds:7.3f} s   goal < {goal:.0f} s   ratio {seconds / goal:5.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    p = mlp(dataset="moons", n=POINTS, test_fraction=0, hidden=(16, 16), activation="tanh")
    print(f"{p.description}: {p.n_params} parameters, {p.n_samples} training points")

    def train_inline():
        theta = p.start
        path = np.empty((STEPS + 1, p.n_params))
        path[0] = theta
        for k in range(STEPS):
            theta = theta - LR * p.grad(theta)
            path[k + 1] = theta
        return path

    t, path = _best(train_inline, args.repeat)
    _report(f"train {STEPS} full-batch GD steps (inline loop)", t)
    print(f"  loss {p.loss(path[0]):.4f} → {p.loss(path[-1]):.4f}")

    if importlib.util.find_spec("gdviz.train") is not None:
        import gdviz

        opt = gdviz.optimizer("gd", lr=LR)
        t, rec = _best(lambda: gdviz.run(p, opt, steps=STEPS), args.repeat)
        _report(f"train {STEPS} full-batch GD steps (gdviz.run)", t)
        print(f"  loss {rec.loss[0]:.4f} → {rec.loss[-1]:.4f}")
        t, _ = _best(lambda: gdviz.run(p, opt, steps=STEPS, batch_size=32), args.repeat)
        _report(f"train {STEPS} SGD steps, batch 32 (gdviz.run)", t)

    final = path[-1]
    t, land = _best(lambda: random_plane(p, final, resolution=RESOLUTION), args.repeat)
    _report(f"{RESOLUTION}×{RESOLUTION} filter-normalized random plane", t)
    t, land = _best(lambda: pca_plane(p, path, resolution=RESOLUTION), args.repeat)
    _report(f"{RESOLUTION}×{RESOLUTION} PCA plane of the {STEPS + 1}-state path", t)
    print(f"  explained variance {land.explained[0]:.3f}, {land.explained[1]:.3f}")


if __name__ == "__main__":
    main()
