"""One checked description of a parallel run, built once by ``train`` and read by every strategy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.optim import Optimizer
from gdviz.parallel.compression import Compressor
from gdviz.parallel.timing import TimeModel
from gdviz.problems.base import Problem


@dataclass(frozen=True, eq=False)
class Setup:
    problem: Problem
    opt: Optimizer  # its lr bound (a schedule knows the run's length)
    lr: np.ndarray  # (steps,) the optimizer's own lr at every update
    factor: np.ndarray  # (steps,) the strategy's multiplier: linear scaling and warm-up
    steps: int
    workers: int
    backups: int
    batch_size: int | None
    accumulate: int
    local_steps: int
    seed: int
    theta0: np.ndarray
    shards: list[np.ndarray] | None
    shuffle: bool
    replacement: bool
    speeds: np.ndarray  # (workers + backups,) relative compute speed of every worker
    time: TimeModel
    compression: Compressor | None
    error_feedback: bool
    staleness_lr: bool
    stop_loss: float | None
    events: bool
    streams: tuple  # independent Generators: batches (one per worker), clock, compression

    @property
    def total_workers(self) -> int:
        return self.workers + self.backups


def streams(seed: int, workers: int):
    """The run's random streams, independent of each other: (the shards' split, the straggler
    delays, the stochastic compressors, [one per worker for its batches from its shard]). A real
    worker process builds the same streams from the same seed (``torchdist``)."""
    ss = np.random.SeedSequence(seed)
    shard_ss, clock_ss, comp_ss, *worker_ss = ss.spawn(3 + workers)
    gens = [np.random.default_rng(s) for s in worker_ss]
    return (
        np.random.default_rng(shard_ss),
        np.random.default_rng(clock_ss),
        np.random.default_rng(comp_ss),
        gens,
    )
