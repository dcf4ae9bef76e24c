"""Smith's (2017) learning-rate range test: one run whose learning rate grows exponentially."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz import limits
from gdviz.analysis.sweeps.common import (
    RANGE_EXPLODE,
    _check_budget,
    _check_problem,
    _rule_and_hyper,
)
from gdviz.analysis.sweeps.lr import (
    _check_seed,
)
from gdviz.errors import check_number
from gdviz.optim import optimizer
from gdviz.problems.base import Problem
from gdviz.train import run


@dataclass(frozen=True, eq=False)
class RangeTest:
    """Smith's range test. ``lrs[k]`` is the learning rate of update k, ``loss[k]`` the full loss right
    after it, ``smoothed`` the same curve smoothed; the arrays stop where the smoothed loss first
    exceeded 4× its best (``exploded``; also set when the run diverged).

    ``min_lr``: where the smoothed loss is lowest; ``steepest_lr``: where it falls fastest against
    log lr (before the minimum). ``suggested_lr`` is ``min_lr / 10`` (the rule of fastai's first
    range finder). The minimum is tied to the stability limit: the loss turns up a few steps after
    the learning rate passes it, and a tenth backs off that lag with a margin (on quadratic bowls it
    lands within a factor of two of 1/λ_max). The steepest point is Smith's choice, but on a short
    test it measures how fast the learning rate grows more than the problem: the loss falls once
    the *accumulated* step Σα reaches 1/λ, so it sits one to two decades too low.
    """

    problem: str
    rule: str
    hyper: dict
    lrs: np.ndarray
    loss: np.ndarray
    smoothed: np.ndarray
    steps: int
    lr_min: float
    lr_max: float
    exploded: bool
    steepest_index: int | None
    min_index: int | None

    @property
    def steepest_lr(self) -> float | None:
        return None if self.steepest_index is None else float(self.lrs[self.steepest_index])

    @property
    def min_lr(self) -> float | None:
        return None if self.min_index is None else float(self.lrs[self.min_index])

    @property
    def min_lr_div10(self) -> float | None:
        return None if self.min_index is None else float(self.lrs[self.min_index]) / 10

    @property
    def suggested_lr(self) -> float | None:
        return self.min_lr_div10


def _ema(x: np.ndarray, beta: float) -> np.ndarray:
    """Bias-corrected exponential moving average (as fastai's range test smooths its loss)."""
    out = np.empty_like(x)
    acc = 0.0
    for k, v in enumerate(x):
        acc = beta * acc + (1 - beta) * v
        out[k] = acc / (1 - beta ** (k + 1))
    return out


def _zero_lag(loss: np.ndarray, beta: float, floor: float) -> np.ndarray:
    """The moving average run forwards and then backwards (no lag), on log(loss − floor) where that is
    defined: a loss falling through decades averaged linearly would lean towards its larger values."""
    gap = loss - floor
    if np.all(gap > 0):
        return floor + np.exp(_ema(_ema(np.log(gap), beta)[::-1], beta)[::-1])
    return _ema(_ema(loss, beta)[::-1], beta)[::-1]


def _floor(problem: Problem, loss: np.ndarray) -> float:
    """What "4× its lowest value" is measured from: the known minimum loss, else 0 for losses that
    stay ≥ 0, else a floor below the lowest loss by the whole drop (losses that can be negative)."""
    if problem.min_loss is not None:
        return float(problem.min_loss)
    lo = float(loss.min())
    return 0.0 if lo >= 0 else lo - max(float(loss[0]) - lo, abs(lo))


def lr_range_test(
    problem: Problem,
    rule="gd",
    *,
    lr_min: float = 1e-6,
    lr_max: float = 10.0,
    steps: int = 200,
    start=None,
    batch_size: int | None = None,
    seed: int = 0,
    smoothing: float = 0.8,
    **hyper,
) -> RangeTest:
    """One run whose learning rate grows exponentially from ``lr_min`` to ``lr_max`` over ``steps``
    updates (Smith 2017, "Cyclical learning rates for training neural networks", section 3.3).

    The loss is smoothed by an exponential moving average (``smoothing`` = its β) and the test stops
    once that exceeds 4× its lowest value. The causal average lags, so the curve used for the
    suggestion is averaged forwards and then backwards (no lag). See :class:`RangeTest`.
    """
    _check_problem(problem)
    name, h = _rule_and_hyper(rule, hyper)
    lr_min = check_number("lr_min", lr_min, lo=0, lo_open=True)
    lr_max = check_number("lr_max", lr_max, lo=lr_min, lo_open=True)
    steps = check_number("steps", steps, lo=10, hi=limits.MAX_STEPS, integer=True)
    smoothing = check_number("smoothing", smoothing, lo=0, hi=1, hi_open=True)
    seed = _check_seed(seed)
    _check_budget(steps, 1, problem, "this range test")
    ratio = lr_max / lr_min

    def grow(k):
        return lr_min * ratio ** (np.asarray(k, dtype=float) / (steps - 1))

    opt = optimizer(name, **{**h, "lr": lr_min})
    rec = run(problem, opt, steps=steps, start=start, batch_size=batch_size, seed=seed, schedule=grow)
    done = int(rec.steps_done)
    lrs = np.asarray(rec.lr[:done], dtype=float)
    loss = np.asarray(rec.loss[1 : done + 1], dtype=float)
    exploded = rec.diverged is not None
    if done:
        causal = _ema(loss, smoothing) - _floor(problem, loss)
        over = np.flatnonzero(causal > RANGE_EXPLODE * np.minimum.accumulate(causal))
        if over.size:
            cut = int(over[0])
            exploded = True
            lrs, loss = lrs[:cut], loss[:cut]
    smoothed = _zero_lag(loss, smoothing, _floor(problem, loss)) if loss.size else loss
    steepest = min_idx = None
    if loss.size >= 3:
        min_idx = int(np.argmin(smoothed))
        if min_idx >= 2:
            slope = np.gradient(smoothed[: min_idx + 1], np.log(lrs[: min_idx + 1]))
            k = int(np.argmin(slope))
            steepest = k if slope[k] < 0 else None
    return RangeTest(
        problem=problem.name,
        rule=name,
        hyper={k: v for k, v in rec.hyper.items() if k != "lr"},
        lrs=lrs,
        loss=loss,
        smoothed=smoothed,
        steps=steps,
        lr_min=lr_min,
        lr_max=lr_max,
        exploded=bool(exploded),
        steepest_index=steepest,
        min_index=min_idx,
    )
