"""Every piece of work one run of the scale page does, priced before any of it starts (no Streamlit):
building the problem, the race of strategies, local SGD's fixed point, the paths' surface, λ_max for
the captions, the figures, and after their clicks the speed-up sweep and the critical batch.

``plan_pieces(cfg)`` prices them from the recipe alone (``gdviz.serve.parallel_cost`` measures a
small proxy of the problem): nothing of the page's work is built or run, so a link that is refused
or waits for a click costs its probes only. ``gdviz.ui.scale.compute`` marks the pieces its caches
hold and the page decides once for all of them (``gdviz.ui.work.plan_page``).
"""

from __future__ import annotations

from gdviz.analysis.curvature import needs_hessian
from gdviz.figures.scale.paths import FRAMES
from gdviz.serve import cost
from gdviz.serve import parallel_cost as pc
from gdviz.ui.scale.config import SPEEDUP_WORKERS, ScaleConfig, fit_to_data, n_samples

# Names of the pieces (``gdviz.ui.work.PARTS``, each with its text work.part.<name>).
PROBLEM, RACE, FIXED_POINT, SURFACE, HESSIAN, FIGURE, SPEEDUP, CRITICAL = (
    "problem",
    "scale",
    "fixed_point",
    "surface",
    "hessian",
    "figure",
    "sweep",
    "critical",
)
VIEW_RESOLUTION = 80
PATHS_MAX_PARAMS = 3  # a slice of two of three parameters through the minimum tells the story
# How far the speed-up's target sits from the single worker's end loss towards its start: reached
# by one worker within the page's steps, and by a scaled run only if it scales.
TARGET_FRACTION = 0.1
# The figures a race draws besides the paths: the loss curves and the timeline.
CHARTS = 2


def race_estimate(cfg: ScaleConfig) -> cost.Estimate:
    """One ``parallel.train`` per selected strategy, with the workers' timelines."""
    recipe = cfg.recipe()
    return cost.Estimate.total(pc.run_estimate(recipe, cfg.run_options(s), name=RACE) for s in cfg.strategies)


def fixed_point_estimate(cfg: ScaleConfig) -> cost.Estimate:
    """Local GD's fixed point on the race's shards (drawn when local SGD races)."""
    if "local" not in cfg.strategies:
        return cost.Estimate()
    return pc.fixed_point_estimate(cfg.recipe(), workers=cfg.workers, shards=cfg.shards, name=FIXED_POINT)


def draws_paths(cfg: ScaleConfig) -> bool:
    return pc.proxy(cfg.recipe()).n_params <= PATHS_MAX_PARAMS


def view_estimate(cfg: ScaleConfig) -> cost.Estimate:
    """The loss on the paths' slice (a problem of 3 parameters at most)."""
    if not draws_paths(cfg):
        return cost.Estimate()
    return cost.loss_grid_estimate(pc.proxy(cfg.recipe()), VIEW_RESOLUTION**2, name=SURFACE)


def needs_lam_max(cfg: ScaleConfig, lesson: str | None) -> bool:
    """Whether the page's captions ask for λ_max at the start: the linear scaling rule's, and the
    stale-gradient lesson's."""
    return bool(cfg.scale_lr) or lesson == "stale"


def hessian_estimate(cfg: ScaleConfig, lesson: str | None) -> cost.Estimate:
    p = pc.proxy(cfg.recipe())
    if not needs_lam_max(cfg, lesson) or not needs_hessian(p):
        return cost.Estimate()  # a quadratic's λ_max is its matrix's, known without a Hessian
    return cost.hessian_estimate(p, 1, name=HESSIAN)


def figure_estimate(cfg: ScaleConfig) -> cost.Estimate:
    frames = FRAMES if draws_paths(cfg) else 1
    return cost.figure_estimate(len(cfg.strategies) + CHARTS, frames, name=FIGURE)


def speedup_workers(cfg: ScaleConfig, n: int | None = None) -> tuple[int, ...]:
    """The numbers of workers whose global batch fits in the data (every strategy's)."""
    n = n_samples(cfg) if n is None else n
    m = cfg.accumulate if "accumulate" in cfg.strategies else 1
    return tuple(k for k in SPEEDUP_WORKERS if k * m * cfg.batch_size <= n)


def speedup_args(cfg: ScaleConfig, n: int | None = None) -> dict:
    return {
        "workers": speedup_workers(cfg, n),
        "strategies": cfg.strategies,
        "steps": 2 * int(cfg.steps),
        "accumulate": int(cfg.accumulate),
        "local_steps": int(cfg.local_steps),
        "target_fraction": TARGET_FRACTION,
        **cfg.common(),
    }


def speedup_estimate(cfg: ScaleConfig) -> cost.Estimate:
    """The task ``scale.speedup``: one synchronous worker for the target, then every strategy on every
    number of workers for up to twice the steps (a run that reaches the target stops sooner)."""
    recipe, args = cfg.recipe(), speedup_args(cfg)
    common = cfg.common()
    one = {"strategy": "sync", "workers": 1, "steps": int(cfg.steps), **common}
    own = {"accumulate": {"accumulate": args["accumulate"]}, "local": {"local_steps": args["local_steps"]}}
    runs = [one] + [
        {"strategy": s, "workers": k, "steps": args["steps"], **common, **own.get(s, {})}
        for s in cfg.strategies
        for k in args["workers"]
    ]
    return cost.Estimate.total(pc.run_estimate(recipe, o, events=False, name=SPEEDUP) for o in runs)


def critical_estimate(cfg: ScaleConfig) -> cost.Estimate:
    """``analysis.critical.critical_batch``: one vectorized pass of lrs × seeds runs per batch size,
    one run to the target, and B_simple twice from every sample's gradient (200 000 at most)."""
    from gdviz.analysis import critical as cb
    from gdviz.analysis.noise import PER_SAMPLE_MAX

    recipe = cfg.recipe()
    p, n = pc.proxy(recipe), n_samples(cfg)
    runs = len(cb.LRS) * cb.SEEDS
    sizes = [b for b in cb.BATCH_SIZES if b <= n]
    passes = [
        cost.run_estimate(p, "sgd", steps=cb.STEPS, runs=runs, batch_size=b, keep=2, name=CRITICAL)
        for b in sizes
    ]
    to_target = cost.run_estimate(p, "sgd", steps=cb.STEPS, batch_size=sizes[-1], name=CRITICAL)
    per_sample = 2 * min(n, PER_SAMPLE_MAX) * pc.per_sample_seconds(recipe)
    noise = cost.Estimate(
        per_sample, min(n, PER_SAMPLE_MAX) * p.n_params * cost.FLOAT, ((CRITICAL, per_sample),)
    )
    return cost.Estimate.total([*passes, to_target, noise])


def plan_pieces(
    cfg: ScaleConfig, *, lesson: str | None = None, speedup: bool = False, critical: bool = False
) -> list[tuple[str, cost.Estimate]]:
    """Every piece of work one run of the scale page does at ``cfg`` (brought within its data first,
    as the page does), with its estimate, and none of it done: building the problem, the race, the
    fixed point, the surface, λ_max (when ``lesson`` or the scaling rule's caption asks for it), the
    figures; the speed-up sweep and the critical batch when the visitor asked for them."""
    cfg, _ = fit_to_data(cfg)
    if not cfg.strategies:
        return []  # the page says so and computes nothing
    pieces = [(PROBLEM, pc.build_estimate(cfg.recipe(), name=PROBLEM)), (RACE, race_estimate(cfg))]
    if "local" in cfg.strategies:
        pieces.append((FIXED_POINT, fixed_point_estimate(cfg)))
    if draws_paths(cfg):
        pieces.append((SURFACE, view_estimate(cfg)))
    if needs_lam_max(cfg, lesson):
        pieces.append((HESSIAN, hessian_estimate(cfg, lesson)))
    pieces.append((FIGURE, figure_estimate(cfg)))
    if speedup and len(speedup_workers(cfg)) >= 2:
        pieces.append((SPEEDUP, speedup_estimate(cfg)))
    if critical:
        pieces.append((CRITICAL, critical_estimate(cfg)))
    return pieces


__all__ = [
    "PATHS_MAX_PARAMS",
    "TARGET_FRACTION",
    "VIEW_RESOLUTION",
    "critical_estimate",
    "fixed_point_estimate",
    "plan_pieces",
    "race_estimate",
    "speedup_args",
    "speedup_estimate",
    "speedup_workers",
    "view_estimate",
]
