"""The race page's computation: problems, runs and views, each estimated, budgeted and cached.

Caches are process-wide and bounded in bytes (``gdviz.serve.cache``): problems are shared immutable
objects (a 10⁶-sample problem must not be copied per rerun), runs and views are keyed on frozen
specs. Work goes through ``gdviz.ui.work``: cheap work runs at once, long work in a worker with a
progress bar, too much is refused.
"""

from __future__ import annotations

import hashlib

import numpy as np

from gdviz import limits
from gdviz.geometry.projection import View
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.train import Record
from gdviz.ui import work

# The Streamlit-free half (exports and the command line build the same problems and runs with it).
from gdviz.ui.race.pipeline import get_problem, keep_for, recipe, run_args, runs_estimate, view_resolution  # noqa: F401
from gdviz.ui.specs import PageConfig, ProblemSpec, RunSpec

RUNS = ByteCache("runs", limits.CACHE_RUN_BYTES, ttl=limits.CACHE_TTL_SECONDS)
VIEWS = ByteCache("views", limits.CACHE_VIEW_BYTES, ttl=limits.CACHE_TTL_SECONDS)


def _run_key(cfg: PageConfig, spec: RunSpec, keep) -> tuple:
    return (cfg.problem, spec, int(cfg.steps), cfg.stop_loss, cfg.start, keep)


def simulate_all(cfg: PageConfig, problem: Problem) -> list[tuple[Record | None, str | None]] | None:
    """``(record, None)`` or ``(None, message)`` for every run of ``cfg``; None while the work waits
    for a click or was refused (the page then says why)."""
    keep = keep_for(problem, cfg.steps)
    keys = [_run_key(cfg, spec, keep) for spec in cfg.runs]
    missing = [i for i, k in enumerate(keys) if k not in RUNS]
    if missing:
        est = runs_estimate(problem, cfg, [cfg.runs[i] for i in missing], keep)
        plan = work.Plan(
            key=("runs", tuple(keys[i] for i in missing)),
            task="runs",
            args={
                "recipe": recipe(cfg.problem),
                "runs": [run_args(cfg.runs[i], problem, cfg, keep) for i in missing],
            },
            estimate=est,
            cache=None,  # the runs are cached one by one below
            slot="race.runs",
            part="runs",
        )
        out = work.obtain(plan)
        if out is None:
            return None
        for i, result in zip(missing, out, strict=True):
            RUNS.put(keys[i], result)
    found = [RUNS.get(k) for k in keys]
    if any(f is None for f in found):  # evicted between put and get: only under memory pressure
        return None
    return found


def view_for(
    spec: ProblemSpec,
    problem: Problem,
    paths: list[np.ndarray],
    diverged: list[bool],
    kind: str,
    axes,
    center: tuple[float, ...] | None = None,
) -> View | None:
    """The 2-D view of ``paths`` (a slice held at ``center`` when given); None while it waits (or was
    refused)."""
    res = view_resolution(problem)
    digest = hashlib.sha256()
    for p in paths:
        digest.update(np.ascontiguousarray(p).tobytes())
        digest.update(repr(p.shape).encode())
    key = ("view", spec, digest.hexdigest(), tuple(diverged), kind, axes, res, center)
    plan = work.Plan(
        key=key,
        task="view",
        args={
            "recipe": recipe(spec),
            "paths": paths,
            "diverged": list(diverged),
            "kind": kind,
            "axes": axes,
            "resolution": res,
            "center": center,
        },
        estimate=cost.loss_grid_estimate(problem, res * res),
        cache=VIEWS,
        slot="race.view",
        part="surface",
    )
    return work.obtain(plan)


INSPECTED = ByteCache("inspected steps", 32 * 2**20, ttl=limits.CACHE_TTL_SECONDS)


def replayed_step(cfg: PageConfig, problem: Problem, spec: RunSpec, k: int):
    """The step inspector's view of step ``k`` of a thinned run (its record has no gradients): the
    run replayed in a worker up to k + 1. None while it waits for a click or was refused."""
    args = run_args(spec, problem, cfg, None)
    plan = work.Plan(
        key=("inspect", _run_key(cfg, spec, None), int(k)),
        task="inspect",
        args={"recipe": recipe(cfg.problem), "run": args, "k": int(k)},
        estimate=cost.run_estimate(
            problem, spec.rule, steps=int(k) + 1, batch_size=spec.batch(problem.n_samples), name="replay"
        ),
        cache=INSPECTED,
        slot="race.inspect",
        part="replay",
    )
    return work.obtain(plan)
