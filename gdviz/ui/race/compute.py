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
from gdviz.analysis.curvature import curvature_known, needs_hessian
from gdviz.geometry.projection import View
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.train import Record
from gdviz.ui import work

# The Streamlit-free half (exports and the command line build the same problems and runs with it).
from gdviz.ui.race import pipeline
from gdviz.ui.race.pipeline import keep_for, recipe, run_args, runs_estimate, view_resolution
from gdviz.ui.specs import PageConfig, ProblemSpec, RunSpec

RUNS = ByteCache("runs", limits.CACHE_RUN_BYTES, ttl=limits.CACHE_TTL_SECONDS)
VIEWS = ByteCache("views", limits.CACHE_VIEW_BYTES, ttl=limits.CACHE_TTL_SECONDS)


def _run_key(cfg: PageConfig, spec: RunSpec, keep) -> tuple:
    return (cfg.problem, spec, int(cfg.steps), cfg.stop_loss, cfg.start, keep)


def get_problem(spec: ProblemSpec) -> Problem:
    """The problem a spec names. Building its data is how a page sizes the rest of its plan: it is
    part of making the plan (0.65 s at the 10⁶-sample cap, once per process while cached)."""
    with work.piece("problem"):
        return pipeline.get_problem(spec)


def _cached_each(cfg: PageConfig, problem: Problem) -> list:
    keep = keep_for(problem, cfg.steps)
    return [RUNS.get(_run_key(cfg, spec, keep)) for spec in cfg.runs]


def cached_runs(cfg: PageConfig, problem: Problem) -> list | None:
    """Every run's cached result, or None when any is missing (a lookup: no work)."""
    found = _cached_each(cfg, problem)
    return None if any(f is None for f in found) else found


def hessian_points(cfg: PageConfig, problem: Problem, found: list | None) -> int:
    """Hessians a page run may compute: at the start (the ruler, the theory note) and at the end of
    each run that diverged (its message); before the runs are known, one per run."""
    if not needs_hessian(problem):
        return 0
    start = problem.start if cfg.start is None else np.asarray(cfg.start, dtype=float)
    count = 0 if curvature_known(problem, start) else 1
    if found is None:
        return count + len(cfg.runs)
    for rec, _err in found:
        if rec is not None and rec.diverged is not None and not curvature_known(problem, rec.final_params):
            count += 1
    return count


def race_pieces(
    cfg: PageConfig, problem: Problem, *, runs: bool = True, chart: bool = True, frames: int = 300
) -> list[work.Piece]:
    """Every piece of work one run of the race page does, with its estimate, before any of it runs:
    the runs (and the Hessians their messages need) when ``runs``, the surface and the figure when
    ``chart``."""
    keep = keep_for(problem, cfg.steps)
    each = _cached_each(cfg, problem)
    missing = [s for s, f in zip(cfg.runs, each, strict=True) if f is None]
    found = None if missing else each
    pieces = []
    if runs:
        pieces.append(
            work.Piece(
                "runs",
                runs_estimate(problem, cfg, missing, keep) if missing else cost.Estimate(),
                not missing,
            )
        )
        k = hessian_points(cfg, problem, found)
        pieces.append(work.Piece("hessian", cost.hessian_estimate(problem, k), k == 0))
    if chart:
        res = view_resolution(problem)
        # the surface is keyed by the drawn paths: known only once every run is
        pieces.append(work.Piece("surface", cost.loss_grid_estimate(problem, res * res)))
        pieces.append(work.Piece("figure", cost.figure_estimate(len(cfg.runs), frames)))
    return pieces


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


def _view_key(spec, problem, paths, diverged, kind, axes, center) -> tuple:
    digest = hashlib.sha256()
    for p in paths:
        digest.update(np.ascontiguousarray(p).tobytes())
        digest.update(repr(p.shape).encode())
    return ("view", spec, digest.hexdigest(), tuple(diverged), kind, axes, view_resolution(problem), center)


def view_cached(spec, problem, paths, diverged, kind, axes, center=None) -> bool:
    """Whether the view of these paths is cached (a lookup: what a plan marks as done)."""
    return _view_key(spec, problem, paths, diverged, kind, axes, center) in VIEWS


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
    key = _view_key(spec, problem, paths, diverged, kind, axes, center)
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
