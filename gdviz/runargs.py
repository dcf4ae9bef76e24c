"""The arguments of a run, checked: ``run_settings`` turns what ``gdviz.train.run_many`` was given
into a :class:`RunSettings`, or raises the ValueError that names the first bad argument.

Ranges are the core's: the step, run and record limits in ``gdviz.limits``, a schedule's learning
rates in the range the optimizer registry declares (``gdviz.optim.base.check_lr_values``); the
optimizer's own hyperparameters were checked when it was built. Every message has the shape of
``gdviz.errors``. The checks run in a fixed order, so a call with several bad arguments always
names the same one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdviz import limits
from gdviz.errors import check_number, given
from gdviz.optim import Optimizer
from gdviz.optim.base import check_lr_values
from gdviz.optim.schedules import Schedule, as_schedule
from gdviz.problems.base import Problem


@dataclass(frozen=True, eq=False)
class RunSettings:
    """One call of the run loop, checked. R runs of P parameters for up to ``steps`` updates."""

    steps: int
    runs: int
    start: np.ndarray  # (R, P), float64
    seeds: np.ndarray  # (R,), int64: run r samples its batches from seed r
    batch_size: int | None  # None: every step takes the full gradient
    lr: np.ndarray  # (steps, R): every step's learning rate, the record's column
    optimizer: Optimizer  # as the caller gave it: the record is named after it
    bound: Optimizer  # the same with the run's learning rate (or schedule) bound: what steps
    stop_loss: float | None
    shuffle: bool
    replacement: bool
    keep: np.ndarray | None  # the steps whose states a thinned record stores; None: every step
    params_dtype: type  # float32 for a record thinned by count, else float64
    progress: Callable[[int, int], None] | None


def run_settings(
    problem: Problem,
    optimizer: Optimizer,
    *,
    steps,
    start,
    runs,
    batch_size,
    seed,
    schedule,
    stop_loss,
    shuffle,
    replacement,
    keep,
    progress,
) -> RunSettings:
    """``run_many``'s arguments checked and resolved (its docstring says what each one means)."""
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem (see gdviz.problem), got {type(problem).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"optimizer must be a gdviz Optimizer (see gdviz.optimizer), got {type(optimizer).__name__}"
        )
    steps = _check_steps(steps)
    b = _resolve_batch(problem, batch_size)
    P = problem.n_params
    if stop_loss is not None:
        stop_loss = check_number("stop_loss", stop_loss)
    plan = None if keep is None else _keep_plan(keep, steps)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable (done, total) or None, got {progress!r}")

    bound = _bind_lr(optimizer, schedule, steps)
    sizes = _per_run_sizes(bound)  # where a number of runs comes from: the message names them
    start_arr = _check_start(problem, start)
    if start_arr.ndim == 2:
        sizes["start"] = start_arr.shape[0]
    seed_arr = np.asarray(seed)
    if seed_arr.ndim > 1 or seed_arr.dtype.kind not in "iu" or np.any(seed_arr < 0):
        raise ValueError(f"seed must be a whole number ≥ 0 or a 1-D array of them, got {seed!r}")
    if seed_arr.ndim == 1:
        sizes["seed"] = seed_arr.shape[0]
    if runs is not None:
        sizes["runs"] = check_number("runs", runs, lo=1, hi=limits.MAX_RUNS, integer=True)
    if len(set(sizes.values())) > 1:
        raise ValueError(
            "inconsistent number of runs: every per-run value must have one entry per run, got "
            + ", ".join(f"{k}: {n}" for k, n in sizes.items())
        )
    R = next(iter(sizes.values()), 1)
    if R > limits.MAX_RUNS:
        raise ValueError(f"the number of runs must be ≤ {limits.MAX_RUNS}, got {R}")
    states = steps + 1 if plan is None else len(plan)
    stored = states * R * P
    if stored > limits.MAX_RECORD_VALUES:
        raise ValueError(
            f"states × runs × parameters must be at most {limits.MAX_RECORD_VALUES:,} stored values, "
            f"got {states:,} × {R:,} × {P:,} = {stored:,}; use fewer steps or runs"
            + ("" if keep is not None else ", or keep fewer states (keep=…)")
        )
    return RunSettings(
        steps=steps,
        runs=R,
        start=np.broadcast_to(start_arr, (R, P)).copy(),
        seeds=np.broadcast_to(seed_arr, (R,)).astype(np.int64),
        batch_size=b,
        lr=_lr_table(bound.hyper["lr"], steps, R),
        optimizer=optimizer,
        bound=bound,
        stop_loss=stop_loss,
        shuffle=shuffle,
        replacement=replacement,
        keep=plan,
        # steps the caller named are states it wants exactly; a thinned-by-count record only draws
        params_dtype=np.float32 if plan is not None and np.ndim(keep) == 0 else np.float64,
        progress=progress,
    )


def _check_steps(steps):
    return check_number("steps", steps, lo=1, hi=limits.MAX_STEPS, integer=True)


def _resolve_batch(problem: Problem, batch_size):
    if batch_size is None:
        return None
    if not problem.has_data:
        raise ValueError(
            f"problem {problem.name!r} has no data, so batch_size must be None (full gradient); "
            f"got {batch_size!r}"
        )
    n = problem.n_samples
    b = check_number("batch_size", batch_size, lo=1, hi=n, integer=True)
    return None if b == n else b


def _check_start(problem: Problem, start) -> np.ndarray:
    """The start point(s) as a new float array, (P,) or (R, P)."""
    P = problem.n_params
    start_arr = problem.start if start is None else start
    try:
        start_arr = np.array(start_arr, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"start must be numbers, got {start!r}") from err
    if start_arr.ndim not in (1, 2):
        raise ValueError(f"start must have shape ({P},) or (runs, {P}), got {start_arr.shape}")
    if start_arr.shape[-1] != P:
        raise ValueError(
            f"start must have {P} values ({', '.join(problem.param_names)}), got {start_arr.shape[-1]}"
        )
    if not np.all(np.isfinite(start_arr)):
        raise ValueError(f"start must be finite numbers, got {given(start_arr)}")
    return start_arr


def _per_run_sizes(opt: Optimizer) -> dict[str, int]:
    """The number of runs each per-run hyperparameter array implies, by the hyperparameter's name."""
    sizes: dict[str, int] = {}
    for key, v in (*opt.hyper.items(), ("schedule lr", getattr(opt.hyper["lr"], "lr", None))):
        # betas is a pair whose members may be per-run arrays; a schedule may scale per-run lrs
        for u in v if isinstance(v, tuple) else (v,):
            if isinstance(u, np.ndarray) and u.ndim >= 1 and u.size > 1:
                sizes[key] = u.shape[0]
    return sizes


def _bind_lr(opt: Optimizer, schedule, steps: int) -> Optimizer:
    """The optimizer whose lr the run will use: its own, or the ``schedule`` given to run() (a thin
    wrapper for notebooks: the same as ``optimizer(rule, lr=schedule)``), with a schedule's missing
    base lr and horizon filled in from the optimizer and the run's length. Done once, before the loop.
    """
    lr = opt.hyper["lr"]
    if schedule is not None:
        if isinstance(schedule, (int, float, np.ndarray, list, tuple)) and not callable(schedule):
            schedule = as_schedule(
                np.asarray(schedule, dtype=float) if not np.isscalar(schedule) else schedule
            )
        if not callable(schedule):
            raise ValueError(
                "schedule must be a gdviz Schedule (see gdviz.schedule), a callable step -> lr, "
                f"or a number; got {schedule!r}"
            )
        if isinstance(schedule, Schedule):
            schedule = schedule.bind(None if callable(lr) else lr, steps)
        lr = schedule
    elif isinstance(lr, Schedule) and not lr.bound:
        lr = lr.bind(None, steps)
    return opt if lr is opt.hyper["lr"] else opt.with_lr(lr)


def _lr_table(lr, steps: int, runs: int) -> np.ndarray:
    """The learning rate of every step, ``(steps, R)``: the record's ``lr`` column, and the one check
    that a schedule gives learning rates."""
    if not callable(lr):
        return np.broadcast_to(np.asarray(lr, dtype=float).reshape(-1), (steps, runs)).copy()
    try:
        vals = lr.values(steps) if isinstance(lr, Schedule) else np.asarray(lr(np.arange(steps)), dtype=float)
        if vals.shape not in ((steps,), (steps, runs), (steps, 1)):
            raise ValueError
    except (TypeError, ValueError):
        # a callable of one step at a time
        vals = np.asarray([np.asarray(lr(k), dtype=float) for k in range(steps)], dtype=float)
    return check_lr_values(np.broadcast_to(vals.reshape(steps, -1), (steps, runs)).copy())


def thin_stride(steps: int, keep: int) -> int:
    """The odd stride at which a thinned record keeps states so that at most ``keep`` rows remain
    (the last state is always kept too). Odd, so that a period-2 zigzag stays a zigzag."""
    s = max(1, math.ceil(steps / max(1, keep - 2)))
    return s if s % 2 else s + 1


def _kept_steps(done: int, stride: int) -> np.ndarray:
    kept = np.arange(0, done + 1, stride)
    return kept if kept[-1] == done else np.append(kept, done)


def _keep_plan(keep, steps: int) -> np.ndarray:
    """The steps whose states a thinned record stores (always the first and the last)."""
    if np.ndim(keep) == 0:
        return _kept_steps(steps, thin_stride(steps, check_number("keep", keep, lo=2, integer=True)))
    arr = np.asarray(keep)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() > steps:
        raise ValueError(
            f"keep must be a whole number ≥ 2 or a 1-D array of steps 0 … {steps}, got {keep!r}"[:300]
        )
    return np.unique(np.concatenate([[0], arr, [steps]])).astype(np.int64)


__all__ = ["RunSettings", "run_settings", "thin_stride"]
