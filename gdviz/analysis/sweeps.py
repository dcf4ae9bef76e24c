"""Sweeps and fair comparison: choose the learning rate by measuring, not by advice.

- :func:`lr_sweep` runs one update rule at many learning rates in one vectorized pass and reports
  final loss, steps to a loss threshold, divergence, the best learning rate and the divergence
  boundary.
- :func:`lr_range_test` is Smith's (2017) learning-rate range test: one run whose learning rate
  grows exponentially; the loss against the learning rate suggests a value.
- :func:`grid_sweep` crosses the learning rate with a second axis (momentum, β1, batch size …).
- :func:`compare` races configurations over several seeds on a common x-axis (steps, epochs,
  samples seen, gradient evaluations or wall-clock time) and gives mean and band.
- :func:`tune_each` gives every configuration its best learning rate from a quick sweep.

Runs that share a seed share their mini-batch order (common random numbers), so a sweep row and
``gdviz.run`` with the same settings and seed are the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from gdviz import limits
from gdviz.analysis.curvature import lr_limit
from gdviz.errors import check_choice, check_number, given
from gdviz.optim import Optimizer, optimizer
from gdviz.problems.base import Problem
from gdviz.train import run, run_many

__all__ = [
    "AXES",
    "DEFAULT_LRS",
    "X_AXES",
    "Comparison",
    "GridResult",
    "RangeTest",
    "SweepResult",
    "Tuned",
    "compare",
    "default_threshold",
    "grid_sweep",
    "lr_range_test",
    "lr_sweep",
    "tune_each",
]

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
AXES = ("lr", "momentum", "beta1", "beta2", "alpha", "weight_decay", "batch_size")
X_AXES = ("step", "epoch", "samples", "grad_evals", "time")
MAX_CONFIGS = 12
COMPARE_POINTS = 400


# --- shared helpers ---------------------------------------------------------------------------------
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


# --- learning-rate sweep ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SweepResult:
    """One update rule at many learning rates (ascending). Per-lr arrays have shape ``(n,)``; ``loss``
    is ``(steps+1, n)``, the full loss after every step (a run that stopped repeats its last value).

    ``diverged[i]`` is the step at which run i blew up (−1: never); ``unstable[i]`` is True when it
    diverged or ended above its start loss. ``steps_to_threshold[i]`` is −1 when never reached.
    ``best_index`` (None if every run was unstable): the lowest final loss among stable runs; runs
    within 1e-6 of the start gap of it are tied (they all converged, the rest is rounding) and the
    one that reached the threshold in the fewest steps wins; then the larger learning rate.
    ``boundary``: (largest stable lr, smallest lr from which
    every larger lr is unstable), None when nothing was unstable; its first entry is None when even
    the smallest lr was unstable. ``limit`` is :func:`gdviz.analysis.curvature.lr_limit` (None where unknown).
    """

    problem: str
    rule: str
    hyper: dict
    lrs: np.ndarray
    steps: int
    batch_size: int | None
    seed: int
    loss: np.ndarray
    final_loss: np.ndarray
    min_loss: np.ndarray
    steps_to_threshold: np.ndarray
    diverged: np.ndarray
    unstable: np.ndarray
    threshold: float
    start_loss: float
    best_index: int | None
    boundary: tuple[float | None, float] | None
    limit: float | None = None

    @property
    def best_lr(self) -> float | None:
        return None if self.best_index is None else float(self.lrs[self.best_index])

    @property
    def boundary_lr(self) -> float | None:
        """Geometric middle of ``boundary`` (the estimate of where divergence starts)."""
        if self.boundary is None or self.boundary[0] is None:
            return None
        return float(np.sqrt(self.boundary[0] * self.boundary[1]))


def _boundary(lrs: np.ndarray, unstable: np.ndarray):
    if not unstable.any():
        return None
    stable_idx = np.flatnonzero(~unstable)
    if unstable[-1]:
        # the last stretch of unstable values: every lr from there up fails
        j = int(stable_idx[-1]) + 1 if stable_idx.size else 0
    else:
        j = int(np.flatnonzero(unstable)[0])
    return (float(lrs[j - 1]) if j > 0 else None, float(lrs[j]))


def _sweep_runs(problem, name, h, lrs, steps, start, batch_size, seed, schedule):
    """One run_many over all lrs: (loss (T+1, n), diverged (n,), resolved hyper, batch)."""
    _check_budget(steps, lrs.size, problem, "this sweep")
    opt = optimizer(name, **{**h, "lr": lrs})
    rec = run_many(
        problem,
        opt,
        steps=steps,
        start=start,
        runs=lrs.size,
        batch_size=batch_size,
        seed=seed,
        schedule=schedule,
    )
    return rec.loss, np.asarray(rec.diverged), rec.hyper, rec.batch_size


def _pad(loss: np.ndarray, steps: int) -> np.ndarray:
    """Records end early when every run stopped; the sweep's arrays always have steps + 1 rows."""
    if loss.shape[0] == steps + 1:
        return loss
    return np.concatenate([loss, np.repeat(loss[-1:], steps + 1 - loss.shape[0], axis=0)])


def _summarize(problem, name, hyper, lrs, steps, batch, seed, loss, diverged, threshold, start_loss, limit):
    final = loss[-1]
    with np.errstate(invalid="ignore"):
        lowest = np.min(np.where(np.isfinite(loss), loss, np.inf), axis=0)
    if threshold is None:
        threshold = default_threshold(problem, start_loss, float(lowest.min()))
    steps_to = _first_below(loss, threshold)
    unstable = _unstable(final, diverged, start_loss)
    best = _best(final, steps_to, unstable, lrs, start_loss)
    return SweepResult(
        problem=problem.name,
        rule=name,
        hyper={k: v for k, v in hyper.items() if k != "lr"},
        lrs=lrs,
        steps=steps,
        batch_size=batch,
        seed=int(seed),
        loss=loss,
        final_loss=final,
        min_loss=lowest,
        steps_to_threshold=steps_to,
        diverged=diverged,
        unstable=unstable,
        threshold=float(threshold),
        start_loss=start_loss,
        best_index=best,
        boundary=_boundary(lrs, unstable),
        limit=limit,
    )


def lr_sweep(
    problem: Problem,
    rule="gd",
    *,
    lrs=None,
    steps: int = 300,
    start=None,
    batch_size: int | None = None,
    seed: int = 0,
    threshold: float | None = None,
    schedule=None,
    **hyper,
) -> SweepResult:
    """Run ``rule`` at every learning rate in ``lrs`` (default 60 values, log-spaced 1e-5 … 10) for
    ``steps`` updates, all in one :func:`gdviz.run_many` call, and summarize.

    ``rule`` is a name (``"gd"``, ``"adam"`` …, hyperparameters as keywords) or an Optimizer (its lr
    is replaced). Every run uses the same mini-batch order (``seed``), so differences come from the
    learning rate alone. ``threshold`` (default: :func:`default_threshold`) defines steps to threshold.
    ``schedule`` (a gdviz Schedule without its own lr) shapes every run's learning rate over time.
    Learning rates are sorted ascending and de-duplicated. See :class:`SweepResult`.
    """
    _check_problem(problem)
    name, h = _rule_and_hyper(rule, hyper)
    lrs = _check_lrs(lrs)
    steps = _check_steps(steps)
    seed = _check_seed(seed)
    threshold = _check_threshold(threshold)
    loss, diverged, resolved, batch = _sweep_runs(
        problem, name, h, lrs, steps, start, batch_size, seed, schedule
    )
    limit = lr_limit(problem, name, at=start, **{k: v for k, v in h.items() if k != "lr"})
    return _summarize(
        problem,
        name,
        resolved,
        lrs,
        steps,
        batch,
        seed,
        _pad(loss, steps),
        diverged,
        threshold,
        _start_loss(problem, start),
        limit,
    )


def _check_seed(seed) -> int:
    return check_number("seed", seed, lo=0, integer=True)


# --- learning-rate range test -------------------------------------------------------------------------
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


# --- two-dimensional grid -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GridResult:
    """A grid over two axes. Arrays have shape ``(len(y_values), len(x_values))``: row = y, column = x
    (as a heatmap is drawn). ``best`` is ``(row, column)`` chosen as in :class:`SweepResult` (ties go
    to the larger x value), None when every cell was unstable."""

    problem: str
    rule: str
    hyper: dict
    x_name: str
    x_values: np.ndarray
    y_name: str
    y_values: np.ndarray
    steps: int
    final_loss: np.ndarray
    min_loss: np.ndarray
    steps_to_threshold: np.ndarray
    diverged: np.ndarray
    unstable: np.ndarray
    threshold: float
    start_loss: float
    best: tuple[int, int] | None

    def config(self, row: int, col: int) -> dict:
        """The settings of one cell: ``{"rule": …, x_name: …, y_name: …}`` (batch_size None = full)."""
        out = {"rule": self.rule}
        for name, vals, i in ((self.x_name, self.x_values, col), (self.y_name, self.y_values, row)):
            v = vals[i]
            out[name] = int(v) if name == "batch_size" else float(v)
        return out


def _check_axis(spec, which: str, problem: Problem):
    if not (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], str)):
        raise ValueError(
            f"{which} must be a pair (name, values), e.g. ('lr', np.logspace(-4, 0, 30)); got {spec!r}"
        )
    name, values = spec
    check_choice(f"{which} axis", name, AXES)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{which} values must be numbers, got {values!r}") from err
    if arr.ndim != 1 or not 1 <= arr.size <= limits.MAX_GRID:
        raise ValueError(
            f"{which} values must be a 1-D sequence of 1 to {limits.MAX_GRID} numbers, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{which} values must be finite numbers, got {given(arr[~np.isfinite(arr)])}")
    arr = np.unique(arr)
    if name == "lr" and np.any(arr <= 0):
        raise ValueError(f"{which}: every learning rate must be > 0, got {given(arr[arr <= 0])}")
    if name == "batch_size":
        if not problem.has_data:
            raise ValueError(
                f"problem {problem.name!r} has no data, so batch_size cannot be an axis; "
                f"got {which}=('batch_size', …) (allowed axes: {', '.join(a for a in AXES if a != 'batch_size')})"
            )
        bad = (arr != np.round(arr)) | (arr < 1) | (arr > problem.n_samples)
        if np.any(bad):
            raise ValueError(
                f"{which}: batch sizes must be whole numbers from 1 to n = {problem.n_samples}, "
                f"got {given(arr[bad])}"
            )
        arr = arr.astype(np.int64)
    return name, arr


def _hyper_with(h: dict, name: str, values):
    """``h`` with hyperparameter ``name`` set to ``values`` (beta1/beta2 go into the betas pair)."""
    out = dict(h)
    if name in ("beta1", "beta2"):
        betas = list(out.get("betas", (0.9, 0.999)))
        betas[0 if name == "beta1" else 1] = values
        out["betas"] = tuple(betas)
    else:
        out[name] = values
    return out


def grid_sweep(
    problem: Problem,
    rule="momentum",
    *,
    x=("lr", None),
    y=("momentum", (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)),
    steps: int = 300,
    start=None,
    batch_size: int | None = None,
    seed: int = 0,
    threshold: float | None = None,
    schedule=None,
    **hyper,
) -> GridResult:
    """Every combination of two axes, each ``(name, values)`` with name in ``AXES``: the learning rate
    and a hyperparameter of ``rule`` (``momentum``, ``beta1`` …) or ``batch_size`` (data problems).
    ``x=("lr", None)`` means :data:`DEFAULT_LRS`. Hyperparameter grids run in one :func:`gdviz.run_many`
    call; a batch-size axis takes one call per batch size (all with the same ``seed``). Learning rates
    must not also be set through ``hyper``. ``schedule`` as in :func:`lr_sweep`.
    """
    _check_problem(problem)
    name, h = _rule_and_hyper(rule, hyper)
    if isinstance(x, (tuple, list)) and len(x) == 2 and x[0] == "lr" and x[1] is None:
        x = ("lr", DEFAULT_LRS)
    xn, xv = _check_axis(x, "x", problem)
    yn, yv = _check_axis(y, "y", problem)
    if xn == yn:
        raise ValueError(f"x and y must be different axes, got {xn!r} for both")
    steps = _check_steps(steps)
    seed = _check_seed(seed)
    threshold = _check_threshold(threshold)
    if batch_size is not None and "batch_size" in (xn, yn):
        raise ValueError(
            f"batch_size is an axis of this grid, so do not pass batch_size= as well; got batch_size={batch_size!r}"
        )
    ny, nx = yv.size, xv.size
    _check_budget(steps, nx * ny, problem, f"this {ny}×{nx} grid")
    loss = np.empty((steps + 1, ny, nx))
    diverged = np.empty((ny, nx), dtype=np.int64)
    resolved = {}
    if "batch_size" in (xn, yn):
        other_n, other_v = (yn, yv) if xn == "batch_size" else (xn, xv)
        bs = xv if xn == "batch_size" else yv
        for i, b in enumerate(bs):
            opt = optimizer(name, **_hyper_with(h, other_n, other_v))
            rec = run_many(
                problem,
                opt,
                steps=steps,
                start=start,
                runs=other_v.size,
                batch_size=int(b),
                seed=seed,
                schedule=schedule,
            )
            resolved = rec.hyper
            part = _pad(rec.loss, steps)
            if xn == "batch_size":
                loss[:, :, i], diverged[:, i] = part, rec.diverged
            else:
                loss[:, i, :], diverged[i, :] = part, rec.diverged
    else:
        gx, gy = np.meshgrid(xv, yv)
        hh = _hyper_with(_hyper_with(h, xn, gx.ravel()), yn, gy.ravel())
        opt = optimizer(name, **hh)
        rec = run_many(
            problem,
            opt,
            steps=steps,
            start=start,
            runs=nx * ny,
            batch_size=batch_size,
            seed=seed,
            schedule=schedule,
        )
        resolved = rec.hyper
        loss[:] = _pad(rec.loss, steps).reshape(steps + 1, ny, nx)
        diverged[:] = np.asarray(rec.diverged).reshape(ny, nx)
    start_loss = _start_loss(problem, start)
    final = loss[-1]
    with np.errstate(invalid="ignore"):
        lowest = np.min(np.where(np.isfinite(loss), loss, np.inf), axis=0)
    if threshold is None:
        threshold = default_threshold(problem, start_loss, float(lowest.min()))
    steps_to = _first_below(loss.reshape(steps + 1, -1), threshold).reshape(ny, nx)
    unstable = _unstable(final, diverged, start_loss)
    order = np.broadcast_to(np.arange(nx)[None, :], (ny, nx)).ravel().astype(float)
    b = _best(final.ravel(), steps_to.ravel(), unstable.ravel(), order, start_loss)
    return GridResult(
        problem=problem.name,
        rule=name,
        hyper={k: v for k, v in resolved.items() if k not in ("lr", xn, yn)},
        x_name=xn,
        x_values=xv,
        y_name=yn,
        y_values=yv,
        steps=steps,
        final_loss=final,
        min_loss=lowest,
        steps_to_threshold=steps_to,
        diverged=diverged,
        unstable=unstable,
        threshold=float(threshold),
        start_loss=start_loss,
        best=None if b is None else divmod(b, nx),
    )


# --- fair comparison ------------------------------------------------------------------------------------
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


# --- tune each ------------------------------------------------------------------------------------------
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
