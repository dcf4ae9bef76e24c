"""A two-dimensional grid: the learning rate crossed with a second axis (momentum, β1, batch size …)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz import limits
from gdviz.analysis.sweeps.common import (
    DEFAULT_LRS,
    _best,
    _check_budget,
    _check_problem,
    _check_steps,
    _check_threshold,
    _first_below,
    _rule_and_hyper,
    _start_loss,
    _unstable,
    default_threshold,
)
from gdviz.analysis.sweeps.lr import (
    _check_seed,
    _pad,
)
from gdviz.errors import check_choice, given
from gdviz.optim import optimizer, registry
from gdviz.problems.base import Problem
from gdviz.train import run_many


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
    axes = (*registry.axes(), "batch_size")  # a rule registered since import may add its own
    check_choice(f"{which} axis", name, axes)
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
                f"got {which}=('batch_size', …) (allowed axes: {', '.join(axes[:-1])})"
            )
        bad = (arr != np.round(arr)) | (arr < 1) | (arr > problem.n_samples)
        if np.any(bad):
            raise ValueError(
                f"{which}: batch sizes must be whole numbers from 1 to n = {problem.n_samples}, "
                f"got {given(arr[bad])}"
            )
        arr = arr.astype(np.int64)
    return name, arr


def _hyper_with(rule: str, h: dict, name: str, values):
    """``h`` with hyperparameter ``name`` set to ``values`` (a part of a pair, beta1, goes into it)."""
    return registry.fold(rule, {**h, name: values})


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
            opt = optimizer(name, **_hyper_with(name, h, other_n, other_v))
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
        hh = _hyper_with(name, _hyper_with(name, h, xn, gx.ravel()), yn, gy.ravel())
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
