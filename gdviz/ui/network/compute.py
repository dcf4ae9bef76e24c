"""The network page's computation: its problem, trained runs, landscapes and boundary figures, each
estimated by the cost model, run at once or in a worker (``gdviz.ui.work``), and cached in bytes."""

from __future__ import annotations

from gdviz import limits
from gdviz.analysis import network as nnrun
from gdviz.analysis.network import NetRun, PlaneResult
from gdviz.figures.network import BoundaryRun, boundary_figure
from gdviz.problems.mlp import Mlp
from gdviz.serve import cost, tasks
from gdviz.serve.cache import ByteCache
from gdviz.ui import work
from gdviz.ui.network.state import RUN_NAMES, NetConfig, NetSpec, TrainSpec

# An entry holds the frames (1 MB) and the thinned path (up to 5 MB for the widest network).
TRAINED = ByteCache("trained networks", 96 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
LANDSCAPES = ByteCache("network landscapes", 32 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
BOUNDARIES = ByteCache("boundary figures", 64 * 2**20, ttl=limits.CACHE_TTL_SECONDS)


def get_problem(net: NetSpec) -> Mlp:
    """The page's network and data. Building them is part of making the page's plan (at most
    0.01 s: 5000 samples)."""
    with work.piece("problem"):
        return tasks.build_problem(_recipe(net))


def _plane_points(resolution: int) -> int:
    return resolution**2 + nnrun.PATH_STATES


def plane_key(cfg: NetConfig, tr: TrainSpec, kind: str, span: float, resolution: int, dir_seed: int):
    return ("net.plane", cfg.net, tr, cfg.steps, cfg.seed, kind, span, resolution, dir_seed)


def page_pieces(cfg: NetConfig, landscape: tuple | None, *, training: bool = True) -> list[work.Piece]:
    """Every piece of work one run of the page does, before any of it: each run's training (its
    frames and curves), the boundary figure, and each run's landscape with ``landscape`` = (kind,
    span, resolution, dir_seed); only the landscapes when not ``training``."""
    p = get_problem(cfg.net)
    pieces = []
    if training:
        for k, tr in enumerate(cfg.runs):
            plan = _train_plan(cfg, tr, RUN_NAMES[k])
            pieces.append(work.Piece("training", plan.estimate, plan.key in TRAINED))
        pieces.append(work.Piece("figure", cost.figure_estimate(len(cfg.runs), nnrun.FRAMES), False))
    if landscape is not None:
        kind, span, resolution, dir_seed = landscape
        for tr in cfg.runs:
            pieces.append(
                work.Piece(
                    "landscape",
                    cost.loss_grid_estimate(p, _plane_points(resolution), name="landscape"),
                    plane_key(cfg, tr, kind, span, resolution, dir_seed) in LANDSCAPES,
                )
            )
    return pieces


def _recipe(net: NetSpec) -> tuple:
    return ("named", "mlp", net.options())


def train_estimate(p: Mlp, tr: TrainSpec, steps: int) -> cost.Estimate:
    """Training, then the metrics at the curve and frame states and the output on the frame grid."""
    states = nnrun.CURVE_POINTS + nnrun.FRAMES
    grid_points = nnrun.FRAMES * nnrun.GRID**2 / max(1, p.n_samples)
    return (
        cost.run_estimate(
            p, tr.rule, steps=steps, batch_size=tr.batch(p.n_samples), keep=nnrun.PATH_STATES, name="training"
        )
        + cost.loss_grid_estimate(p, 2 * states, name="training")
        + cost.loss_grid_estimate(p, grid_points, name="frames")
    )


def _train_plan(cfg: NetConfig, tr: TrainSpec, slot: str) -> work.Plan:
    p = get_problem(cfg.net)
    opt = tr.optimizer()
    return work.Plan(
        key=("net.train", cfg.net, tr, cfg.steps, cfg.seed),
        task="network.train",
        args={
            "recipe": _recipe(cfg.net),
            "rule": opt.label,
            "hyper": tr.hyper(),
            "steps": int(cfg.steps),
            "batch_size": tr.batch(p.n_samples),
            "seed": int(cfg.seed),
        },
        estimate=train_estimate(p, tr, cfg.steps),
        cache=TRAINED,
        slot=f"net.train.{slot}",
        part="training",
    )


def train(cfg: NetConfig, tr: TrainSpec, slot: str) -> NetRun | None:
    """One trained run (None while it waits for a click, or was refused: the page says why)."""
    return work.obtain(_train_plan(cfg, tr, slot))


def loss_plane(
    cfg: NetConfig,
    tr: TrainSpec,
    r: NetRun,
    kind: str,
    span: float,
    resolution: int,
    dir_seed: int,
    slot: str,
) -> PlaneResult | None:
    """The random filter-normalized plane around the final weights, or the trajectory's PCA plane."""
    p = get_problem(cfg.net)
    plan = work.Plan(
        key=plane_key(cfg, tr, kind, span, resolution, dir_seed),
        task="network.plane",
        args={
            "recipe": _recipe(cfg.net),
            "final": r.final,
            "path": r.path,
            "kind": kind,
            "span": float(span),
            "resolution": int(resolution),
            "dir_seed": int(dir_seed),
        },
        estimate=cost.loss_grid_estimate(p, resolution**2 + len(r.path), name="landscape"),
        cache=LANDSCAPES,
        slot=f"net.plane.{slot}",
        part="landscape",
    )
    return work.obtain(plan)


def boundary_spec(
    net: NetSpec,
    runs: tuple[TrainSpec, ...],
    steps: int,
    seed: int,
    results: list[NetRun],
    labels: tuple[str, ...],
    captions: tuple[tuple[str, ...], ...],
    fig_labels: tuple[tuple[str, str], ...],
    open_at_start: bool = False,
) -> dict:
    """The boundary figure's JSON spec: building its frames (images, level lines) costs more than the
    rest of a rerun, and a rerun that changes no training setting gets it back from here."""
    key = (net, runs, steps, seed, labels, captions, fig_labels, open_at_start)
    found = BOUNDARIES.get(key)
    if found is not None:
        return found
    p = get_problem(net)
    r0 = results[0]
    with work.piece("figure"):
        fig = boundary_figure(
            [
                BoundaryRun(lab, r.frame_grids, cap)
                for lab, r, cap in zip(labels, results, captions, strict=True)
            ],
            x=r0.grid_x,
            y=r0.grid_y,
            steps=r0.frame_steps,
            task=p.task,
            X_train=p.X_train,
            y_train=p.y_train,
            X_test=p.X_test,
            y_test=p.y_test,
            labels=dict(fig_labels),
            open_at_start=open_at_start,
        )
    BOUNDARIES.put(key, fig.spec)
    return fig.spec


def results_of(cfg: NetConfig) -> list[NetRun] | None:
    """The trained runs of ``cfg`` for a fragment, which keeps its arguments as long as the session
    lives: it gets the small config and looks the runs up (they are cached by the page's run)."""
    out = []
    for k, tr in enumerate(cfg.runs):
        r = train(cfg, tr, RUN_NAMES[k])
        if r is None:
            return None
        out.append(r)
    return out
