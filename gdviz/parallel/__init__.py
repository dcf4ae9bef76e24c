"""Training at scale, simulated: K workers, one model, a simulated clock (NumPy only).

    import gdviz
    from gdviz import parallel
    p = gdviz.problem("linear_regression", data="synthetic", n=1000)
    rec = parallel.train(p, gdviz.optimizer("gd", lr=0.1), strategy="sync", workers=4,
                         batch_size=8, steps=200)
    rec.params, rec.loss, rec.time, rec.events

Strategies: ``"sync"`` (average K gradients every step), ``"accumulate"`` (each worker adds up
``accumulate`` micro-batches first), ``"async"`` (parameter server, stale gradients), ``"local"``
(``local_steps`` steps per worker between averages: local SGD / FedAvg). The numbers are those of
the real algorithms (a sync run equals ``gdviz.run`` with the global batch to round-off); only the
clock is a model (``timing``).
"""

from __future__ import annotations

import numpy as np

from gdviz import limits
from gdviz.errors import check_bool, check_choice, check_number, given
from gdviz.optim import Optimizer
from gdviz.parallel import theory
from gdviz.parallel.asynchronous import run_async
from gdviz.parallel.compression import COMPRESSORS, Compressor, as_compressor, compressor
from gdviz.parallel.config import Setup, streams
from gdviz.parallel.local import run_local
from gdviz.parallel.record import EVENT_KINDS, Events, ParallelRecord
from gdviz.parallel.shards import make_shards
from gdviz.parallel.speedup import Speedup, speedup
from gdviz.parallel.sync import run_sync
from gdviz.parallel.timing import NETWORKS, TOPOLOGIES, Network, TimeModel, time_model
from gdviz.problems.base import Problem
from gdviz.serve import meter
from gdviz.train import _bind_lr, _check_steps, _lr_table

STRATEGIES = ("sync", "accumulate", "async", "local")
_RUNNERS = {"sync": run_sync, "accumulate": run_sync, "async": run_async, "local": run_local}


def _one_model(opt: Optimizer) -> None:
    for key, v in opt.hyper.items():
        for u in v if isinstance(v, tuple) else (v,):
            if isinstance(u, np.ndarray) and u.size > 1:
                raise ValueError(
                    f"{key} must be one number (parallel.train trains one model; use several calls "
                    f"to compare values), got {given(u)}"
                )


def _factors(steps: int, scale: float, warmup: int) -> np.ndarray:
    """The lr multiplier of every update: the linear scaling rule (Goyal et al. 2017) times a linear
    warm-up from scale/warmup to scale over the first ``warmup`` updates. Every gdviz update rule is
    linear in lr, so multiplying the update is multiplying the lr (to round-off)."""
    f = np.full(steps, float(scale))
    if warmup:
        f *= np.minimum(1.0, np.arange(1, steps + 1) / warmup)
    return f


def train(
    problem: Problem,
    optimizer: Optimizer,
    *,
    strategy: str,
    workers: int,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    start=None,
    accumulate: int = 1,
    local_steps: int = 1,
    shards=None,
    scale_lr: bool = False,
    warmup: int = 0,
    staleness_lr: bool = False,
    speeds=None,
    backups: int = 0,
    compression=None,
    error_feedback: bool = False,
    network="datacenter",
    topology: str = "ring",
    sample_seconds: float = 1e-6,
    step_seconds: float = 1e-5,
    straggler: float = 0.0,
    stop_loss: float | None = None,
    shuffle: bool = True,
    replacement: bool = False,
    events: bool = True,
) -> ParallelRecord:
    """Train ``problem`` with ``optimizer`` on ``workers`` simulated workers; a :class:`ParallelRecord`.

    ``batch_size``: each worker's batch per gradient (None: its whole part of the data). ``shards``:
    None (sync, accumulate, async: workers cut the global batches of one seeded permutation, as a
    distributed sampler does; local defaults to ``"iid"``), ``"iid"``, ``"label"``, ``("feature", j)``
    or a list of index arrays. ``scale_lr``: the linear scaling rule, lr × (global batch / b);
    ``warmup``: linear warm-up over that many updates. ``staleness_lr`` (async): lr / max(1, τ).
    ``speeds``: relative compute speed of every worker (backups included); ``backups`` (sync,
    accumulate): extra workers, the first K to finish are averaged. ``compression``: None, ``"sign"``
    or ``compressor(name, …)``, with ``error_feedback``. The clock: ``network`` (a preset of
    ``NETWORKS``, a ``Network`` or (bandwidth, latency)), ``topology`` (``"ring"`` or ``"ps"``;
    async always uses a server), ``sample_seconds``, ``step_seconds``, ``straggler`` (mean of an
    exponential delay per worker and step). ``events``: keep every worker's timeline.
    """
    meter.charge("scale")
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem (see gdviz.problem), got {type(problem).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"optimizer must be a gdviz Optimizer (see gdviz.optimizer), got {type(optimizer).__name__}"
        )
    _one_model(optimizer)
    check_choice("strategy", strategy, STRATEGIES)
    K = check_number("workers", workers, lo=1, hi=limits.MAX_WORKERS, integer=True)
    steps = _check_steps(steps)
    seed = check_number("seed", seed, lo=0, integer=True)
    m = check_number("accumulate", accumulate, lo=1, hi=limits.MAX_ACCUMULATE, integer=True)
    H = check_number("local_steps", local_steps, lo=1, hi=limits.MAX_STEPS, integer=True)
    nb = check_number("backups", backups, lo=0, hi=limits.MAX_WORKERS - K, integer=True)
    warmup = check_number("warmup", warmup, lo=0, hi=limits.MAX_STEPS, integer=True)
    for name, value, allowed in (
        ("accumulate", m, ("accumulate",)),
        ("local_steps", H, ("local",)),
        ("backups", nb, ("sync", "accumulate")),
    ):
        if value != (0 if name == "backups" else 1) and strategy not in allowed:
            raise ValueError(
                f"{name} must be left at its default with strategy={strategy!r} (it is an option of "
                f"{' and '.join(allowed)}), got {value}"
            )
    scale_lr, staleness_lr = check_bool("scale_lr", scale_lr), check_bool("staleness_lr", staleness_lr)
    error_feedback, events = check_bool("error_feedback", error_feedback), check_bool("events", events)
    shuffle, replacement = check_bool("shuffle", shuffle), check_bool("replacement", replacement)
    if scale_lr and strategy not in ("sync", "accumulate"):
        raise ValueError(f"scale_lr must be False with strategy={strategy!r} (it is a sync rule), got True")
    if staleness_lr and strategy != "async":
        raise ValueError(
            f"staleness_lr must be False with strategy={strategy!r} (it is an async rule), got True"
        )
    if stop_loss is not None:
        stop_loss = check_number("stop_loss", stop_loss)
    W = K + nb
    P = problem.n_params

    # --- data: who sees which samples ------------------------------------------------------------
    shard_rng, clock, comp_rng, gens = streams(seed, W)
    b = batch_size
    shard_list = None
    if not problem.has_data:
        if b is not None:
            raise ValueError(
                f"batch_size must be None for problem {problem.name!r}, which has no data (every worker "
                f"computes the full gradient), got {b!r}"
            )
        if shards is not None:
            raise ValueError(
                f"shards must be None for problem {problem.name!r}, which has no data, got {given(shards)}"
            )
    else:
        n = problem.n_samples
        if W > n:
            raise ValueError(f"workers must be ≤ the number of samples {n} (backups included), got {W}")
        if b is not None:
            b = check_number("batch_size", b, lo=1, hi=n, integer=True)
        if shards is None and strategy == "local":
            shards = "iid"
        if shards is None:
            if b is not None and W * m * b > n:
                raise ValueError(
                    f"workers × accumulate × batch_size (the global batch) must be ≤ the number of samples "
                    f"{n}, got {W} × {m} × {b} = {W * m * b}"
                )
        else:
            shard_list = make_shards(problem, W, shards, shard_rng)
            smallest = min(s.size for s in shard_list)
            if b is not None and b > smallest:
                raise ValueError(f"batch_size must be ≤ the smallest shard ({smallest} samples), got {b}")

    # --- the clock, the message --------------------------------------------------------------------
    tm = time_model(
        network=network,
        topology=topology,
        sample_seconds=sample_seconds,
        step_seconds=step_seconds,
        straggler=straggler,
    )
    if speeds is None:
        speed_arr = np.ones(W)
    else:
        try:
            speed_arr = np.array(speeds, dtype=float).reshape(-1)
        except (TypeError, ValueError) as err:
            raise ValueError(f"speeds must be {W} positive numbers, got {given(speeds)}") from err
        if speed_arr.size != W or not np.all(np.isfinite(speed_arr) & (speed_arr > 0)):
            raise ValueError(
                f"speeds must be {W} positive finite numbers (one per worker), got {given(speeds)}"
            )
    comp = as_compressor(compression, P)
    if error_feedback and comp is None:
        raise ValueError("error_feedback must be False without compression, got True")

    # --- start, learning rates -------------------------------------------------------------------
    theta0 = problem.start if start is None else start
    try:
        theta0 = np.array(theta0, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"start must be numbers, got {given(start)}") from err
    if theta0.shape != (P,) or not np.all(np.isfinite(theta0)):
        raise ValueError(
            f"start must be {P} finite numbers ({', '.join(problem.param_names[:4])}…), got {given(start)}"
        )
    if (steps + 1) * P > limits.MAX_RECORD_VALUES:
        raise ValueError(
            f"(steps + 1) × parameters must be at most {limits.MAX_RECORD_VALUES:,} stored values, got "
            f"{(steps + 1) * P:,}; use fewer steps"
        )
    opt = _bind_lr(optimizer, None, steps)
    lr = _lr_table(opt.hyper["lr"], steps, 1)[:, 0]
    scale = K * m if scale_lr else 1
    setup = Setup(
        problem=problem,
        opt=opt,
        lr=lr,
        factor=_factors(steps, scale, warmup),
        steps=steps,
        workers=K,
        backups=nb,
        batch_size=b,
        accumulate=m,
        local_steps=H,
        seed=seed,
        theta0=theta0,
        shards=shard_list,
        shuffle=shuffle,
        replacement=replacement,
        speeds=speed_arr,
        time=tm,
        compression=comp,
        error_feedback=error_feedback,
        staleness_lr=staleness_lr,
        stop_loss=stop_loss,
        events=events,
        streams=(shard_rng, clock, comp_rng, gens),
    )
    trace, log = _RUNNERS[strategy](setup)
    options = {
        "accumulate": m,
        "local_steps": H,
        "backups": nb,
        "shards": None if shards is None else (shards if isinstance(shards, (str, tuple)) else "explicit"),
        "scale_lr": scale_lr,
        "warmup": warmup,
        "staleness_lr": staleness_lr,
        "compression": None if comp is None else comp._asdict(),
        "error_feedback": error_feedback,
        "network": tm.network.name,
        "topology": tm.topology,
    }
    return trace.record(
        problem,
        optimizer,
        strategy=strategy,
        workers=K,
        batch_size=b,
        seed=seed,
        events=log.build(),
        options=options,
    )


__all__ = [
    "COMPRESSORS",
    "EVENT_KINDS",
    "NETWORKS",
    "STRATEGIES",
    "TOPOLOGIES",
    "Compressor",
    "Events",
    "Network",
    "ParallelRecord",
    "Speedup",
    "TimeModel",
    "compressor",
    "speedup",
    "theory",
    "time_model",
    "train",
]
