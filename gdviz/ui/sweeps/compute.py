"""The sweeps page's computation: each panel's sweep, estimated by the cost model, run at once or in
a worker (``gdviz.ui.work``), and cached in bytes."""

from __future__ import annotations

import numpy as np

import gdviz
from gdviz import limits
from gdviz.analysis.curvature import curvature_known
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.ui import work
from gdviz.ui.race import compute
from gdviz.ui.race import page as visualizer
from gdviz.ui.specs import (
    RunSpec,
)
from gdviz.ui.sweeps.state import Context

# --- core calls: estimated, budgeted, cached in bytes -------------------------------------------------------
SWEEPS = ByteCache("sweeps", 64 * 2**20, ttl=limits.CACHE_TTL_SECONDS)


def _hyper(run: RunSpec) -> dict:
    return {k: v for k, v in run.optimizer_kwargs().items() if k != "lr"}


def _schedule(run: RunSpec):
    return None if run.schedule == "constant" else gdviz.schedule(run.schedule, **dict(run.schedule_opts))


def _start(start):
    return None if start is None else np.asarray(start, dtype=float)


def estimate(ctx: Context, calls) -> cost.Estimate:
    """What ``calls`` cost, each ``(batch size, runs, steps)`` (one run_many call of the swept rule)."""
    return cost.Estimate.total(
        cost.run_estimate(ctx.problem, ctx.spec.rule, steps=steps, runs=runs, batch_size=batch, name="sweep")
        for batch, runs, steps in calls
    )


def plan_panel(ctx: Context, calls, keys, *, known: bool = True, hessian: bool = True) -> bool:
    """The page run's one plan: the panel's sweeps (``calls``, cached under ``(function, key)`` in
    ``keys``; ``known`` False when a later sweep's key depends on an earlier one's result) and the
    Hessian of the stability limit it draws. True when the work may run now; else the page said why."""
    done = known and all(("sweep", ctx.pspec, f, k) in SWEEPS for f, k in keys)
    n = (
        0
        if not hessian or curvature_known(ctx.problem, ctx.problem.start if ctx.start is None else ctx.start)
        else 1
    )
    pieces = [
        work.Piece("sweep", estimate(ctx, calls), done),
        work.Piece("hessian", cost.hessian_estimate(ctx.problem, n), n == 0),
    ]
    return work.plan_page(("sweeps", ctx.pspec, tuple(keys)), pieces, slot="sweep")


def computed(ctx: Context, function: str, kwargs: dict, calls, key):
    """``(sweeps.<function>(problem, **kwargs), seconds)`` through the budget (at once, after a click,
    or refused; long ones in a worker with a progress bar); None when not (yet) computed. A
    ValueError says what the core refused."""
    plan = work.Plan(
        key=("sweep", ctx.pspec, function, key),
        task="sweep",
        args={"recipe": compute.recipe(ctx.pspec), "function": function, "kwargs": kwargs},
        estimate=estimate(ctx, calls),
        cache=SWEEPS,
        slot="sweep",
        part="sweep",
    )
    return work.obtain(plan)


def sweep_kwargs(ctx: Context, lr_lo, lr_hi, n) -> dict:
    run = ctx.spec
    return {
        "rule": run.rule,
        "lrs": np.logspace(np.log10(lr_lo), np.log10(lr_hi), n),
        "steps": ctx.steps,
        "start": _start(ctx.start),
        "batch_size": run.batch(ctx.problem.n_samples),
        "seed": run.seed,
        "threshold": ctx.threshold,
        "schedule": _schedule(run),
        **_hyper(run),
    }


def range_kwargs(ctx: Context, steps, lr_lo, lr_hi) -> dict:
    run = ctx.spec
    return {
        "rule": run.rule,
        "lr_min": lr_lo,
        "lr_max": lr_hi,
        "steps": steps,
        "start": _start(ctx.start),
        "batch_size": run.batch(ctx.problem.n_samples),
        "seed": run.seed,
        **_hyper(run),
    }


def grid_kwargs(ctx: Context, axis, y_values, lr_lo, lr_hi, n) -> dict:
    run = ctx.spec
    h = _hyper(run)
    batch = run.batch(ctx.problem.n_samples)
    if axis == "batch_size":
        batch = None
    else:
        h.pop(axis, None)
    return {
        "rule": run.rule,
        "x": ("lr", np.logspace(np.log10(lr_lo), np.log10(lr_hi), n)),
        "y": (axis, np.asarray(y_values)),
        "steps": ctx.steps,
        "start": _start(ctx.start),
        "batch_size": batch,
        "seed": run.seed,
        "threshold": ctx.threshold,
        "schedule": _schedule(run),
        **h,
    }


def _configs(problem: Problem, runs: tuple[tuple[int, RunSpec], ...], lrs=None) -> list[dict]:
    out = []
    for i, (_, spec) in enumerate(runs):
        cfg = {
            "rule": spec.rule,
            **spec.optimizer_kwargs(),
            "batch_size": spec.batch(problem.n_samples),
            # labels are in the visitor's language; they are arguments, so part of the cache key
            "label": visualizer.run_label(i, spec, problem.has_data),
        }
        if lrs is not None and lrs[i] is not None:
            cfg["lr"] = lrs[i]
        sched = _schedule(spec)
        if sched is not None:
            cfg["schedule"] = sched
        out.append(cfg)
    return out
