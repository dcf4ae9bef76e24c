"""What every sweep shares: the constants, argument checks, thresholds and the choice of the best run."""

from __future__ import annotations

import numpy as np

from gdviz import limits
from gdviz.errors import check_number, given
from gdviz.optim import Optimizer, registry
from gdviz.problems.base import Problem

# 60 values, 10 per decade: neighbours 26 % apart, finer than a learning rate needs to be known.
DEFAULT_LRS = np.logspace(-5, 1, 60)
QUICK_LRS = np.logspace(-5, 1, 31)
# Steps to threshold are counted to this fraction of the way from the start loss to the floor: a run
# that closed 99.9 % of the gap has converged for any learning purpose.
THRESHOLD_FRACTION = 1e-3
# Smith's range test stops once the smoothed loss exceeds this multiple of its best value so far
# (fastai's rule): past that point the curve only says "too large".
RANGE_EXPLODE = 4.0
# Final losses this close to the lowest one (as a fraction of the start gap) count as equally good.
TIE_FRACTION = 1e-6
# What a grid may put on an axis: what the rules declare a grid may vary, and the batch size.
AXES = (*registry.axes(), "batch_size")
X_AXES = ("step", "epoch", "samples", "grad_evals", "time")
MAX_CONFIGS = 12
COMPARE_POINTS = 400


def _check_problem(problem):
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem (see gdviz.problem), got {type(problem).__name__}")
    return problem


def _rule_and_hyper(rule, hyper: dict) -> tuple[str, dict]:
    """A rule name and hyperparameters; an Optimizer contributes its label and resolved values."""
    if isinstance(rule, Optimizer):
        base = dict(rule.hyper)
        if callable(base.get("lr")):
            raise ValueError("the optimizer's lr must be a number here (the sweep sets it); got a schedule")
        return rule.label or rule.name, {**base, **hyper}
    if not isinstance(rule, str):
        raise ValueError(
            f"rule must be an update-rule name (see gdviz.OPTIMIZER_NAMES) or an Optimizer, got {rule!r}"
        )
    return rule, dict(hyper)


def _check_lrs(lrs, default=DEFAULT_LRS) -> np.ndarray:
    if lrs is None:
        return default.copy()
    try:
        arr = np.asarray(lrs, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"lrs must be numbers, got {lrs!r}") from err
    if arr.ndim != 1 or not 1 <= arr.size <= limits.MAX_RUNS:
        raise ValueError(
            f"lrs must be a 1-D sequence of 1 to {limits.MAX_RUNS} learning rates, got shape {arr.shape}"
        )
    bad = ~(np.isfinite(arr) & (arr > 0))
    if np.any(bad):
        raise ValueError(f"every learning rate in lrs must be a finite number > 0, got {given(arr[bad])}")
    return np.unique(arr)


def _check_steps(steps) -> int:
    return check_number("steps", steps, lo=1, hi=limits.MAX_STEPS, integer=True)


def _check_budget(steps: int, runs: int, problem: Problem, what: str):
    if runs > limits.MAX_RUNS:
        raise ValueError(f"{what} needs too many runs: at most {limits.MAX_RUNS:,} are allowed, got {runs:,}")
    values = (steps + 1) * runs * problem.n_params
    if values > limits.MAX_RECORD_VALUES:
        raise ValueError(
            f"{what}: states × runs × parameters is above the limit of {limits.MAX_RECORD_VALUES:,} "
            f"stored values, got {steps + 1:,} × {runs:,} × {problem.n_params:,} = {values:,}; "
            "use fewer steps or values"
        )


def _check_threshold(threshold):
    return None if threshold is None else check_number("threshold", threshold)


def _start_loss(problem: Problem, start) -> float:
    theta = problem.start if start is None else np.asarray(start, dtype=float)
    with np.errstate(all="ignore"):
        return float(np.asarray(problem.loss(theta.reshape(-1, problem.n_params)))[0])


def default_threshold(problem: Problem, start_loss: float, lowest: float) -> float:
    """``floor + 1e-3·(start loss − floor)``: 99.9 % of the way down. The floor is the problem's known
    minimum loss, else ``lowest`` (the lowest loss any run of the sweep reached)."""
    floor = problem.min_loss if problem.min_loss is not None else lowest
    if not np.isfinite(floor):
        floor = start_loss
    return float(floor + THRESHOLD_FRACTION * max(start_loss - floor, 0.0))


def _first_below(loss: np.ndarray, threshold: float) -> np.ndarray:
    below = loss < threshold
    return np.where(below.any(axis=0), np.argmax(below, axis=0), -1)


def _unstable(final: np.ndarray, diverged: np.ndarray, start_loss: float) -> np.ndarray:
    """Diverged (the run loop stopped it), or ended above where it started (a slow blow-up that had
    not yet crossed the divergence bound), or not finite."""
    with np.errstate(invalid="ignore"):
        return (diverged >= 0) | ~np.isfinite(final) | (final > start_loss)


def _best(final, steps_to, unstable, order_key, start_loss) -> int | None:
    """Index of the best run: the lowest final loss among stable runs. Runs whose final loss is
    within ``TIE_FRACTION`` of the start gap from that lowest one are tied (they all converged; what
    separates them is rounding), and among them the one that reached the threshold first wins;
    remaining ties go to the larger ``order_key`` (learning rate)."""
    ok = np.flatnonzero(~unstable)
    if not ok.size:
        return None
    lowest = float(final[ok].min())
    tied = ok[final[ok] <= lowest + TIE_FRACTION * max(start_loss - lowest, 0.0)]
    steps = np.where(steps_to[tied] >= 0, steps_to[tied], np.iinfo(np.int64).max)
    # lexsort sorts by the last key first
    idx = np.lexsort((-order_key[tied], final[tied], steps))
    return int(tied[idx[0]])
