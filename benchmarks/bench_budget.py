"""How good is the cost model? Estimated against measured server seconds, work by work.

    python benchmarks/bench_budget.py

For each piece of work a page may ask for (runs of every kind of problem, surfaces, a network's
training), prints the estimate of ``gdviz.serve.cost``, the measured time, and their ratio; then the
decision the budget takes. The model only has to sort work into "at once", "after a click" and
"refused" (thresholds 2 s and 60 s): goal, every ratio within 0.33–3 (a factor of three either way
never moves work across more than one threshold). Also prints what the probes themselves cost.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import gdviz
from gdviz.analysis.network import train_network
from gdviz.geometry.surfaces import slice_grid
from gdviz.serve import cost

GOAL = (1 / 3, 3.0)

RUNS = [
    # (problem, options, rule, batch, steps, runs)
    ("rosenbrock", {}, "adam", None, 3000, 1),
    ("quadratic", {"condition": 100}, "momentum", None, 3000, 4),
    ("formula", {"expr": "sin(3*x)*cos(2*y) + (x^2 + y^2)/5 + exp(-(x-1)^2)"}, "adam", None, 3000, 1),
    ("linear_regression", {}, "gd", 2, 3000, 1),
    ("linear_regression", {"data": "synthetic", "n": 10**6}, "gd", None, 3000, 1),
    ("linear_regression", {"data": "synthetic", "n": 10**6}, "gd", 1000, 300, 1),
    ("linear_regression", {"data": "synthetic", "n": 10**6}, "gd", 999_999, 5, 1),
    ("logistic_regression", {"n": 20_000}, "gd", 16, 1000, 1),
    ("logistic_regression", {"n": 20_000}, "adam", None, 1000, 1),
    ("mlp", {"dataset": "moons", "n": 400, "hidden": (8,)}, "adam", 32, 3000, 1),
    ("mlp", {"dataset": "spirals", "n": 5000, "hidden": (32, 32, 32)}, "gd", None, 30, 1),
    ("quadratic", {}, "adam", None, 500, 1000),  # a sweep
    # the critical-batch sweep's passes: 16 lrs × 3 seeds per batch size
    ("linear_regression", {"data": "synthetic", "n": 10_000}, "sgd", 1, 600, 48),
    ("linear_regression", {"data": "synthetic", "n": 10_000}, "sgd", 512, 600, 48),
    ("mlp", {"dataset": "moons", "n": 200, "hidden": (8,)}, "sgd", 8, 600, 48),
]


def measured(fn, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if best > 2:
            break
    return best


def row(what: str, est: float, meas: float, probe: float) -> bool:
    ratio = est / meas if meas > 0 else float("inf")
    ok = GOAL[0] <= ratio <= GOAL[1]
    verdict = cost.decide(cost.Estimate(est)).action
    print(
        f"{what:62s} {est:9.3f} {meas:9.3f} {ratio:6.2f} {'ok' if ok else 'OFF':>4}  {verdict:7s} {probe:6.3f}"
    )
    return ok


def main() -> None:
    t0 = time.perf_counter()
    cost.machine()
    print(f"machine probe (per process, once): {time.perf_counter() - t0:.3f} s")
    print(f"{'work':62s} {'est. s':>9} {'meas. s':>9} {'ratio':>6} {'goal':>4}  {'budget':7s} {'probe s':>6}")
    good = total = 0
    for name, opts, rule, b, steps, runs in RUNS:
        p = gdviz.problem(name, **opts)
        t0 = time.perf_counter()
        est = cost.run_estimate(p, rule, steps=steps, runs=runs, batch_size=b).seconds
        probe = time.perf_counter() - t0
        opt = gdviz.optimizer(rule, lr=1e-6 if runs == 1 else np.full(runs, 1e-6))
        meas = measured(
            lambda p=p, opt=opt, b=b, steps=steps, runs=runs: gdviz.run_many(
                p, opt, steps=steps, runs=runs, batch_size=b, keep=None if p.n_params < 100 else 400
            )
        )
        what = f"{name} {','.join(f'{k}={v}' for k, v in opts.items())[:28]} {rule} b={b} T={steps} R={runs}"
        good += row(what, est, meas, probe)
        total += 1
    for name, opts, res in [
        ("rosenbrock", {}, 100),
        ("logistic_regression", {"n": 20_000}, 70),
        ("mlp", {"dataset": "spirals", "n": 5000, "hidden": (32, 32, 32)}, 16),
    ]:
        p = gdviz.problem(name, **opts)
        est = cost.loss_grid_estimate(p, res * res).seconds
        meas = measured(lambda p=p, res=res: slice_grid(p, resolution=res))
        good += row(f"surface {res}×{res} of {name}", est, meas, 0.0)
        total += 1
    p = gdviz.problem("mlp", dataset="moons", n=2000, hidden=(32, 32))
    est = (
        cost.run_estimate(p, "adam", steps=1000, batch_size=32, keep=301)
        + cost.loss_grid_estimate(p, 2 * 460)
        + cost.loss_grid_estimate(p, 60 * 64 * 64 / p.n_samples)
    ).seconds
    meas = measured(
        lambda: train_network(p, gdviz.optimizer("adam", lr=0.01), steps=1000, batch_size=32, seed=0)
    )
    good += row("network page: train 2-32-32-1 on 1500 points, 1000 steps b=32", est, meas, 0.0)
    total += 1
    print(f"{good} of {total} estimates within a factor of {GOAL[1]:.0f} of the measurement (goal: all)")


if __name__ == "__main__":
    main()
