"""What a run did: the :class:`Record` that ``gdviz.train`` returns and every page, export and
analysis reads, and the helpers that take one apart (``squeeze``, ``first_below``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Why a run stopped (``Record.stop_reason``).
STOP_STEPS = "steps"
STOP_LOSS = "stop_loss"
STOP_DIVERGED = "diverged"


@dataclass(frozen=True, eq=False)
class Record:
    """Everything one run (or R runs) did. Rows are states: row 0 is the start, row k the state
    after k updates. Per-step arrays (``grad``, ``batch_loss``, ``lr``) have one entry per update.

    Single run (``run``): ``params`` (T+1, P), ``loss`` (T+1,), ``grad`` (T, P), … with T the
    number of updates actually done. Many runs (``run_many``): a runs axis after the step axis,
    ``params`` (T+1, R, P), ``loss`` (T+1, R), ``grad`` (T, R, P), ``lr`` (T, R); a run that stopped
    early repeats its last state, and ``steps_done[r]`` says where it stopped.

    A *thinned* record (``keep=k``, for large models) stores at most k parameter rows, as float32,
    at the steps ``param_steps`` (0, s, 2s, … and the last one; s odd) — or, with ``keep`` a list of
    steps, exactly those states in float64 —, ``last_params`` exactly, and no gradients (``grad``
    has no rows); every per-step column (loss, lr, …) is still complete.
    """

    problem: str
    optimizer: str
    hyper: dict
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    batch_loss: np.ndarray
    lr: np.ndarray
    samples_seen: np.ndarray
    grad_evals: np.ndarray
    epoch: np.ndarray
    time: np.ndarray
    steps_done: np.ndarray | int
    diverged: np.ndarray | int | None
    stop_reason: np.ndarray | str
    batch_size: int | None
    seed: np.ndarray | int
    n_samples: int | None
    # Thinned records (``run(..., keep=k)``): the step of each stored ``params`` row, and the exact
    # float64 state each run ended in. None for full records, where row k is step k.
    param_steps: np.ndarray | None = None
    last_params: np.ndarray | None = None

    @property
    def thinned(self) -> bool:
        return self.param_steps is not None

    @property
    def final_params(self) -> np.ndarray:
        return self.params[-1] if self.last_params is None else self.last_params

    @property
    def steps_of_params(self) -> np.ndarray:
        """The step of every ``params`` row (``arange`` for a full record)."""
        if self.param_steps is not None:
            return self.param_steps
        return np.arange(len(self.params))

    @property
    def final_loss(self):
        return self.loss[-1]


def squeeze(rec: Record, r: int) -> Record:
    """Run ``r`` of a many-run record as a single-run record, cut where that run stopped."""
    s = int(rec.steps_done[r])
    div = int(rec.diverged[r])

    def pick(v):
        return v[r] if isinstance(v, np.ndarray) and v.ndim == 1 and v.size > 1 else v

    hyper = {k: tuple(map(pick, v)) if isinstance(v, tuple) else pick(v) for k, v in rec.hyper.items()}
    kept = last = None
    if rec.param_steps is None:
        params = rec.params[: s + 1, r]
    else:
        # the rows up to the run's own stop, then its exact last state (rows after it repeat it)
        upto = int(np.searchsorted(rec.param_steps, s, side="right"))
        kept = (
            np.append(rec.param_steps[: upto - 1], s)
            if rec.param_steps[upto - 1] != s
            else rec.param_steps[:upto]
        )
        last = rec.last_params[r]
        params = np.concatenate([rec.params[: len(kept) - 1, r], last[None].astype(rec.params.dtype)])
    return Record(
        problem=rec.problem,
        optimizer=rec.optimizer,
        hyper=hyper,
        params=params,
        loss=rec.loss[: s + 1, r],
        grad=rec.grad[:s, r],
        batch_loss=rec.batch_loss[:s, r],
        lr=rec.lr[:s, r],
        samples_seen=rec.samples_seen[: s + 1, r],
        grad_evals=rec.grad_evals[: s + 1, r],
        epoch=rec.epoch[: s + 1, r],
        time=rec.time[: s + 1],
        steps_done=s,
        diverged=None if div < 0 else div,
        stop_reason=str(rec.stop_reason[r]),
        batch_size=rec.batch_size,
        seed=int(rec.seed[r]),
        n_samples=rec.n_samples,
        param_steps=kept,
        last_params=last,
    )


def first_below(rec: Record, threshold: float):
    """Steps until the full loss first falls below ``threshold`` (None where it never does)."""
    below = rec.loss < threshold
    if below.ndim == 1:
        return int(np.argmax(below)) if below.any() else None
    hit = below.any(axis=0)
    first = np.argmax(below, axis=0)
    return np.where(hit, first, -1)


__all__ = ["STOP_DIVERGED", "STOP_LOSS", "STOP_STEPS", "Record", "first_below", "squeeze"]
