"""The scale page's computation: its pieces priced before any of them starts (``plan``), then the race
of strategies, the fixed point, the paths' surface, the speed-up table and the critical batch, each
run at once or in a worker (``gdviz.ui.work``) and cached in bytes."""

from __future__ import annotations

from gdviz import limits
from gdviz.serve import cost, parallel_cost, tasks
from gdviz.serve.cache import ByteCache
from gdviz.ui import work
from gdviz.ui.scale import plan
from gdviz.ui.scale.config import ScaleConfig

# the page's names for what the plan module computes
from gdviz.ui.scale.plan import TARGET_FRACTION, VIEW_RESOLUTION, speedup_args, speedup_workers  # noqa: F401

# An entry is a few curves of 400 points and a timeline of a few hundred intervals per strategy.
RACES = ByteCache("scale races", 16 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
SPEEDUPS = ByteCache("scale speed-ups", 4 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
# An entry is a surface image's grid (80 × 80) and the paths in view coordinates.
VIEWS = ByteCache("scale views", 16 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
# An entry is a few arrays of ten batch sizes: one per problem and rule, shared by every session.
CRITICAL = ByteCache("scale critical batch", 1 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
# (recipe, K, H, lr, shards) → the loss; a few floats each, shared by every session
FIXED_POINTS = ByteCache("scale local fixed points", 1 * 2**20, ttl=limits.CACHE_TTL_SECONDS)


def _race_key(cfg: ScaleConfig) -> tuple:
    return ("scale.race", cfg)


def _speedup_key(cfg: ScaleConfig) -> tuple:
    return ("scale.speedup", cfg)


def _critical_key(cfg: ScaleConfig) -> tuple:
    return ("scale.critical", tasks.recipe_key(cfg.recipe()))


def _view_key(cfg: ScaleConfig) -> tuple:
    return ("scale.view", cfg)


def _fixed_key(cfg: ScaleConfig) -> tuple:
    return (tasks.recipe_key(cfg.recipe()), cfg.workers, cfg.local_steps, cfg.lr, cfg.shards)


def held(cfg: ScaleConfig) -> bool:
    """Whether this process holds the problem already (a lookup: no work)."""
    return tasks.recipe_key(cfg.recipe()) in tasks.PROBLEMS


def get_problem(cfg: ScaleConfig):
    """The page's problem: built here once its plan allowed it (the plan's "problem" piece)."""
    with work.piece(plan.PROBLEM):
        return tasks.build_problem(cfg.recipe())


def _with_build(cfg: ScaleConfig, est: cost.Estimate) -> cost.Estimate:
    """A task's estimate with the problem's build: work above INLINE_SECONDS runs in a worker process,
    which may not hold it (its deadline must allow for it); cheap work runs here, after the page's
    own build."""
    if est.seconds <= limits.INLINE_SECONDS:
        return est
    return est + parallel_cost.build_estimate(cfg.recipe(), name=plan.PROBLEM)


def pieces(
    cfg: ScaleConfig, *, lesson: str | None = None, speedup: bool = False, critical: bool = False
) -> list[work.Piece]:
    """``plan.plan_pieces`` as the page's plan: each piece marked done when a cache already holds it,
    the work a worker will do with the problem's build it may need."""
    done = {
        plan.PROBLEM: held(cfg),
        plan.RACE: _race_key(cfg) in RACES,
        plan.FIXED_POINT: _fixed_key(cfg) in FIXED_POINTS,
        plan.SURFACE: _view_key(cfg) in VIEWS,
        plan.SPEEDUP: _speedup_key(cfg) in SPEEDUPS,
        plan.CRITICAL: _critical_key(cfg) in CRITICAL,
    }
    if held(cfg):
        from gdviz.analysis.curvature import curvature_known

        p = tasks.build_problem(cfg.recipe())  # held: a lookup
        done[plan.HESSIAN] = curvature_known(p, p.start)
    out = []
    for name, est in plan.plan_pieces(cfg, lesson=lesson, speedup=speedup, critical=critical):
        if name in (plan.RACE, plan.SPEEDUP, plan.CRITICAL):
            est = _with_build(cfg, est)
        out.append(work.Piece(name, est, done.get(name, False)))
    return out


def race(cfg: ScaleConfig) -> list | None:
    """One summary (``gdviz.analysis.scale.ScaleRun``) or error text per selected strategy; None
    while it waits for a click or was refused (the page has said why)."""
    plan_ = work.Plan(
        key=_race_key(cfg),
        task="scale.race",
        args={
            "recipe": cfg.recipe(),
            "rule": "gd",
            "hyper": {"lr": float(cfg.lr)},
            "runs": [cfg.run_options(s) for s in cfg.strategies],
        },
        estimate=_with_build(cfg, plan.race_estimate(cfg)),
        cache=RACES,
        slot="scale.race",
        part=plan.RACE,
    )
    return work.obtain(plan_)


def speedup(cfg: ScaleConfig):
    """``parallel.speedup`` at the page's settings (a ``Speedup``), or None (waiting, refused)."""
    plan_ = work.Plan(
        key=_speedup_key(cfg),
        task="scale.speedup",
        args={
            "recipe": cfg.recipe(),
            "rule": "gd",
            "hyper": {"lr": float(cfg.lr)},
            "kwargs": speedup_args(cfg),
        },
        estimate=_with_build(cfg, plan.speedup_estimate(cfg)),
        cache=SPEEDUPS,
        slot="scale.speedup",
        part=plan.SPEEDUP,
    )
    return work.obtain(plan_)


def critical(cfg: ScaleConfig):
    """The critical batch of the page's problem (``analysis.critical.CriticalBatch``), or None."""
    plan_ = work.Plan(
        key=_critical_key(cfg),
        task="scale.critical",
        args={"recipe": cfg.recipe(), "rule": "sgd"},
        estimate=_with_build(cfg, plan.critical_estimate(cfg)),
        cache=CRITICAL,
        slot="scale.critical",
        part=plan.CRITICAL,
    )
    return work.obtain(plan_)


def view(cfg: ScaleConfig, runs: list) -> object | None:
    """The slice of the loss through the minimum on the problem's two plotted parameters, with the
    runs' paths in it (``geometry.projection.View``), or None (waiting, refused)."""
    p = get_problem(cfg)
    center = p.minima[0] if len(p.minima) else None
    plan_ = work.Plan(
        key=_view_key(cfg),
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
        estimate=plan.view_estimate(cfg),
        cache=VIEWS,
        slot="scale.view",
        part=plan.SURFACE,
    )
    return work.obtain(plan_)


def local_fixed_point(cfg: ScaleConfig) -> float | None:
    """``parallel.theory.local_fixed_point``'s loss at the page's settings (P + 1 gradients of each
    shard: a few full passes over the data, the plan's "fixed_point" piece), or None."""
    from gdviz.parallel import theory

    key = _fixed_key(cfg)
    found = FIXED_POINTS.get(key)
    if found is not None:
        return found[0]
    p = get_problem(cfg)
    with work.piece(plan.FIXED_POINT):
        got = theory.local_fixed_point(
            p, workers=cfg.workers, local_steps=cfg.local_steps, lr=cfg.lr, shards=cfg.shards
        )
    value = None if got is None else got[1]
    FIXED_POINTS.put(key, (value,))
    return value
