"""The learning-rate sweep: one update rule at many learning rates in one vectorized pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.analysis.curvature import lr_limit
from gdviz.analysis.sweeps.common import (
    _best,
    _check_budget,
    _check_lrs,
    _check_problem,
    _check_steps,
    _check_threshold,
    _first_below,
    _rule_and_hyper,
    _start_loss,
    _unstable,
    default_threshold,
)
from gdviz.errors import check_number
from gdviz.optim import optimizer
from gdviz.problems.base import Problem
from gdviz.train import run_many


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
