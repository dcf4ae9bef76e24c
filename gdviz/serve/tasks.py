"""The work a page may hand to a worker process, by name: plain functions of picklable arguments.

A task receives ``progress(fraction)`` and calls it often (it raises when the job is cancelled);
the same function runs inline for cheap work, with a progress that never raises. Problems travel
as *recipes* — ``("named", name, options)`` or ``("arrays", kind, X, y, options)`` for a user's
CSV — and are built once per process (bounded in bytes).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gdviz import limits
from gdviz.errors import check_choice
from gdviz.serve import meter
from gdviz.serve.cache import ByteCache

Progress = Callable[[float], None]
_TASKS: dict[str, Callable] = {}
# The one cache of problems of a process (the server's pages and its inline tasks share it; each
# worker has its own). 10⁶ samples of linear regression hold 31 MB.
PROBLEMS = ByteCache("problems", limits.CACHE_PROBLEM_BYTES, ttl=limits.CACHE_TTL_SECONDS)


def task(name: str):
    def deco(fn):
        _TASKS[name] = fn
        return fn

    return deco


# Work of the layers above the core (exports draw with Plotly's colours and Pillow) is named
# "module:function" and imported by name when asked for, from these packages only: the core then
# does not depend on them, and a worker process loads them only if it is given such work.
PLUGIN_PACKAGES = ("gdviz.export.",)


def _plugin(name: str) -> Callable | None:
    module, sep, function = name.partition(":")
    if not sep or not module.startswith(PLUGIN_PACKAGES) or not function.isidentifier():
        return None
    import importlib

    try:
        fn = getattr(importlib.import_module(module), function, None)
    except ImportError:
        return None
    return fn if callable(fn) else None


def run(name: str, args: dict, progress: Progress):
    """Run the task ``name`` (a ValueError says what is wrong with its arguments)."""
    fn = _TASKS.get(name) or _plugin(name)
    if fn is None:
        check_choice("task", name, sorted(_TASKS))
    return fn(progress=progress, **args)


def _freeze_options(options: dict) -> tuple:
    def f(v):
        if isinstance(v, dict):
            return tuple(sorted((k, f(x)) for k, x in v.items()))
        if isinstance(v, list):
            return tuple(f(x) for x in v)
        return v

    return f(options)


def recipe_key(recipe: tuple) -> tuple:
    """A hashable key for a recipe (array recipes are keyed by their content hash, item 1)."""
    if recipe[0] == "named":
        return ("named", recipe[1], _freeze_options(recipe[2]))
    return ("arrays", recipe[1], recipe[-1])


def build_problem(recipe: tuple):
    """The problem a recipe describes (built once per process while it stays in PROBLEMS)."""
    check_choice("problem recipe", recipe[0], ("named", "arrays"))
    return PROBLEMS.get_or_make(recipe_key(recipe), lambda: _build(recipe))


def _build(recipe: tuple):
    meter.charge("problem")
    import gdviz

    if recipe[0] == "named":
        _, name, options = recipe
        return gdviz.problem(name, **options)
    from gdviz.problems.regression import linear_regression_from_data, logistic_regression_from_data

    _, kind, X, y, options, _digest = recipe
    make = logistic_regression_from_data if kind == "logistic" else linear_regression_from_data
    return make(np.asarray(X), np.asarray(y), **options)


def split_progress(progress: Progress, weights) -> list[Progress]:
    """One progress callback per part of a task, each part weighted by its share of the work."""
    w = np.asarray(list(weights), dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / max(1, len(w)))
    starts = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    return [
        lambda f, s=s, k=k: progress(float(s + k * min(max(f, 0.0), 1.0)))
        for s, k in zip(starts, w, strict=True)
    ]


@task("runs")
def simulate_runs(*, recipe: tuple, runs: list[dict], progress: Progress):
    """``gdviz.run`` for each of ``runs`` (keyword dicts: rule, hyper, steps, batch_size, seed,
    schedule=(name, options) | None, stop_loss, start, keep). Returns one (record, None) or
    (None, message) per run: one refused run must not hide the others."""
    import gdviz

    p = build_problem(recipe)
    parts = split_progress(progress, [r["steps"] for r in runs])
    out = []
    for r, part in zip(runs, parts, strict=True):
        try:
            opt = gdviz.optimizer(r["rule"], **r["hyper"])
            sched = r.get("schedule")
            rec = gdviz.run(
                p,
                opt,
                steps=r["steps"],
                start=None if r.get("start") is None else np.asarray(r["start"], dtype=float),
                batch_size=r.get("batch_size"),
                seed=r.get("seed", 0),
                schedule=None if sched is None else gdviz.schedule(sched[0], **dict(sched[1])),
                stop_loss=r.get("stop_loss"),
                keep=r.get("keep"),
                progress=lambda done, total, part=part: part(done / total),
            )
            out.append((rec, None))
        except ValueError as err:
            out.append((None, str(err)))
        part(1.0)
    return out


@task("family")
def lr_family(
    *,
    recipe: tuple,
    run: dict,
    lrs: list[float],
    progress: Progress,
    grid: tuple[str, list[float]] | None = None,
):
    """One run (keywords as for "runs", constant learning rate) at every learning rate of ``lrs``, in one
    vectorized pass: ``(params (T+1, R, P) float32, loss (T+1, R), diverged (R,))``. The step
    count is the same for every rate (no stop_loss), so that a slider over them always shows T steps.

    ``grid`` = (the rule's second knob, values: "momentum", "beta1" …) races every rate at every
    value too: R = len(lrs) × len(values), run j·len(lrs) + i at rate i and value j."""
    import gdviz
    from gdviz.optim import registry

    p = build_problem(recipe)
    L = len(lrs)
    hyper = dict(run["hyper"], lr=np.asarray(lrs, dtype=float))
    if grid is not None:
        name, values = grid
        # what the scrub's second slider may be: a knob some rule declares its second
        seconds = list(dict.fromkeys(s for n in registry.names() if (s := registry.entry(n).second)))
        if name not in seconds:
            some = ", ".join(seconds[:-1]) + " and " if len(seconds) > 1 else ""
            raise ValueError(f"no grid over {name!r}: only {some}{seconds[-1]}")
        values = np.asarray(values, dtype=float)
        hyper["lr"] = np.tile(hyper["lr"], len(values))
        hyper = registry.fold(run["rule"], {**hyper, name: np.repeat(values, L)})
    rec = gdviz.run_many(
        p,
        gdviz.optimizer(run["rule"], **hyper),
        steps=run["steps"],
        runs=len(hyper["lr"]),
        start=None if run.get("start") is None else np.asarray(run["start"], dtype=float),
        batch_size=run.get("batch_size"),
        seed=run.get("seed", 0),
        progress=lambda done, total: progress(done / total),
    )
    diverged = np.asarray(rec.diverged, dtype=np.int64)  # -1: did not diverge
    return np.asarray(rec.params, dtype=np.float32), np.asarray(rec.loss, dtype=float), diverged


@task("inspect")
def inspect_replay(*, recipe: tuple, run: dict, k: int, progress: Progress):
    """Step ``k`` of a run whose record was thinned: the run is replayed in full up to step k + 1
    (same seed, same numbers) and inspected (``gdviz.analysis.step.inspect_step``)."""
    import gdviz
    from gdviz.analysis.step import inspect_step

    p = build_problem(recipe)
    args = {**run, "steps": int(k) + 1, "keep": None, "stop_loss": None}
    ((rec, err),) = simulate_runs(recipe=recipe, runs=[args], progress=progress)
    if rec is None:
        raise ValueError(err)
    return inspect_step(p, gdviz.optimizer(run["rule"], **run["hyper"]), rec, int(k))


SWEEPS = ("lr_sweep", "lr_range_test", "grid_sweep", "compare", "tune_each")


@task("sweep")
def sweep(*, recipe: tuple, function: str, kwargs: dict, progress: Progress):
    """``gdviz.analysis.sweeps.<function>(problem, **kwargs)`` and the seconds it took; every run loop inside
    reports to ``progress`` (so a cancelled job stops at its next report)."""
    import time

    from gdviz.analysis import sweeps
    from gdviz.train import reporting

    check_choice("sweep", function, SWEEPS)
    p = build_problem(recipe)
    t0 = time.perf_counter()
    with reporting(lambda done, total: progress(done / total)):
        result = getattr(sweeps, function)(p, **kwargs)
    return result, time.perf_counter() - t0


@task("network.train")
def train_network(
    *, recipe: tuple, rule: str, hyper: dict, steps: int, batch_size, seed: int, progress: Progress
):
    """``gdviz.analysis.network.train_network`` on the recipe's network."""
    import gdviz
    from gdviz.analysis.network import train_network as train

    p = build_problem(recipe)
    return train(
        p, gdviz.optimizer(rule, **hyper), steps=steps, batch_size=batch_size, seed=seed, progress=progress
    )


@task("network.plane")
def network_plane(
    *, recipe: tuple, final, path, kind: str, span: float, resolution: int, dir_seed: int, progress: Progress
):
    """``gdviz.analysis.network.loss_plane`` around a trained run."""
    from gdviz.analysis.network import loss_plane

    p = build_problem(recipe)
    progress(0.0)
    return loss_plane(
        p, np.asarray(final), np.asarray(path), kind=kind, span=span, resolution=resolution, dir_seed=dir_seed
    )


@task("view")
def make_view(
    *,
    recipe: tuple,
    paths: list,
    diverged: list,
    kind: str,
    axes,
    resolution: int,
    progress: Progress,
    center=None,
):
    """The 2-D view of ``paths`` (``gdviz.geometry.projection.make_view``)."""
    from gdviz.geometry.projection import make_view as build

    p = build_problem(recipe)
    progress(0.0)
    return build(
        p,
        [np.asarray(a, dtype=float) for a in paths],
        kind=kind,
        axes=axes,
        resolution=resolution,
        diverged=diverged,
        center=center,
    )


def _parallel_kwargs(options: dict) -> dict:
    """``parallel.train``'s keywords from a page's plain options (the compressor travels by name)."""
    from gdviz import parallel

    kw = dict(options)
    comp = kw.pop("compression", None)
    if comp is not None:
        name, opts = comp
        kw["compression"] = parallel.compressor(name, **dict(opts))
    return kw


@task("scale.race")
def scale_race(*, recipe: tuple, rule: str, hyper: dict, runs: list[dict], progress: Progress):
    """One ``parallel.train`` per strategy, each summarized (``gdviz.analysis.scale``); a run whose
    settings the core refuses is its ValueError's text instead, so the others still draw."""
    import gdviz
    from gdviz import parallel
    from gdviz.analysis.scale import summarize

    p = build_problem(recipe)
    opt = gdviz.optimizer(rule, **hyper)
    out = []
    for i, options in enumerate(runs):
        progress(i / max(1, len(runs)))
        try:
            with np.errstate(all="ignore"):
                rec = parallel.train(p, opt, **_parallel_kwargs(options))
        except ValueError as err:
            out.append(str(err))
            continue
        out.append(summarize(rec))
    progress(1.0)
    return out


@task("scale.speedup")
def scale_speedup(*, recipe: tuple, rule: str, hyper: dict, kwargs: dict, progress: Progress):
    """``parallel.speedup`` on the recipe's problem."""
    import gdviz
    from gdviz import parallel

    p = build_problem(recipe)
    opt = gdviz.optimizer(rule, **hyper)
    progress(0.0)
    kw = _parallel_kwargs(kwargs)
    # the target: a fraction of the way back from one sync worker's end loss to its start, so that
    # the first column is always reached and the others are compared with it
    fraction = kw.pop("target_fraction")
    one = {k: v for k, v in kw.items() if k not in ("workers", "strategies", "accumulate", "local_steps")}
    one["steps"] = one["steps"] // 2
    with np.errstate(all="ignore"):
        rec = parallel.train(p, opt, strategy="sync", workers=1, events=False, **one)
        lo, hi = float(np.min(rec.loss)), float(rec.loss[0])
        target = lo + fraction * (hi - lo)
        return parallel.speedup(p, opt, target_loss=target, **kw)


@task("scale.critical")
def scale_critical(*, recipe: tuple, rule: str, progress: Progress):
    """``analysis.critical.critical_batch`` on the recipe's problem (its own lr grid: the critical
    batch is a property of the problem and the rule, not of one lr)."""
    from gdviz.analysis.critical import critical_batch

    p = build_problem(recipe)
    progress(0.0)
    return critical_batch(p, rule, progress=lambda done, total: progress(done / total))


def _inline(_fraction: float) -> None:
    return None


def run_inline(name: str, args: dict, progress: Progress | None = None):
    """Run a task in this process (cheap work; also how tests call tasks directly)."""
    return run(name, args, progress or _inline)


__all__ = ["build_problem", "recipe_key", "run", "run_inline", "split_progress", "task"]
