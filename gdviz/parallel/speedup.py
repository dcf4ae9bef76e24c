"""Speed-up curves: simulated time to reach a loss for each number of workers and each strategy.

The question a speed-up curve answers is not "how many steps" but "how many seconds": more workers
mean larger global batches (fewer steps, each as long as the slowest worker plus the all-reduce),
staler gradients or rarer averaging. Each cell is one ``parallel.train`` run stopped at
``target_loss``; a run that diverges or never gets there within ``steps`` has time ``inf``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.errors import check_choice, check_number, given
from gdviz.train import STOP_LOSS


class Speedup(NamedTuple):
    """``time[s, j]``: simulated seconds for strategy ``strategies[s]`` on ``workers[j]`` workers to
    reach ``target_loss`` (inf: never); ``ideal[s, j]`` = the first column's time × workers[0] /
    workers[j] (perfect scaling); ``comm_share[s, j]``: the share of the workers' time spent
    communicating; ``steps[s, j]``: updates done."""

    workers: tuple[int, ...]
    strategies: tuple[str, ...]
    target_loss: float
    time: np.ndarray
    ideal: np.ndarray
    comm_share: np.ndarray
    steps: np.ndarray

    @property
    def speedup(self) -> np.ndarray:
        """time of the first column / time, per strategy (0 where the target was never reached)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            s = self.time[:, :1] / self.time
        return np.where(np.isfinite(s), s, 0.0)


def speedup(
    problem,
    optimizer,
    *,
    target_loss: float,
    workers=(1, 2, 4, 8, 16, 32, 64),
    strategies=("sync", "accumulate", "async", "local"),
    steps: int = 2000,
    accumulate: int = 4,
    local_steps: int = 8,
    per_strategy: dict | None = None,
    **options,
) -> Speedup:
    """Time to ``target_loss`` for every number of ``workers`` and every strategy.

    ``accumulate`` and ``local_steps`` go to their strategies; ``per_strategy`` maps a strategy to
    more options of its own (e.g. ``{"async": {"staleness_lr": True}}``); every other keyword
    (``batch_size``, ``seed``, ``network``, ``topology``, ``sample_seconds``, …) goes to every run.
    """
    # import here: gdviz.parallel's package module imports this one to export it
    from gdviz.parallel import STRATEGIES, train

    target = check_number("target_loss", target_loss)
    try:
        ks = tuple(check_number("workers", k, lo=1, hi=limits.MAX_WORKERS, integer=True) for k in workers)
    except TypeError as err:
        raise ValueError(f"workers must be a list of whole numbers, got {given(workers)}") from err
    if not ks:
        raise ValueError(f"workers must list at least one number of workers, got {given(workers)}")
    strats = tuple(check_choice("strategy", s, STRATEGIES) for s in strategies)
    per = dict(per_strategy or {})
    for s in per:
        check_choice("per_strategy strategy", s, strats)
    own = {"accumulate": {"accumulate": accumulate}, "local": {"local_steps": local_steps}}
    S, W = len(strats), len(ks)
    time = np.full((S, W), np.inf)
    share = np.full((S, W), np.nan)
    done = np.zeros((S, W), dtype=np.int64)
    for i, strat in enumerate(strats):
        kw = {**options, **own.get(strat, {}), **per.get(strat, {})}
        for j, K in enumerate(ks):
            with np.errstate(all="ignore"):
                rec = train(
                    problem,
                    optimizer,
                    strategy=strat,
                    workers=K,
                    steps=steps,
                    stop_loss=target,
                    events=False,
                    **kw,
                )
            done[i, j] = rec.steps_done
            share[i, j] = rec.comm_share
            if rec.stop_reason == STOP_LOSS:
                time[i, j] = rec.time[-1]
    ideal = time[:, :1] * ks[0] / np.asarray(ks, dtype=float)[None, :]
    return Speedup(ks, strats, target, time, ideal, share, done)
