"""The run loop: advance one or many runs of an update rule on a problem and record everything.

``run`` is one trajectory; ``run_many`` advances R runs (different hyperparameters, learning rates,
start points or seeds) in one array step. ``run`` is ``run_many`` with R = 1, so a sweep row and a
single run with the same settings are the same numbers.

``run_many`` checks its arguments (``gdviz.runargs``), ``_loop`` is the loop itself, read top to
bottom, and ``_record`` turns what it wrote into a :class:`gdviz.record.Record`.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable

import numpy as np

from gdviz.errors import given
from gdviz.optim import Optimizer
from gdviz.problems.base import Problem
from gdviz.record import STOP_DIVERGED, STOP_LOSS, STOP_STEPS, Record, first_below, squeeze

# _bind_lr, _check_steps, _lr_table: gdviz.parallel builds its own loop from them, imported from here
from gdviz.runargs import RunSettings, _bind_lr, _check_steps, _lr_table, run_settings, thin_stride  # noqa: F401
from gdviz.serve import meter

# A state counts as diverged when it stops being finite or runs away: |θ| beyond this bound, or a
# loss this many times larger than where it started. Both are far outside anything drawable, so a
# run that crosses them is not coming back in a way a learner could watch.
PARAM_BOUND = 1e12
LOSS_GROWTH = 1e12

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
    settings = run_settings(
        problem,
        optimizer,
        steps=steps,
        start=start,
        runs=runs,
        batch_size=batch_size,
        seed=seed,
        schedule=schedule,
        stop_loss=stop_loss,
        shuffle=shuffle,
        replacement=replacement,
        keep=keep,
        progress=_REPORTING.get() if progress is None else progress,
    )
    return _loop(problem, settings)


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


def _loop(problem: Problem, s: RunSettings) -> Record:
    """The run loop: ``s.runs`` runs of ``s.steps`` updates at most, every state and step written
    down. A run that stops (its loss below ``stop_loss``, or diverged) is frozen at its last state
    while the others go on; the loop ends when every run has stopped."""
    T, R, P, n = s.steps, s.runs, problem.n_params, problem.n_samples
    thin = s.keep is not None
    params = np.empty((len(s.keep) if thin else T + 1, R, P), dtype=s.params_dtype)
    if thin:
        # row_of[k] is the row that stores step k's state, −1 for a step not kept; a list, because
        # list indexing is the cheapest lookup inside the loop
        row_of = np.full(T + 1, -1, dtype=np.int64)
        row_of[s.keep] = np.arange(len(s.keep))
        row_of = row_of.tolist()
    loss = np.empty((T + 1, R))
    grads = np.empty((0 if thin else T, R, P))  # a thinned record keeps no gradients
    batch_loss = np.empty((T, R))
    clock = np.empty(T + 1)
    batch_sizes = np.zeros(T, dtype=np.int64)
    steps_done = np.full(R, T, dtype=np.int64)
    diverged = np.full(R, -1, dtype=np.int64)
    reason = np.full(R, STOP_STEPS, dtype=object)
    active = np.ones(R, dtype=bool)
    any_stopped = False  # until a run stops, a step needs no masking at all

    # The loop reads locals only: at a few µs per step, attribute lookups would show.
    sampler = (
        _Sampler(n, s.batch_size, s.seeds, s.shuffle, s.replacement) if s.batch_size is not None else None
    )
    update = s.bound.update
    lg = problem.loss_and_grad_trusted
    full_loss = problem.loss
    blg = problem.batch_loss_and_grad
    stop_loss, progress = s.stop_loss, s.progress
    theta = s.start

    t0 = time.perf_counter()
    next_report = t0 + PROGRESS_SECONDS
    with np.errstate(all="ignore"):
        state = s.bound.init(theta)
        params[0] = theta
        if sampler is None:
            cur_loss, g = lg(theta)  # full batch: one call gives a state's loss and its step's gradient
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
                any_stopped = _stop(hit, 0, STOP_LOSS, steps_done, reason, active)
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

            # divergence: NaN fails every comparison, so this one check catches NaN, ±inf and a loss
            # blow-up. Parameters running away with a bounded loss are rare: a full record finds them
            # after the loop (_runaway_params); a thinned one cannot (the rows are gone), so it
            # checks here. Stopped runs keep their last state.
            ok = new_loss < loss_bound
            if thin:
                ok &= np.abs(new).max(axis=1) < PARAM_BOUND
            if any_stopped or not ok.all():
                bad = ~ok & active
                if bad.any():
                    diverged[bad] = k + 1  # the state that blew up; k, the last good one, is kept
                    any_stopped = _stop(bad, k, STOP_DIVERGED, steps_done, reason, active)
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
                    any_stopped = _stop(hit, k + 1, STOP_LOSS, steps_done, reason, active)
            if any_stopped and not active.any():
                done = k + 1
                break
            # progress last: it may raise to abandon the run, and this step is recorded by then
            if progress is not None and now >= next_report:
                progress(k + 1, T)
                next_report = time.perf_counter() + PROGRESS_SECONDS

    return _record(
        problem,
        s,
        done=done,
        theta=theta,
        params=params,
        loss=loss,
        grads=grads,
        batch_loss=batch_loss,
        clock=clock,
        batch_sizes=batch_sizes,
        steps_done=steps_done,
        diverged=diverged,
        reason=reason,
    )


def _stop(runs, step, why, steps_done, reason, active) -> bool:
    """Mark ``runs`` (a mask) as stopped after ``step`` updates, for ``why``; True, for the loop's
    ``any_stopped``."""
    steps_done[runs] = step
    reason[runs] = why
    active &= ~runs
    return True


def _record(
    problem,
    s,
    *,
    done,
    theta,
    params,
    loss,
    grads,
    batch_loss,
    clock,
    batch_sizes,
    steps_done,
    diverged,
    reason,
) -> Record:
    """What the loop wrote, cut to the ``done`` steps it took, as a :class:`Record`."""
    R = s.runs
    kept = last = None
    if s.keep is not None:
        # the states kept up to where the loop ended, and the last one, wherever it fell
        kept = s.keep[s.keep <= done]
        if kept[-1] != done:
            kept = np.append(kept, done)
        params = params[: len(kept)]
        params[-1] = theta
        last = theta.copy()
    else:
        params = params[: done + 1]
    loss = loss[: done + 1]
    if s.keep is None:
        _runaway_params(params, loss, grads, batch_loss, steps_done, diverged, reason)
        grads = grads[:done]
    batch_loss = batch_loss[:done]
    lr = s.lr[:done].copy()
    # A run that stopped keeps its last state, but its per-step columns beyond the stop are not
    # steps it took: mark them NaN so no curve or statistic counts them.
    for r in np.flatnonzero(steps_done < done):
        grads[steps_done[r] :, r] = np.nan
        batch_loss[steps_done[r] :, r] = np.nan
        lr[steps_done[r] :, r] = np.nan
    samples = np.concatenate([[0], np.cumsum(batch_sizes[:done])])
    samples_seen = np.broadcast_to(samples[:, None], (done + 1, R)).copy()
    evals = np.broadcast_to(np.arange(done + 1)[:, None], (done + 1, R)).copy()
    for r in np.flatnonzero(steps_done < done):
        samples_seen[steps_done[r] + 1 :, r] = samples_seen[steps_done[r], r]
        evals[steps_done[r] + 1 :, r] = steps_done[r]
    n = problem.n_samples
    return Record(
        problem=problem.name,
        optimizer=s.optimizer.label or s.optimizer.name,
        hyper=dict(s.optimizer.hyper),
        params=params,
        loss=loss,
        grad=grads,
        batch_loss=batch_loss,
        lr=lr,
        samples_seen=samples_seen,
        grad_evals=evals,
        epoch=samples_seen / n if n else evals.astype(float),
        time=clock[: done + 1],
        steps_done=steps_done,
        diverged=diverged,
        stop_reason=reason,
        batch_size=s.batch_size,
        seed=s.seeds,
        n_samples=n,
        param_steps=kept,
        last_params=last,
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
