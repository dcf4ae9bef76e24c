"""Benchmarks of gdviz.parallel against the goals of issue 12.

1. A speed-up curve: simulated time to a loss for K = 1 … 64 workers and the four strategies (sync
   and accumulate with the linear scaling rule, async, local SGD with H = 8) on linear regression
   with n = 10⁵ samples, one ``parallel.speedup`` call. Goal: the whole curve in < 1 s of wall time.
2. The simulator's overhead: wall seconds per worker gradient of a sync run (K workers × b) against
   ``run_many`` advancing K runs of batch b (the same K·b per-sample gradients per step, vectorized)
   and against ``run`` with the global batch K·b. Goal: ≤ 2× ``run_many``.

Run from the repository root: ``python benchmarks/bench_parallel.py [--repeat N]``. Every figure is
the best of N wall-clock timings after one warm-up call (the machine may be shared). Exit status 0:
this is a report, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import gdviz  # noqa: E402
from gdviz import parallel  # noqa: E402

N = 100_000
WORKERS = (1, 2, 4, 8, 16, 32, 64)
LR, BATCH, TARGET, STEPS_1 = 0.02, 8, 1.02, 1000
GOAL_1 = 1.0
K_2, B_2, STEPS_2, GOAL_2 = 16, 8, 2000, 2.0


def best_of(fn, repeat: int):
    fn()
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - t0
        if spent < best:
            best, out = spent, result
    return best, out


def table(title, sp, values, fmt):
    print(f"  {title}")
    print("    " + f"{'K':>11}" + "".join(f"{k:>8}" for k in sp.workers))
    for s, row in zip(sp.strategies, values, strict=True):
        print("    " + f"{s:>11}" + "".join(fmt(v) for v in row))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    p = gdviz.problem("linear_regression", data="synthetic", n=N)
    opt = gdviz.optimizer("gd", lr=LR)

    # --- 1 ------------------------------------------------------------------------------------------
    def curve():
        return parallel.speedup(
            p,
            opt,
            target_loss=TARGET * p.min_loss,
            workers=WORKERS,
            batch_size=BATCH,
            steps=STEPS_1,
            network="cores",
            per_strategy={"sync": {"scale_lr": True}, "accumulate": {"scale_lr": True}},
        )

    spent, sp = best_of(curve, args.repeat)
    print(
        f"1. speed-up curve, linear regression n = {N:,}, gd lr {LR} per worker batch {BATCH}, target "
        f"{TARGET} × min loss, network 'cores' (ring), accumulate 4, local_steps 8, ≤ {STEPS_1} updates"
    )
    table("speed-up (time at K = 1 / time; 0: target not reached)", sp, sp.speedup, lambda v: f"{v:8.2f}")
    table(
        "simulated ms to target", sp, sp.time * 1e3, lambda v: f"{v:8.3f}" if np.isfinite(v) else f"{'—':>8}"
    )
    table("updates done", sp, sp.steps, lambda v: f"{v:8d}")
    table("communication share", sp, sp.comm_share, lambda v: f"{v:8.2f}")
    print(f"  wall time {spent:.3f} s (goal < {GOAL_1} s): {'met' if spent < GOAL_1 else 'MISSED'}")

    # --- 2 ------------------------------------------------------------------------------------------
    evals = K_2 * STEPS_2
    t_sync, _ = best_of(
        lambda: parallel.train(p, opt, strategy="sync", workers=K_2, batch_size=B_2, steps=STEPS_2),
        args.repeat,
    )
    t_quiet, _ = best_of(
        lambda: parallel.train(
            p, opt, strategy="sync", workers=K_2, batch_size=B_2, steps=STEPS_2, events=False
        ),
        args.repeat,
    )
    t_many, _ = best_of(lambda: gdviz.run_many(p, opt, runs=K_2, steps=STEPS_2, batch_size=B_2), args.repeat)
    t_run, _ = best_of(lambda: gdviz.run(p, opt, steps=STEPS_2, batch_size=K_2 * B_2), args.repeat)
    print(f"2. sync K = {K_2} × b = {B_2}, {STEPS_2} steps: wall µs per worker gradient")
    print(f"    parallel.train sync (events kept)  {t_sync / evals * 1e6:7.2f}")
    print(f"    parallel.train sync (events=False) {t_quiet / evals * 1e6:7.2f}")
    print(f"    run_many, {K_2} runs of batch {B_2}      {t_many / evals * 1e6:7.2f}")
    print(f"    run, batch {K_2 * B_2}                   {t_run / evals * 1e6:7.2f}")
    ratio = t_sync / t_many
    print(f"  sync / run_many = {ratio:.2f}× (goal ≤ {GOAL_2}×): {'met' if ratio <= GOAL_2 else 'MISSED'}")


if __name__ == "__main__":
    main()
