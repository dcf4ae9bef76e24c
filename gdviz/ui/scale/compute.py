"""The scale page's computation: the race of strategies and the speed-up table, each estimated by
the cost model, run at once or in a worker (``gdviz.ui.work``), and cached in bytes."""

from __future__ import annotations

from gdviz import limits
from gdviz.serve import cost, tasks
from gdviz.serve.cache import ByteCache
from gdviz.ui import work
from gdviz.ui.scale.state import SPEEDUP_WORKERS, ScaleConfig

# An entry is a few curves of 400 points and a timeline of a few hundred intervals per strategy.
RACES = ByteCache("scale races", 16 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
SPEEDUPS = ByteCache("scale speed-ups", 4 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
# An entry is a surface image's grid (80 × 80) and the paths in view coordinates.
VIEWS = ByteCache("scale views", 16 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
VIEW_RESOLUTION = 80
# An entry is a few arrays of ten batch sizes: one per problem and rule, shared by every session.
CRITICAL = ByteCache("scale critical batch", 1 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
# How far the speed-up's target sits from the single worker's end loss towards its start: reached
# by one worker within the page's steps, and by a scaled run only if it scales.
TARGET_FRACTION = 0.1


def get_problem(cfg: ScaleConfig):
    return tasks.build_problem(cfg.recipe())


def run_estimate(p, cfg: ScaleConfig, strategy: str, workers: int, steps: int) -> cost.Estimate:
    """K workers compute K gradients of b (× m) samples per update: a run of the global batch, with
    the page's rule. The simulation's bookkeeping per worker and step is not in the probe, so the
    estimate counts each worker's gradient as a run of its own (× K)."""
    m = cfg.accumulate if strategy == "accumulate" else 1
    if strategy in ("sync", "accumulate"):
        workers += cfg.backups  # a backup computes its gradient too, only it is not waited for
    n = p.n_samples
    b = min(cfg.batch_size * m, n)
    one = cost.run_estimate(p, "gd", steps=steps, batch_size=b, name="runs")
    return cost.Estimate(one.seconds * workers, one.bytes, (("runs", one.seconds * workers),))


def race(cfg: ScaleConfig) -> list | None:
    """One summary (``gdviz.analysis.scale.ScaleRun``) or error text per selected strategy; None
    while it waits for a click or was refused (the page has said why)."""
    p = get_problem(cfg)
    est = cost.Estimate.total(run_estimate(p, cfg, s, cfg.workers, cfg.steps) for s in cfg.strategies)
    plan = work.Plan(
        key=("scale.race", cfg),
        task="scale.race",
        args={
            "recipe": cfg.recipe(),
            "rule": "gd",
            "hyper": {"lr": float(cfg.lr)},
            "runs": [cfg.run_options(s) for s in cfg.strategies],
        },
        estimate=est,
        cache=RACES,
        slot="scale.race",
    )
    return work.obtain(plan)


def speedup_workers(cfg: ScaleConfig, n: int) -> tuple[int, ...]:
    """The numbers of workers whose global batch fits in the data (every strategy's)."""
    m = cfg.accumulate if "accumulate" in cfg.strategies else 1
    return tuple(k for k in SPEEDUP_WORKERS if k * m * cfg.batch_size <= n)


def speedup_args(cfg: ScaleConfig, n: int) -> dict:
    return {
        "workers": speedup_workers(cfg, n),
        "strategies": cfg.strategies,
        "steps": 2 * int(cfg.steps),
        "accumulate": int(cfg.accumulate),
        "local_steps": int(cfg.local_steps),
        "target_fraction": TARGET_FRACTION,
        **cfg.common(),
    }


def speedup(cfg: ScaleConfig):
    """``parallel.speedup`` at the page's settings (a ``Speedup``), or None (waiting, refused)."""
    p = get_problem(cfg)
    args = speedup_args(cfg, p.n_samples)
    est = cost.Estimate.total(
        run_estimate(p, cfg, s, k, args["steps"]) for s in cfg.strategies for k in args["workers"]
    )
    plan = work.Plan(
        key=("scale.speedup", cfg),
        task="scale.speedup",
        args={"recipe": cfg.recipe(), "rule": "gd", "hyper": {"lr": float(cfg.lr)}, "kwargs": args},
        estimate=est,
        cache=SPEEDUPS,
        slot="scale.speedup",
        part="sweep",
    )
    return work.obtain(plan)


def critical_estimate(p) -> cost.Estimate:
    """One vectorized pass of lrs × seeds runs per batch size (``analysis.critical``)."""
    from gdviz.analysis import critical as cb

    runs = len(cb.LRS) * cb.SEEDS
    sizes = [b for b in cb.BATCH_SIZES if b <= p.n_samples]
    return cost.Estimate.total(
        cost.run_estimate(p, "sgd", steps=cb.STEPS, runs=runs, batch_size=b, keep=2, name="sweep")
        for b in sizes
    )


def critical(cfg: ScaleConfig):
    """The critical batch of the page's problem (``analysis.critical.CriticalBatch``), or None."""
    p = get_problem(cfg)
    plan = work.Plan(
        key=("scale.critical", tasks.recipe_key(cfg.recipe())),
        task="scale.critical",
        args={"recipe": cfg.recipe(), "rule": "sgd"},
        estimate=critical_estimate(p),
        cache=CRITICAL,
        slot="scale.critical",
        part="sweep",
    )
    return work.obtain(plan)


def view(cfg: ScaleConfig, runs: list) -> object | None:
    """The slice of the loss through the minimum on the problem's two plotted parameters, with the
    runs' paths in it (``geometry.projection.View``), or None (waiting, refused)."""
    p = get_problem(cfg)
    center = p.minima[0] if len(p.minima) else None
    plan = work.Plan(
        key=("scale.view", cfg),
        task="view",
        args={
            "recipe": cfg.recipe(),
            "paths": [r.params for r in runs],
            "diverged": [r.diverged is not None for r in runs],
            "kind": "slice",
            "axes": tuple(int(a) for a in p.axes),
            "resolution": VIEW_RESOLUTION,
            "center": None if center is None else [float(v) for v in center],
        },
        estimate=cost.loss_grid_estimate(p, VIEW_RESOLUTION**2),
        cache=VIEWS,
        slot="scale.view",
        part="surface",
    )
    return work.obtain(plan)


# (recipe, K, H, lr, shards) → the loss; a few floats each, shared by every session
FIXED_POINTS = ByteCache("scale local fixed points", 1 * 2**20, ttl=limits.CACHE_TTL_SECONDS)


def local_fixed_point(cfg: ScaleConfig) -> float | None:
    """``parallel.theory.local_fixed_point``'s loss at the page's settings (P + 1 gradients of each
    shard: a few full passes over the data, cheaper than the race itself), or None."""
    from gdviz.parallel import theory

    key = (tasks.recipe_key(cfg.recipe()), cfg.workers, cfg.local_steps, cfg.lr, cfg.shards)
    found = FIXED_POINTS.get(key)
    if found is not None:
        return found[0]
    p = get_problem(cfg)
    got = theory.local_fixed_point(
        p, workers=cfg.workers, local_steps=cfg.local_steps, lr=cfg.lr, shards=cfg.shards
    )
    value = None if got is None else got[1]
    FIXED_POINTS.put(key, (value,))
    return value
