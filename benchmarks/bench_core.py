"""Benchmarks of the NumPy core against the goals of issue 2 (figures for the README's table).

1. ``gdviz.run`` vs torch.optim: six update rules × 2000 steps on Rosenbrock from (−2, 2), same
   hyperparameters on both sides; the trajectories must agree to ``TOL``.
2. ``gdviz.run_many``: 1000 Adam runs (one lr each) × 500 steps, vs a hand-vectorized NumPy loop.
3. ``gdviz.slice_grid``: a 200×200 loss surface of linear regression on 10⁶ samples.

Run from the repository root: ``python benchmarks/bench_core.py [--repeat N] [--profile]``. Every
figure is the best of N wall-clock timings after one warm-up call (the machine may be shared: the
best is the least disturbed). ``--profile`` adds where gdviz spends its time per step. Exit status
is 0 even when a goal is missed (this is a report, not a test), 1 when a trajectory disagrees.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# Runnable without installing gdviz: the repository root goes first on the path.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import gdviz  # noqa: E402
from gdviz import train  # noqa: E402

RULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
STEPS_1 = 2000
# One lr for all six rules. 1e-3 would be the natural pick, but Nesterov (momentum 0.9) leaves the
# window within 3 steps at 1e-3 from (−2, 2), and a diverged run compares nothing for 1997 steps.
LR_1 = 5e-4
TOL = 1e-9
GOAL_1 = 0.10
RUNS_2, STEPS_2, GOAL_2 = 1000, 500, 0.150
N_3, RES_3, GOAL_3 = 1_000_000, 200, 0.100

DASH = "—"


# --- timing and output ---------------------------------------------------------------------------
def best_of(fn, repeat: int, warmup: bool = True):
    """``(seconds, result)`` of the fastest of ``repeat`` calls, after one untimed warm-up call."""
    if warmup:
        fn()
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - t0
        if spent < best:
            best, out = spent, result
    return best, out


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


class Table:
    """Rows ``name | measured | goal | ratio-to-goal | status``; info rows have no goal."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def goal(self, name, value, shown, goal, goal_shown, strict=False):
        ok = value < goal if strict else value <= goal
        self.rows.append((name, shown, goal_shown, f"{value / goal:.2f}", "PASS" if ok else "MISS"))

    def info(self, name, shown, status="info"):
        self.rows.append((name, shown, DASH, DASH, status))

    def print(self):
        head = ("name", "measured", "goal", "ratio-to-goal", "PASS/MISS")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        for i, row in enumerate([head, *self.rows]):
            print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                print("-+-".join("-" * w for w in widths))


def machine_facts():
    facts = [
        f"python {platform.python_version()}, numpy {np.__version__}, gdviz {gdviz.__version__}",
        f"CPUs: os.cpu_count() = {os.cpu_count()}, usable = {len(os.sched_getaffinity(0))}"
        if hasattr(os, "sched_getaffinity")
        else f"CPUs: os.cpu_count() = {os.cpu_count()}",
    ]
    model = _cpu_model()
    if model:
        facts.append(f"CPU model: {model}")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    facts.append(f"OPENBLAS_CORETYPE: {'not set' if coretype is None else repr(coretype)}")
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if k in os.environ}
    facts.append(f"thread variables: {threads or 'none set'}")
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if thp.exists():
        # NumPy madvises large arrays into huge pages; where the kernel then compacts memory on the
        # fault, the first write into a big fresh record array is measurably slow (see --profile).
        facts.append(f"transparent hugepages: {thp.read_text().strip()}")
    if importlib.util.find_spec("torch") is not None:
        import torch

        facts.append(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads")
    else:
        facts.append("torch not installed")
    return facts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# --- benchmark 1: gdviz.run vs torch.optim -------------------------------------------------------
def _torch_optim(torch, opt: gdviz.Optimizer):
    classes = {
        "sgd": torch.optim.SGD,
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
    }
    # ``hyper`` holds torch's own names and defaults, so it is passed on unchanged.
    return classes[opt.name], dict(opt.hyper)


def torch_autograd_loop(torch, cls, hyper, start, steps, a, b):
    """What a torch user writes: a float64 leaf tensor, the loss in torch ops, backward, step."""
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([x], **hyper)
    path = np.empty((steps + 1, 2))
    path[0] = start
    for k in range(steps):
        opt.zero_grad()
        loss = (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        opt.step()
        # Kept in the timing: drawing a path needs it, and gdviz records every state too.
        path[k + 1] = x.detach().numpy()
    return path


def torch_step_loop(torch, cls, hyper, start, steps, a, b):
    """torch.optim with the gradient supplied from NumPy (no autograd); only ``opt.step()`` is timed.

    Returns ``(seconds inside opt.step(), path)``.
    """
    x = torch.tensor(start, dtype=torch.float64)
    xn = x.numpy()  # shares memory with x, so it always holds the current parameters
    opt = cls([x], **hyper)
    path = np.empty((steps + 1, 2))
    path[0] = start
    spent = 0.0
    clock = time.perf_counter
    for k in range(steps):
        # gdviz's Rosenbrock gradient, operation by operation.
        x0, x1 = xn[0], xn[1]
        u = a - x0
        v = x1 - x0 * x0
        x.grad = torch.from_numpy(np.array([-2.0 * u - 4.0 * b * x0 * v, 2.0 * b * v]))
        t0 = clock()
        opt.step()
        spent += clock() - t0
        path[k + 1] = xn
    return spent, path


def numpy_adam_path(start, lr, steps, a, b, betas=(0.9, 0.999), eps=1e-8):
    """A plain NumPy Adam loop on one (2,) point that records its path: the floor for ``run``."""
    b1, b2 = betas
    theta = np.array(start, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    g = np.empty(2)
    path = np.empty((steps + 1, 2))
    path[0] = theta
    for t in range(1, steps + 1):
        x0, x1 = theta
        u = a - x0
        w = x1 - x0 * x0
        g[0] = -2.0 * u - 4.0 * b * x0 * w
        g[1] = 2.0 * b * w
        m = m + (1 - b1) * (g - m)
        v = v * b2 + ((1 - b2) * g) * g
        denom = np.sqrt(v) / (1 - b2**t) ** 0.5 + eps
        theta = theta + (-(lr / (1 - b1**t)) * m) / denom
        path[t] = theta
    return path


def interleaved_best(measures: dict, repeat: int) -> dict:
    """Best ``(seconds, result)`` of each ``measure() -> (seconds, result)``, timed in alternating
    rounds after one warm-up round, so that a disturbance of the machine hits every side alike."""
    for measure in measures.values():
        measure()
    best = dict.fromkeys(measures)
    for _ in range(repeat):
        for key, measure in measures.items():
            seconds, result = measure()
            if best[key] is None or seconds < best[key][0]:
                best[key] = (seconds, result)
    return best


def wall(fn):
    """``fn`` as a measure: ``() -> (wall-clock seconds, result)``."""

    def measure():
        t0 = time.perf_counter()
        result = fn()
        return time.perf_counter() - t0, result

    return measure


def bench_run_vs_torch(table: Table, repeat: int) -> bool:
    p = gdviz.problem("rosenbrock")
    a, b = p.options["a"], p.options["b"]
    start = tuple(float(s) for s in p.start)
    print(f"\n[1] gdviz.run vs torch.optim: {STEPS_1} steps on Rosenbrock from {start}, lr = {LR_1:g}")
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch
    else:
        print("  torch not installed: skipped (gdviz times only: no ratios, no trajectory check)")
    agree = True
    t_torch_adam = None
    for rule in RULES:
        opt = gdviz.optimizer(rule, lr=LR_1)
        measures = {"gdviz": wall(lambda opt=opt: gdviz.run(p, opt, steps=STEPS_1))}
        if have_torch:
            cls, hyper = _torch_optim(torch, opt)
            args = (torch, cls, hyper, start, STEPS_1, a, b)
            measures["autograd"] = wall(lambda args=args: torch_autograd_loop(*args))
            measures["step"] = lambda args=args: torch_step_loop(*args)
        best = interleaved_best(measures, repeat)
        t_gd, rec = best["gdviz"]
        if rec.steps_done != STEPS_1:
            print(
                f"  {rule}: gdviz stopped after {rec.steps_done} steps ({rec.stop_reason}): nothing to compare"
            )
            agree = False
            continue
        if not have_torch:
            print(f"  {rule:<9} gdviz {ms(t_gd):>9}")
            table.info(f"1. {rule}: gdviz.run, {STEPS_1} steps (torch not installed)", ms(t_gd), "skipped")
            continue
        (t_ag, path_ag), (t_step, path_step) = best["autograd"], best["step"]
        d_ag = float(np.max(np.abs(rec.params - path_ag)))
        d_step = float(np.max(np.abs(rec.params - path_step)))
        ok = d_ag <= TOL and d_step <= TOL
        agree &= ok
        print(
            f"  {rule:<9} gdviz {ms(t_gd):>8} | torch autograd loop {ms(t_ag):>8} | torch opt.step() only "
            f"{ms(t_step):>8} | max|Δθ| {d_ag:.1e} (autograd), {d_step:.1e} (step only)"
            + ("" if ok else f"  DISAGREE (> {TOL:g})")
        )
        ratio = t_gd / t_ag
        table.goal(
            f"1. {rule}: gdviz.run / torch autograd loop", ratio, f"{ratio:.3f}", GOAL_1, f"≤ {GOAL_1:.2f}"
        )
        table.info(f"1. {rule}: gdviz.run / torch opt.step() alone", f"{t_gd / t_step:.3f}")
        if rule == "adam":
            t_torch_adam = t_ag
    t_np, path_np = best_of(lambda: numpy_adam_path(start, LR_1, STEPS_1, a, b), repeat)
    ref = gdviz.run(p, gdviz.optimizer("adam", lr=LR_1), steps=STEPS_1).params
    print(
        f"  plain NumPy Adam loop (gradient, update, path; no loss, no checks): {ms(t_np)}, "
        f"max|Δθ| vs gdviz {float(np.max(np.abs(path_np - ref))):.1e}"
    )
    if have_torch:
        print(
            "  torch autograd loop: zero_grad, loss in torch ops, backward, step, copy θ into the path.\n"
            "  torch opt.step() only: the same gradient computed in NumPy and handed over as x.grad; only\n"
            "  the opt.step() calls are timed, which flatters torch (gdviz's time includes gradient, loss,\n"
            "  divergence checks and the full record). Timings alternate between the sides round by round."
        )
    if t_torch_adam is not None:
        table.info("1. plain NumPy Adam loop / torch autograd loop", f"{t_np / t_torch_adam:.3f}")
    else:
        table.info(f"1. plain NumPy Adam loop, {STEPS_1} steps", ms(t_np))
    return agree


# --- benchmark 2: run_many --------------------------------------------------------------------------
def numpy_adam_many(start, lr, steps, a, b, betas=(0.9, 0.999), eps=1e-8):
    """Adam on R points at once, torch's order of operations, no recording: the final (R, 2)."""
    b1, b2 = betas
    lr = lr[:, None]
    theta = np.broadcast_to(np.asarray(start, dtype=float), (lr.shape[0], 2)).copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    g = np.empty_like(theta)
    for t in range(1, steps + 1):
        x0, x1 = theta[:, 0], theta[:, 1]
        u = a - x0
        w = x1 - x0 * x0
        g[:, 0] = -2.0 * u - 4.0 * b * x0 * w
        g[:, 1] = 2.0 * b * w
        m = m + (1 - b1) * (g - m)
        v = v * b2 + ((1 - b2) * g) * g
        denom = np.sqrt(v) / (1 - b2**t) ** 0.5 + eps
        theta = theta + (-(lr / (1 - b1**t)) * m) / denom
    return theta


def bench_run_many(table: Table, repeat: int):
    p = gdviz.problem("rosenbrock")
    a, b = p.options["a"], p.options["b"]
    lrs = np.logspace(-3, -1, RUNS_2)
    opt = gdviz.optimizer("adam", lr=lrs)
    print(
        f"\n[2] gdviz.run_many: Adam, {RUNS_2} runs (lr = logspace(−3, −1)) × {STEPS_2} steps on Rosenbrock"
    )
    t_many, rec = best_of(lambda: gdviz.run_many(p, opt, steps=STEPS_2), repeat)
    t_hand, final = best_of(lambda: numpy_adam_many(p.start, lrs, STEPS_2, a, b), repeat)
    stopped = int(np.sum(rec.steps_done < STEPS_2))
    d = float(np.max(np.abs(rec.params[-1] - final)))
    print(
        f"  run_many {ms(t_many)} (records params, loss, grad per step; {stopped} runs stopped early) | "
        f"hand-vectorized NumPy loop {ms(t_hand)} (no recording) | max|Δθ| final {d:.1e}"
    )
    table.goal(
        f"2. run_many Adam {RUNS_2} runs × {STEPS_2} steps",
        t_many,
        ms(t_many),
        GOAL_2,
        f"< {ms(GOAL_2)}",
        True,
    )
    table.info("2. hand-vectorized NumPy Adam loop (no record)", ms(t_hand))
    table.info("2. run_many / hand-vectorized loop", f"{t_many / t_hand:.2f}")
    return t_many


# --- benchmark 3: loss surface -----------------------------------------------------------------------
def bench_surface(table: Table, repeat: int):
    print(f"\n[3] gdviz.slice_grid: {RES_3}×{RES_3} surface of linear regression, n = {N_3:,}")

    def build():
        return gdviz.problem("linear_regression", data="synthetic", n=N_3, seed=0)

    t_build, q = best_of(build, min(repeat, 3), warmup=False)
    t_grid, surf = best_of(lambda: gdviz.slice_grid(q, resolution=RES_3, axes=(0, 1)), repeat)
    # Spot check against a pass over the data, so a fast but wrong surface cannot pass.
    X, y = q.X, q.y
    worst = 0.0
    for i, j in ((0, 0), (RES_3 // 2, RES_3 // 3), (RES_3 - 1, RES_3 - 1)):
        theta = surf.center.copy()
        theta[surf.axes[0]], theta[surf.axes[1]] = surf.x[j], surf.y[i]
        r = X @ theta[:-1] + theta[-1] - y
        direct = q.k * float(np.mean(r * r))
        worst = max(worst, abs(surf.z[i, j] - direct) / max(abs(direct), 1e-300))
    print(
        f"  construction {ms(t_build)} (data, sufficient statistics, lstsq; not in the grid time) | "
        f"grid {ms(t_grid)} | max relative error vs residuals at 3 points {worst:.1e}"
    )
    table.goal(
        f"3. slice_grid {RES_3}×{RES_3}, linear regression n=10⁶",
        t_grid,
        ms(t_grid),
        GOAL_3,
        f"< {ms(GOAL_3)}",
        True,
    )
    table.info("3. problem construction, n=10⁶ (not in the goal)", ms(t_build))


# --- profile ----------------------------------------------------------------------------------------
def _timer_overhead(clock) -> float:
    """Seconds a timing wrapper adds to one call (the closure call and two clock reads)."""
    acc = [0.0]

    def noop(x):
        return x

    def wrapped(x):
        t0 = clock()
        out = noop(x)
        acc[0] += clock() - t0
        return out

    n = 20_000
    bare = best_of(lambda: [noop(i) for i in range(n)], 3)[0]
    timed = best_of(lambda: [wrapped(i) for i in range(n)], 3)[0]
    return max(timed - bare, 0.0) / n


def _component_times(p, opt, repeat, **kw):
    """Per-call seconds of ``loss_and_grad`` and ``update`` inside a real ``run_many``, and the
    seconds of the post-loop ``_runaway_params`` check (None if gdviz no longer has it).

    Timers wrap a copy of the problem and a copy of the optimizer, so nothing else is changed;
    the fastest of ``repeat`` runs counts, with the wrappers' own cost subtracted.
    """
    clock = time.perf_counter
    acc = {}
    q = dataclasses.replace(p)
    inner_lg, inner_upd = p.loss_and_grad, opt.update
    inner_ra = getattr(train, "_runaway_params", None)

    def lg(x):
        t0 = clock()
        out = inner_lg(x)
        acc["lg"] += clock() - t0
        acc["n_lg"] += 1
        return out

    def upd(g, state, theta):
        t0 = clock()
        out = inner_upd(g, state, theta)
        acc["upd"] += clock() - t0
        acc["n_upd"] += 1
        return out

    def ra(*args):
        t0 = clock()
        out = inner_ra(*args)
        acc["ra"] += clock() - t0
        return out

    object.__setattr__(q, "loss_and_grad", lg)  # Problem is frozen; this copy is ours alone
    timed = opt._replace(update=upd)
    best = None
    try:
        if inner_ra is not None:
            train._runaway_params = ra
        for _ in range(repeat + 1):
            acc.update(lg=0.0, n_lg=0, upd=0.0, n_upd=0, ra=0.0)
            t0 = clock()
            train.run_many(q, timed, **kw)
            total = clock() - t0
            if best is None or total < best[0]:
                best = (total, dict(acc))
    finally:
        if inner_ra is not None:
            train._runaway_params = inner_ra
    a = best[1]
    over = _timer_overhead(clock)
    return (
        a["lg"] / a["n_lg"] - over,
        a["n_lg"],
        a["upd"] / a["n_upd"] - over,
        a["ra"] - over if inner_ra is not None else None,
    )


def profile(repeat: int):
    print("\n[profile] where gdviz spends its time (µs per step unless marked)")
    print(
        "  loop/step: in-loop time (the record's own clock) / steps, uninstrumented; lg: loss_and_grad\n"
        "  per step; update: optimizer.update per call; rest = loop/step − lg − update (θ + Δ, record\n"
        "  stores, divergence check, clock); outside: setup + post-loop work + record assembly (ms), of\n"
        "  which runaway: the post-loop |θ| bound check train._runaway_params (ms)."
    )
    p = gdviz.problem("rosenbrock")
    cases = [(f"run {rule}", gdviz.optimizer(rule, lr=LR_1), {"steps": STEPS_1, "runs": 1}) for rule in RULES]
    lrs = np.logspace(-3, -1, RUNS_2)
    cases.append((f"run_many adam R={RUNS_2}", gdviz.optimizer("adam", lr=lrs), {"steps": STEPS_2}))
    print(
        f"  {'case':<22} {'total':>9} {'loop/step':>9} {'lg':>7} {'update':>7} {'rest':>7} {'outside':>9} {'runaway':>9}"
    )
    for label, opt, kw in cases:
        total, rec = best_of(lambda opt=opt, kw=kw: train.run_many(p, opt, **kw), repeat)
        loop = float(rec.time[-1])
        steps = kw["steps"]
        lg, n_lg, upd, ra = _component_times(p, opt, repeat, **kw)
        per_step = loop / steps
        lg_step = lg * n_lg / steps
        rest = per_step - lg_step - upd
        ra_shown = f"{ra * 1e3:7.2f}ms" if ra is not None else f"{DASH:>9}"
        print(
            f"  {label:<22} {total * 1e3:7.2f}ms {per_step * 1e6:9.2f} {lg_step * 1e6:7.2f} {upd * 1e6:7.2f} "
            f"{rest * 1e6:7.2f} {(total - loop) * 1e3:7.2f}ms {ra_shown}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="timings per figure; the best is kept")
    parser.add_argument("--profile", action="store_true", help="also print a per-step breakdown")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")

    print("gdviz core benchmarks")
    for fact in machine_facts():
        print(f"  {fact}")
    table = Table()
    agree = bench_run_vs_torch(table, args.repeat)
    bench_run_many(table, args.repeat)
    bench_surface(table, args.repeat)
    if args.profile:
        profile(args.repeat)
    print()
    table.print()
    if not agree:
        print(f"\nFAIL: a gdviz trajectory differs from torch.optim by more than {TOL:g} (or stopped early)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
