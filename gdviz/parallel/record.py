"""What a simulated parallel run did: a ``gdviz.train.Record`` (so every curve, metric and helper
that reads a run reads this one) plus the simulated clock, the workers' timelines and what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gdviz.errors import given
from gdviz.train import LOSS_GROWTH, PARAM_BOUND, STOP_DIVERGED, STOP_LOSS, STOP_STEPS, Record

EVENT_KINDS = ("compute", "communicate", "idle")
COMPUTE, COMMUNICATE, IDLE = range(3)


class Events(NamedTuple):
    """Every worker's timeline as intervals of simulated seconds: ``worker``, ``kind`` (an index
    into ``EVENT_KINDS``), ``start``, ``end`` (all ``(E,)``); each kind's intervals in the order
    they were simulated (sort by ``start`` for one timeline)."""

    worker: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def of(self, worker: int, kind: str | None = None) -> np.ndarray:
        """The ``(n, 2)`` intervals of one worker (of one kind)."""
        keep = self.worker == worker
        if kind is not None:
            keep &= self.kind == EVENT_KINDS.index(kind)
        return np.column_stack([self.start[keep], self.end[keep]])

    def busy(self, kind: str, workers: int | None = None) -> np.ndarray:
        """Seconds each worker spent in ``kind``, ``(workers,)`` (default: up to the last worker
        that has an event)."""
        keep = self.kind == EVENT_KINDS.index(kind)
        K = int(self.worker.max()) + 1 if self.worker.size else 0
        K = K if workers is None else workers
        seconds = (self.end - self.start)[keep]
        return np.bincount(self.worker[keep], weights=seconds, minlength=K).astype(float)


@dataclass(frozen=True, eq=False)
class ParallelRecord(Record):
    """A :class:`gdviz.train.Record` of the shared model, with ``time`` the *simulated* seconds of
    every state (non-decreasing) instead of wall-clock ones, and ``grad_evals`` counting the worker
    gradients that entered the updates. Per update: ``staleness`` (updates the server applied
    between a worker's pull and its push; 0 for synchronous strategies), ``bits`` (sent by all
    workers towards the aggregate), ``comm_seconds`` (worker-seconds spent communicating). ``synced[k]``:
    state k is an average every worker agrees on (always, except between local SGD's rounds).
    """

    strategy: str = ""
    workers: int = 1
    staleness: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bits: np.ndarray = field(default_factory=lambda: np.zeros(0))
    comm_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    synced: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    events: Events | None = None
    options: dict = field(default_factory=dict)

    @property
    def comm_share(self) -> float:
        """The share of the workers' simulated time spent communicating (0 for an empty run):
        ``comm_seconds`` sums worker-seconds, so it is divided by workers × elapsed time."""
        total = float(self.time[-1]) * self.workers
        return float(self.comm_seconds.sum()) / total if total > 0 else 0.0


class EventLog:
    """Collects intervals; the arrays are assembled once, at the end.

    ``add`` takes any intervals; ``add_round`` the usual shape of a synchronous step (every worker
    computes from ``t0`` for ``c[w]`` seconds, the chosen ones wait until ``t0 + c_end``, then all
    communicate until ``t1``) and only keeps references, so that logging costs the hot loop nothing.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []
        self.rounds: list[tuple[float, np.ndarray, float, float, np.ndarray | None]] = []

    def add(self, workers, kind: int, start, end):
        if not self.enabled:
            return
        workers = np.atleast_1d(np.asarray(workers, dtype=np.int64))
        start = np.broadcast_to(np.asarray(start, dtype=float), workers.shape)
        end = np.broadcast_to(np.asarray(end, dtype=float), workers.shape)
        keep = end > start
        if keep.any():
            self.parts.append((workers[keep], kind, start[keep], end[keep]))

    def add_round(self, t0: float, c: np.ndarray, c_end: float, t1: float, chosen: np.ndarray | None = None):
        """``chosen``: a mask of the workers that wait for the step's end (None: all)."""
        if self.enabled:
            self.rounds.append((t0, c, c_end, t1, chosen))

    def _round_parts(self):
        if not self.rounds:
            return
        t0 = np.array([r[0] for r in self.rounds])[:, None]
        c = np.stack([r[1] for r in self.rounds])
        c_end = np.array([r[2] for r in self.rounds])[:, None]
        t1 = np.array([r[3] for r in self.rounds])[:, None]
        T, W = c.shape
        chosen = np.stack([np.ones(W, dtype=bool) if r[4] is None else r[4] for r in self.rounds])
        workers = np.broadcast_to(np.arange(W), (T, W))
        for kind, start, end, mask in (
            (COMPUTE, t0 + 0 * c, t0 + np.minimum(c, c_end), None),
            (IDLE, t0 + c, t0 + c_end + 0 * c, chosen),
            (COMMUNICATE, t0 + c_end + 0 * c, t1 + 0 * c, None),
        ):
            keep = end > start if mask is None else (end > start) & mask
            self.parts.append((workers[keep], kind, start[keep], end[keep]))  # step-major order

    def build(self) -> Events | None:
        if not self.enabled:
            return None
        self._round_parts()
        if not self.parts:
            e = np.zeros(0)
            return Events(e.astype(np.int64), e.astype(np.int8), e, e)
        w = np.concatenate([p[0] for p in self.parts])
        kind = np.concatenate([np.full(p[0].size, p[1], dtype=np.int8) for p in self.parts])
        start = np.concatenate([p[2] for p in self.parts])
        end = np.concatenate([p[3] for p in self.parts])
        return Events(w, kind, start, end)


class Trace:
    """The shared model's states as a run loop records them: full loss at every state, the same
    divergence rule as ``gdviz.run`` (not finite, |θ| ≥ PARAM_BOUND, or the loss grown LOSS_GROWTH
    times; the record then ends at the last good state) and ``stop_loss``."""

    def __init__(self, problem, theta: np.ndarray, stop_loss: float | None):
        self.loss_of = problem.loss
        with np.errstate(all="ignore"):
            l0 = float(self.loss_of(theta[None])[0])
        if not np.isfinite(l0):
            raise ValueError(
                "start must be a point where the loss is finite (choose another start), got "
                f"{given(theta)}, where the loss is not finite"
            )
        self.bound = LOSS_GROWTH * (1.0 + abs(l0))
        self.stop_loss = stop_loss
        self.params, self.loss, self.time, self.synced = [theta.copy()], [l0], [0.0], [True]
        self.samples, self.evals = [0], [0]
        self.grad, self.batch_loss, self.lr, self.bits, self.stale, self.comm = [], [], [], [], [], []
        self.diverged: int | None = None
        self.reason = STOP_STEPS
        self.done = stop_loss is not None and l0 < stop_loss
        if self.done:
            self.reason = STOP_LOSS

    @property
    def t(self) -> float:
        return self.time[-1]

    def step(self, theta, g, batch_loss, lr, samples, evals, t, *, bits=0.0, stale=0, comm=0.0, synced=True):
        """Record the state after one more update; False once the run must stop."""
        loss = float(self.loss_of(theta[None])[0])
        if not (loss < self.bound) or not (np.abs(theta).max() < PARAM_BOUND):
            self.diverged = len(self.grad) + 1
            self.reason = STOP_DIVERGED
            self.done = True
            return False
        self.params.append(theta.copy())
        self.loss.append(loss)
        self.grad.append(g)
        self.batch_loss.append(batch_loss)
        self.lr.append(lr)
        self.samples.append(self.samples[-1] + samples)
        self.evals.append(self.evals[-1] + evals)
        self.time.append(max(t, self.time[-1]))
        self.bits.append(bits)
        self.stale.append(stale)
        self.comm.append(comm)
        self.synced.append(synced)
        if self.stop_loss is not None and loss < self.stop_loss:
            self.reason = STOP_LOSS
            self.done = True
            return False
        return True

    def record(self, problem, optimizer, *, strategy, workers, batch_size, seed, events, options):
        n = problem.n_samples
        P = problem.n_params
        T = len(self.grad)
        samples = np.asarray(self.samples, dtype=np.int64)
        return ParallelRecord(
            problem=problem.name,
            optimizer=optimizer.label or optimizer.name,
            hyper=dict(optimizer.hyper),
            params=np.asarray(self.params),
            loss=np.asarray(self.loss),
            grad=np.asarray(self.grad).reshape(T, P),
            batch_loss=np.asarray(self.batch_loss, dtype=float),
            lr=np.asarray(self.lr, dtype=float),
            samples_seen=samples,
            grad_evals=np.asarray(self.evals, dtype=np.int64),
            epoch=samples / n if n else np.arange(T + 1, dtype=float),
            time=np.asarray(self.time),
            steps_done=T,
            diverged=self.diverged,
            stop_reason=self.reason,
            batch_size=batch_size,
            seed=seed,
            n_samples=n,
            strategy=strategy,
            workers=workers,
            staleness=np.asarray(self.stale, dtype=np.int64),
            bits=np.asarray(self.bits, dtype=float),
            comm_seconds=np.asarray(self.comm, dtype=float),
            synced=np.asarray(self.synced, dtype=bool),
            events=events,
            options=options,
        )
