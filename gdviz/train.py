"""The run loop: advance one or many runs of an update rule on a problem and record everything.

``run`` is one trajectory; ``run_many`` advances R runs (different hyperparameters, learning rates,
start points or seeds) in one array step. ``run`` is ``run_many`` with R = 1, so a sweep row and a
single run with the same settings are the same numbers.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Callable

import numpy as np

from gdviz import limits
from gdviz.errors import check_number, given
from gdviz.optim import Optimizer
from gdviz.optim.base import check_lr_values
from gdviz.optim.schedules import Schedule, as_schedule
from gdviz.problems.base import Problem
from gdviz.record import STOP_DIVERGED, STOP_LOSS, STOP_STEPS, Record, first_below, squeeze
from gdviz.serve import meter

# A state counts as diverged when it stops being finite or runs away: |θ| beyond this bound, or a
# loss this many times larger than where it started. Both are far outside anything drawable, so a
# run that crosses them is not coming back in a way a learner could watch.
PARAM_BOUND = 1e12
LOSS_GROWTH = 1e12


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


class _Sampler:
    """Mini-batch indices for every run, drawn from one Generator per distinct seed.

    Runs that share a seed share the sample order (common random numbers), which makes sweeps over
    hyperparameters fair and costs one permutation per seed instead of one per run.
    """

    def __init__(self, n: int, b: int, seeds: np.ndarray, shuffle: bool, replacement: bool):
        self.n, self.b, self.shuffle, self.replacement = n, b, shuffle, replacement
        uniq, inverse = np.unique(seeds, return_inverse=True)
        self.rngs = [np.random.default_rng(int(s)) for s in uniq]
        self.inverse = inverse
        self.orders = [None] * len(uniq)
        self.pos = 0

    def next(self) -> np.ndarray:
        n, b = self.n, self.b
        if self.replacement:
            rows = [rng.integers(0, n, size=b) for rng in self.rngs]
            return np.stack(rows)[self.inverse]
        if self.pos >= n or self.orders[0] is None:
            self.pos = 0
            if self.shuffle:
                self.orders = [rng.permutation(n) for rng in self.rngs]
            else:
                self.orders = [np.arange(n)] * len(self.rngs)
        stop = min(self.pos + b, n)  # the last, partial batch of an epoch is kept
        rows = [order[self.pos : stop] for order in self.orders]
        self.pos = stop
        return np.stack(rows)[self.inverse]


def run_many(
    problem: Problem,
    optimizer: Optimizer,
    *,
    steps: int,
    start=None,
    runs: int | None = None,
    batch_size: int | None = None,
    seed=0,
    schedule=None,
    stop_loss: float | None = None,
    shuffle: bool = True,
    replacement: bool = False,
    keep=None,
    progress: Callable[[int, int], None] | None = None,
) -> Record:
    """Advance R runs at once; every array in the record has a runs axis after the step axis.

    R comes from ``runs``, or from per-run hyperparameter arrays of ``optimizer``, a ``(R, P)``
    ``start``, or an array ``seed``. An int ``seed`` gives every run the same sample order (fair
    for comparing hyperparameters); an array gives run r the seed ``seed[r]``, exactly as
    ``run(..., seed=seed[r])`` would.

    ``keep`` (≥ 2) stores at most that many parameter rows, thinned (see :class:`Record`): what a
    large model's record needs to be drawn, at a fraction of the memory; a 1-D array of steps stores
    exactly those states (and the first and last), in float64. ``progress(done, total)``
    is called about every PROGRESS_SECONDS of work; it may raise to abandon the run (the exception
    propagates, nothing is returned).
    """
    meter.charge("runs")
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
    if progress is None:
        progress = _REPORTING.get()
    exact = keep is not None and np.ndim(keep) == 1
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable (done, total) or None, got {progress!r}")

    opt = _bind_lr(optimizer, schedule, steps)
    sizes: dict[str, int] = {}  # where a number of runs comes from: the message names them
    for key, v in (*opt.hyper.items(), ("schedule lr", getattr(opt.hyper["lr"], "lr", None))):
        # betas is a pair whose members may be per-run arrays; a schedule may scale per-run lrs
        for u in v if isinstance(v, tuple) else (v,):
            if isinstance(u, np.ndarray) and u.ndim >= 1 and u.size > 1:
                sizes[key] = u.shape[0]
    start_arr = problem.start if start is None else start
    try:
        start_arr = np.array(start_arr, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"start must be numbers, got {start!r}") from err
    if start_arr.ndim == 2:
        sizes["start"] = start_arr.shape[0]
    elif start_arr.ndim != 1:
        raise ValueError(f"start must have shape ({P},) or (runs, {P}), got {start_arr.shape}")
    if start_arr.shape[-1] != P:
        raise ValueError(
            f"start must have {P} values ({', '.join(problem.param_names)}), got {start_arr.shape[-1]}"
        )
    if not np.all(np.isfinite(start_arr)):
        raise ValueError(f"start must be finite numbers, got {given(start_arr)}")
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
    seeds = np.broadcast_to(seed_arr, (R,)).astype(np.int64)
    theta = np.broadcast_to(start_arr, (R, P)).copy()

    table = _lr_table(opt.hyper["lr"], steps, R)
    loop = _Loop(problem, opt, theta, steps, b, seeds, stop_loss, shuffle, replacement, plan, exact, progress)
    return loop.record(optimizer, table)


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


# How often the run loop reports progress (and gives a caller the chance to stop it), in seconds.
PROGRESS_SECONDS = 0.1
_REPORTING: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar(
    "gdviz_reporting", default=None
)


@contextlib.contextmanager
def reporting(progress: Callable[[int, int], None]):
    """Inside this block every run loop without its own ``progress`` reports to (and can be stopped
    by) ``progress(done, total)``: how a worker watches library code that runs many loops, such as a
    sweep, without threading a callback through every call."""
    token = _REPORTING.set(progress)
    try:
        yield
    finally:
        _REPORTING.reset(token)


class _Loop:
    """One pass of the run loop; ``record`` assembles what it did. A class only so that the loop's
    many arrays have one home: the hot loop itself is written with locals."""

    def __init__(
        self, problem, opt, theta, steps, b, seeds, stop_loss, shuffle, replacement, plan, exact, progress
    ):
        R, P = theta.shape
        self.problem, self.b, self.seeds, self.thin = problem, b, seeds, plan is not None
        T = steps
        n = problem.n_samples
        thin = self.thin
        if thin:
            # row_of[k] is the row that stores step k's state, −1 for a step not kept
            row_of = np.full(T + 1, -1, dtype=np.int64)
            row_of[plan] = np.arange(len(plan))
            row_of = row_of.tolist()  # list indexing is the cheapest lookup inside the loop
        params = np.empty(
            (len(plan) if thin else T + 1, R, P), dtype=np.float32 if thin and not exact else float
        )
        loss = np.empty((T + 1, R))
        grads = np.empty((0 if thin else T, R, P))
        batch_loss = np.empty((T, R))
        clock = np.empty(T + 1)
        batch_sizes = np.zeros(T, dtype=np.int64)
        steps_done = np.full(R, T, dtype=np.int64)
        diverged = np.full(R, -1, dtype=np.int64)
        reason = np.full(R, STOP_STEPS, dtype=object)
        active = np.ones(R, dtype=bool)
        any_stopped = False

        sampler = _Sampler(n, b, seeds, shuffle, replacement) if b is not None else None
        update = opt.update
        lg = problem.loss_and_grad_trusted
        full_loss = problem.loss
        blg = problem.batch_loss_and_grad

        t0 = time.perf_counter()
        next_report = t0 + PROGRESS_SECONDS
        with np.errstate(all="ignore"):
            state = opt.init(theta)
            params[0] = theta
            if sampler is None:
                cur_loss, g = lg(theta)
            else:
                cur_loss = full_loss(theta)
            loss[0] = cur_loss
            loss_bound = LOSS_GROWTH * (1.0 + np.abs(cur_loss))
            if not np.all(np.isfinite(cur_loss)):
                r = int(np.flatnonzero(~np.isfinite(cur_loss))[0])
                raise ValueError(
                    "start must be a point where the loss is finite (choose another start), got "
                    f"{given(theta[r])}, where the loss is not finite at the start"
                    + (f" of run {r}" if R > 1 else "")
                )
            clock[0] = 0.0
            done = T
            if stop_loss is not None:
                # a start already below the threshold needs no step at all
                hit = cur_loss < stop_loss
                if hit.any():
                    steps_done[hit] = 0
                    reason[hit] = STOP_LOSS
                    active &= ~hit
                    any_stopped = True
                    if not active.any():
                        done = 0
            for k in range(done):
                if sampler is None:
                    bl = cur_loss
                    batch_sizes[k] = n or 0
                else:
                    idx = sampler.next()
                    bl, g = blg(theta, idx)
                    batch_sizes[k] = idx.shape[1]
                if not thin:
                    grads[k] = g
                batch_loss[k] = bl
                upd, state = update(g, state, theta)
                new = theta + upd
                if sampler is None:
                    new_loss, new_g = lg(new)
                else:
                    new_loss = full_loss(new)
                # NaN fails every comparison, so this one check catches NaN, ±inf and a loss blow-up.
                # Parameters running away with a bounded loss are rare: a full record finds them
                # after the loop; a thinned one cannot (the rows are gone), so it checks here.
                ok = new_loss < loss_bound
                if thin:
                    ok &= np.abs(new).max(axis=1) < PARAM_BOUND
                if any_stopped or not ok.all():
                    bad = ~ok & active
                    if bad.any():
                        diverged[bad] = k + 1
                        steps_done[bad] = k
                        reason[bad] = STOP_DIVERGED
                        active &= ~bad
                        any_stopped = True
                    frozen = ~active
                    new = np.where(frozen[:, None], theta, new)
                    new_loss = np.where(frozen, cur_loss, new_loss)
                    if sampler is None:
                        new_g = np.where(frozen[:, None], g, new_g)
                theta = new
                cur_loss = new_loss
                if sampler is None:
                    g = new_g
                if not thin:
                    params[k + 1] = theta
                elif row_of[k + 1] >= 0:
                    params[row_of[k + 1]] = theta
                loss[k + 1] = cur_loss
                now = time.perf_counter()
                clock[k + 1] = now - t0
                if stop_loss is not None:
                    hit = active & (cur_loss < stop_loss)
                    if hit.any():
                        steps_done[hit] = k + 1
                        reason[hit] = STOP_LOSS
                        active &= ~hit
                        any_stopped = True
                if any_stopped and not active.any():
                    done = k + 1
                    break
                if progress is not None and now >= next_report:
                    progress(k + 1, T)
                    next_report = time.perf_counter() + PROGRESS_SECONDS

        if thin:
            # the states kept up to where the loop ended, and the last one, wherever it fell
            kept = plan[plan <= done]
            if kept[-1] != done:
                kept = np.append(kept, done)
            params = params[: len(kept)]
            params[-1] = theta
        else:
            params = params[: done + 1]
        loss = loss[: done + 1]
        if not thin:
            _runaway_params(params, loss, grads, batch_loss, steps_done, diverged, reason)
            grads = grads[:done]
        self.params, self.loss, self.grads = params, loss, grads
        self.batch_loss, self.clock, self.batch_sizes = batch_loss[:done], clock[: done + 1], batch_sizes
        self.steps_done, self.diverged, self.reason, self.done = steps_done, diverged, reason, done
        self.kept = kept if thin else None
        self.last = theta.copy() if thin else None

    def record(self, orig_opt: Optimizer, table: np.ndarray) -> Record:
        done, R = self.done, self.params.shape[1]
        steps_done, grads, batch_loss = self.steps_done, self.grads, self.batch_loss
        n = self.problem.n_samples
        lr = table[:done].copy()
        # A run that stopped keeps its last state, but its per-step columns beyond the stop are not
        # steps it took: mark them NaN so no curve or statistic counts them.
        for r in np.flatnonzero(steps_done < done):
            s = steps_done[r]
            grads[s:, r] = np.nan
            batch_loss[s:, r] = np.nan
            lr[s:, r] = np.nan
        samples = np.concatenate([[0], np.cumsum(self.batch_sizes[:done])])
        samples_seen = np.broadcast_to(samples[:, None], (done + 1, R)).copy()
        evals = np.broadcast_to(np.arange(done + 1)[:, None], (done + 1, R)).copy()
        for r in np.flatnonzero(steps_done < done):
            s = steps_done[r]
            samples_seen[s + 1 :, r] = samples_seen[s, r]
            evals[s + 1 :, r] = s
        epoch = samples_seen / n if n else evals.astype(float)
        return Record(
            problem=self.problem.name,
            optimizer=orig_opt.label or orig_opt.name,
            hyper=dict(orig_opt.hyper),
            params=self.params,
            loss=self.loss,
            grad=grads,
            batch_loss=batch_loss,
            lr=lr,
            samples_seen=samples_seen,
            grad_evals=evals,
            epoch=epoch,
            time=self.clock,
            steps_done=steps_done,
            diverged=self.diverged,
            stop_reason=self.reason,
            batch_size=self.b,
            seed=self.seeds,
            n_samples=n,
            param_steps=self.kept,
            last_params=self.last,
        )


def _runaway_params(params, loss, grads, batch_loss, steps_done, diverged, reason):
    """Treat |θ| ≥ PARAM_BOUND as divergence too, after the fact: freeze each such run at its last
    state inside the bound, exactly as the loop freezes a run whose loss blows up."""
    with np.errstate(invalid="ignore"):
        # cheap whole-array test first: NaN fails it too, so a NaN still falls through
        if params.max() < PARAM_BOUND and params.min() > -PARAM_BOUND:
            return
        inside = np.abs(params).max(axis=2) < PARAM_BOUND  # (T+1, R); NaN counts as outside
    for r in np.flatnonzero(~inside.all(axis=0)):
        j = int(np.argmin(inside[:, r]))  # first row outside
        if j == 0 or (diverged[r] >= 0 and diverged[r] <= j):
            continue
        diverged[r] = j
        steps_done[r] = j - 1
        reason[r] = STOP_DIVERGED
        params[j:, r] = params[j - 1, r]
        loss[j:, r] = loss[j - 1, r]


def run(
    problem: Problem,
    optimizer: Optimizer,
    *,
    steps: int,
    start=None,
    batch_size: int | None = None,
    seed: int = 0,
    schedule=None,
    stop_loss: float | None = None,
    shuffle: bool = True,
    replacement: bool = False,
    keep: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Record:
    """Run ``optimizer`` on ``problem`` for up to ``steps`` updates from ``start``.

    ``batch_size`` None (or n) is full-batch GD, b a mini-batch of b samples, 1 plain SGD.
    Samples are reshuffled every epoch (the last partial batch is kept); ``shuffle=False`` keeps
    the data order, ``replacement=True`` draws every batch independently with replacement.
    The run stops early when the full loss falls below ``stop_loss`` or when it diverges (the
    record then ends at the last finite state and ``diverged`` names the step that blew up).
    ``keep`` and ``progress`` as in :func:`run_many`.
    """
    if np.ndim(seed) != 0:
        raise ValueError(f"seed must be one whole number ≥ 0 for run(); use run_many for many, got {seed!r}")
    if start is not None and np.ndim(start) != 1:
        raise ValueError(
            f"start must have shape ({problem.n_params},) for run(); use run_many for many, "
            f"got shape {np.shape(start)}"
        )
    many = run_many(
        problem,
        optimizer,
        steps=steps,
        start=start,
        runs=1,
        batch_size=batch_size,
        seed=seed,
        schedule=schedule,
        stop_loss=stop_loss,
        shuffle=shuffle,
        replacement=replacement,
        keep=keep,
        progress=progress,
    )
    return squeeze(many, 0)


__all__ = [
    "PROGRESS_SECONDS",
    "Record",
    "first_below",
    "reporting",
    "run",
    "run_many",
    "squeeze",
    "thin_stride",
]
