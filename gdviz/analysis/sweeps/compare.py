"""Fair comparison: configurations raced over several seeds on a common x-axis, each optionally given
its best learning rate from a quick sweep (tune_each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from gdviz import limits
from gdviz.analysis.curvature import lr_limit
from gdviz.analysis.sweeps.common import (
    COMPARE_POINTS,
    MAX_CONFIGS,
    QUICK_LRS,
    X_AXES,
    _check_budget,
    _check_lrs,
    _check_problem,
    _check_steps,
    _check_threshold,
    _start_loss,
    default_threshold,
)
from gdviz.analysis.sweeps.lr import (
    SweepResult,
    _check_seed,
    _pad,
    _summarize,
    _sweep_runs,
)
from gdviz.errors import check_choice, check_number, given
from gdviz.optim import Optimizer, optimizer
from gdviz.problems.base import Problem
from gdviz.train import run_many


@dataclass(frozen=True)
class _Config:
    label: str
    rule: str
    hyper: dict = field(hash=False)
    batch_size: int | None
    schedule: object


def _config(c, i: int) -> _Config:
    """A configuration: a mapping ``{"rule": …, "lr": …, "batch_size": …, "label": …, "schedule": …,
    **hyperparameters}`` or an Optimizer (full batch)."""
    if isinstance(c, Optimizer):
        lr = c.hyper.get("lr")
        label = f"{c.label or c.name}" + ("" if callable(lr) else f" lr={float(lr):g}")
        return _Config(label, c.label or c.name, dict(c.hyper), None, None)
    if not isinstance(c, Mapping) or "rule" not in c:
        raise ValueError(
            f"configuration {i} must be an Optimizer or a mapping with at least 'rule' "
            f"(and 'lr', 'batch_size', 'label', 'schedule', hyperparameters); got {c!r}"
        )
    c = dict(c)
    rule = c.pop("rule")
    label = c.pop("label", None)
    batch = c.pop("batch_size", None)
    sched = c.pop("schedule", None)
    optimizer(rule, **c)  # validates the hyperparameters now, naming what is wrong
    if label is None:
        label = f"{rule} lr={c['lr']:g}" if "lr" in c else rule
        if batch is not None:
            label += f" b={batch}"
    return _Config(str(label), rule, c, batch, sched)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Configurations raced over several seeds. ``x`` is the common grid ``(G,)`` on ``x_axis``;
    ``mean``, ``std``, ``lo`` (min over seeds), ``hi`` (max) and ``count`` (seeds with a value) are
    ``(C, G)``: NaN where no seed of a configuration got that far (it used fewer samples, or every
    seed diverged before). ``final_loss`` and ``diverged`` are ``(C, S)`` per configuration and seed.
    """

    problem: str
    x_axis: str
    x: np.ndarray
    labels: tuple[str, ...]
    seeds: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    count: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray
    configs: tuple[dict, ...]


def _check_seeds(seeds) -> np.ndarray:
    try:
        arr = np.asarray(list(seeds) if not isinstance(seeds, (int, np.integer)) else [seeds])
    except TypeError as err:
        raise ValueError(f"seeds must be whole numbers ≥ 0, got {seeds!r}") from err
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu" or np.any(arr < 0):
        raise ValueError(f"seeds must be a non-empty sequence of whole numbers ≥ 0, got {seeds!r}")
    if arr.size > limits.MAX_RUNS:
        raise ValueError(f"seeds must be at most {limits.MAX_RUNS} numbers, got {arr.size}")
    return arr.astype(np.int64)


def _x_of(rec, axis: str, r: int) -> np.ndarray:
    if axis == "step":
        return np.arange(rec.loss.shape[0], dtype=float)
    if axis == "epoch":
        return np.asarray(rec.epoch[:, r], dtype=float)
    if axis == "samples":
        return np.asarray(rec.samples_seen[:, r], dtype=float)
    if axis == "grad_evals":
        return np.asarray(rec.grad_evals[:, r], dtype=float)
    return np.asarray(rec.time, dtype=float)


def _curves(problem, cfg: _Config, steps, start, seeds, x_axis):
    """Per seed: (x (T_r+1,), loss (T_r+1,)) cut where the run stopped, plus finals and divergence."""
    opt = optimizer(cfg.rule, **cfg.hyper)
    out, finals, div = [], [], []
    if x_axis == "time":
        # Wall-clock must be one run's own time: R vectorized seeds would share (and inflate) one clock.
        recs = [
            run_many(
                problem,
                opt,
                steps=steps,
                start=start,
                runs=1,
                batch_size=cfg.batch_size,
                seed=int(s),
                schedule=cfg.schedule,
            )
            for s in seeds
        ]
        pairs = [(rec, 0) for rec in recs]
    else:
        rec = run_many(
            problem,
            opt,
            steps=steps,
            start=start,
            runs=seeds.size,
            batch_size=cfg.batch_size,
            seed=seeds,
            schedule=cfg.schedule,
        )
        pairs = [(rec, r) for r in range(seeds.size)]
    for rec, r in pairs:
        s = int(rec.steps_done[r])
        xs = _x_of(rec, x_axis, r)[: s + 1]
        ys = np.asarray(rec.loss[: s + 1, r], dtype=float)
        out.append((xs, ys))
        finals.append(float(rec.loss[-1, r]))
        div.append(int(rec.diverged[r]))
    return out, finals, div


def compare(
    problem: Problem,
    configs: Sequence,
    *,
    steps: int = 300,
    x_axis: str = "step",
    seeds=(0,),
    start=None,
    points: int | None = None,
) -> Comparison:
    """Race ``configs`` (mappings such as ``{"rule": "adam", "lr": 0.01, "batch_size": 32}`` or
    Optimizers) for ``steps`` updates from the same start, once per seed, and put every loss curve on
    a common x grid: ``x_axis`` is ``"step"``, ``"epoch"``, ``"samples"`` (samples seen),
    ``"grad_evals"`` (gradient evaluations) or ``"time"`` (seconds of wall-clock, measured here; each
    seed then runs on its own so that it has its own clock).

    On equal steps a mini-batch step looks as good as a full-batch one although it saw a fraction of
    the data: epochs or samples seen make the comparison fair. ``points`` is the grid size for the
    non-step axes (default ``min(steps + 1, 400)``); the step axis is exact.
    """
    _check_problem(problem)
    check_choice("x_axis", x_axis, X_AXES)
    if x_axis in ("epoch", "samples") and not problem.has_data:
        raise ValueError(
            f"x_axis {x_axis!r} needs a problem with data (use 'step' otherwise), "
            f"got problem {problem.name!r}, which has none"
        )
    if isinstance(configs, (Mapping, Optimizer)) or not isinstance(configs, Sequence):
        raise ValueError(
            f"configs must be a list of configurations (mappings or Optimizers), got {given(configs)}"
        )
    if not 1 <= len(configs) <= MAX_CONFIGS:
        raise ValueError(f"compare takes 1 to {MAX_CONFIGS} configurations, got {len(configs)}")
    cfgs = [_config(c, i) for i, c in enumerate(configs)]
    steps = _check_steps(steps)
    seeds = _check_seeds(seeds)
    _check_budget(steps, seeds.size * len(cfgs), problem, "this comparison")
    if points is None:
        points = min(steps + 1, COMPARE_POINTS)
    points = check_number("points", points, lo=2, hi=limits.MAX_STEPS + 1, integer=True)

    all_curves, finals, divs = [], [], []
    for cfg in cfgs:
        c, f, d = _curves(problem, cfg, steps, start, seeds, x_axis)
        all_curves.append(c)
        finals.append(f)
        divs.append(d)
    if x_axis == "step":
        grid = np.arange(steps + 1, dtype=float)
    else:
        end = max(float(xs[-1]) for c in all_curves for xs, _ in c)
        grid = np.linspace(0.0, end if end > 0 else 1.0, points)
    C, S, G = len(cfgs), seeds.size, grid.size
    vals = np.full((C, S, G), np.nan)
    for i, c in enumerate(all_curves):
        for j, (xs, ys) in enumerate(c):
            inside = grid <= xs[-1] * (1 + 1e-12)
            if x_axis == "step":
                vals[i, j, : ys.size] = ys
            else:
                vals[i, j, inside] = np.interp(grid[inside], xs, ys)
    finite = np.isfinite(vals)
    count = finite.sum(axis=1)
    safe = np.where(finite, vals, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, safe.sum(axis=1) / np.maximum(count, 1), np.nan)
        var = np.where(finite, (safe - mean[:, None, :]) ** 2, 0.0).sum(axis=1) / np.maximum(count, 1)
        std = np.where(count > 0, np.sqrt(var), np.nan)
    lo = np.where(count > 0, np.where(finite, vals, np.inf).min(axis=1), np.nan)
    hi = np.where(count > 0, np.where(finite, vals, -np.inf).max(axis=1), np.nan)
    return Comparison(
        problem=problem.name,
        x_axis=x_axis,
        x=grid,
        labels=tuple(c.label for c in cfgs),
        seeds=seeds,
        mean=mean,
        std=std,
        lo=lo,
        hi=hi,
        count=count,
        final_loss=np.asarray(finals, dtype=float).reshape(C, S),
        diverged=np.asarray(divs, dtype=np.int64).reshape(C, S),
        configs=tuple(
            {"rule": c.rule, **c.hyper, "batch_size": c.batch_size, "label": c.label} for c in cfgs
        ),
    )


@dataclass(frozen=True, eq=False)
class Tuned:
    """``configs``: the input configurations with ``lr`` set to each one's best (unchanged, and listed
    in ``untuned``, where every learning rate of the sweep was unstable); ``sweeps``: the sweeps."""

    configs: tuple[dict, ...]
    sweeps: tuple[SweepResult, ...]
    untuned: tuple[int, ...]


def tune_each(
    problem: Problem,
    configs: Sequence,
    *,
    steps: int = 300,
    lrs=None,
    start=None,
    seed: int = 0,
    threshold: float | None = None,
) -> Tuned:
    """Give every configuration (rule names, or mappings as in :func:`compare`) its best learning rate
    from a quick sweep (default 31 values, 1e-5 … 10), so that a race compares rules at their best
    rather than at one learning rate that suits one of them. All sweeps share one threshold (the
    given one, or :func:`default_threshold` with the lowest loss any of them reached), so "best"
    means the same thing for every rule.
    """
    _check_problem(problem)
    if isinstance(configs, str):
        configs = [configs]
    if isinstance(configs, Mapping) or not isinstance(configs, Sequence):
        raise ValueError(f"configs must be a list of rule names or configurations, got {given(configs)}")
    if not 1 <= len(configs) <= MAX_CONFIGS:
        raise ValueError(f"tune_each takes 1 to {MAX_CONFIGS} configurations, got {len(configs)}")
    cfgs = [_config({"rule": c} if isinstance(c, str) else c, i) for i, c in enumerate(configs)]
    lrs = _check_lrs(lrs, QUICK_LRS)
    steps = _check_steps(steps)
    seed = _check_seed(seed)
    threshold = _check_threshold(threshold)
    _check_budget(steps, lrs.size * len(cfgs), problem, "tuning")
    start_loss = _start_loss(problem, start)
    raw = []
    for cfg in cfgs:
        h = {k: v for k, v in cfg.hyper.items() if k != "lr"}
        loss, div, resolved, batch = _sweep_runs(
            problem, cfg.rule, h, lrs, steps, start, cfg.batch_size, seed, cfg.schedule
        )
        limit = lr_limit(problem, cfg.rule, at=start, **h)
        raw.append((cfg, _pad(loss, steps), div, resolved, batch, limit))
    if threshold is None:
        with np.errstate(invalid="ignore"):
            lowest = min(float(np.min(np.where(np.isfinite(r[1]), r[1], np.inf))) for r in raw)
        threshold = default_threshold(problem, start_loss, lowest)
    sweeps, out, untuned = [], [], []
    for i, (cfg, loss, div, resolved, batch, limit) in enumerate(raw):
        sw = _summarize(
            problem, cfg.rule, resolved, lrs, steps, batch, seed, loss, div, threshold, start_loss, limit
        )
        sweeps.append(sw)
        tuned = {"rule": cfg.rule, **cfg.hyper, "batch_size": cfg.batch_size, "label": cfg.label}
        if cfg.schedule is not None:
            tuned["schedule"] = cfg.schedule
        if sw.best_lr is None:
            untuned.append(i)
        else:
            tuned["lr"] = sw.best_lr
        out.append(tuned)
    return Tuned(tuple(out), tuple(sweeps), tuple(untuned))
