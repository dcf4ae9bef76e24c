"""What the network page shows of a training run, computed without the page (so a worker can).

``train_network`` trains the MLP and keeps only what is drawn: metrics at up to CURVE_POINTS steps,
the output on a GRID × GRID grid at FRAMES steps (denser at the start, where a network changes
fastest), PATH_STATES states for the trajectory's PCA plane, and the final weights. The record
keeps exactly those states (``gdviz.run(..., keep=steps)``), so a wide network's run never holds
all its states in memory. ``loss_plane`` gives a landscape around a trained run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.geometry.landscape import pca_plane, random_plane
from gdviz.optim import Optimizer
from gdviz.problems.mlp import Mlp
from gdviz.serve import meter
from gdviz.train import run

# Boundary grid points per side: one image pixel each, smoothed by the browser; 64² keeps a frame's
# PNG near 3 kB, so 60 frames of two runs stay well under a megabyte.
GRID = 64
FRAMES = 60
CURVE_POINTS = 400
# States kept for the trajectory's PCA: the plane of 300 evenly spaced states is the plane of the
# whole path to the precision a 41-point grid can show, and caps what a cache entry holds.
PATH_STATES = 301
# Margin around the data in the boundary view, as a share of the data's extent.
PAD = 0.12


@dataclass(frozen=True, eq=False)
class NetRun:
    """What the page shows of one training run: metrics along the way, the output on the boundary
    grid at each frame, a thinned path for the PCA plane, and the final weights."""

    steps_done: int
    diverged: int | None
    seconds: float
    curve_steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray | None
    train_acc: np.ndarray | None
    test_acc: np.ndarray | None
    weight_norm: np.ndarray
    frame_steps: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    frame_grids: np.ndarray  # (F, GRID, GRID) float32
    frame_loss: np.ndarray
    frame_test_loss: np.ndarray | None
    frame_acc: np.ndarray | None  # test accuracy, or train accuracy without a test set
    path: np.ndarray
    final: np.ndarray


@dataclass(frozen=True, eq=False)
class PlaneResult:
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    center_loss: float
    path: np.ndarray | None
    path_loss: np.ndarray | None
    explained: np.ndarray | None


def frame_schedule(steps: int, frames: int = FRAMES) -> np.ndarray:
    """Steps shown by the animation, denser at the start where a network changes fastest: step
    ``round(steps · (k / (frames − 1))²)``, duplicates removed, 0 and ``steps`` included."""
    u = np.linspace(0.0, 1.0, max(2, frames))
    return np.unique(np.round(steps * u * u).astype(np.int64))


def data_grid(problem: Mlp) -> tuple[np.ndarray, np.ndarray]:
    """Grid axes over all the data (train and test) with a margin, GRID points each."""
    X = np.vstack([problem.X_train, problem.X_test])
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = PAD * np.maximum(hi - lo, 1e-3)
    return np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID), np.linspace(
        lo[1] - pad[1], hi[1] + pad[1], GRID
    )


def thin(last: int, k: int) -> np.ndarray:
    """At most ``k`` evenly spread indices 0 … last, both ends included."""
    return np.unique(np.linspace(0, last, min(k, last + 1)).round().astype(np.int64))


def kept_steps(steps: int) -> np.ndarray:
    """Every step whose state ``train_network`` reads."""
    return np.unique(
        np.concatenate([thin(steps, CURVE_POINTS), frame_schedule(steps), thin(steps, PATH_STATES)])
    )


def train_network(
    problem: Mlp, optimizer: Optimizer, *, steps: int, batch_size: int | None, seed: int, progress=None
) -> NetRun:
    """Train one run and extract what the page draws; ValueError for settings the core refuses."""
    rec = run(
        problem,
        optimizer,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        keep=kept_steps(steps),
        progress=None if progress is None else lambda done, total: progress(0.8 * done / total),
    )
    last = int(rec.steps_done)

    def states(wanted: np.ndarray) -> np.ndarray:
        # the state at each wanted step (a run that stopped early keeps its last state)
        rows = np.searchsorted(rec.param_steps, np.minimum(wanted, last))
        return np.asarray(rec.params[rows], dtype=float)

    cs = thin(last, CURVE_POINTS)
    curve = states(cs)
    m = problem.metrics(curve)
    fs = frame_schedule(steps)
    frame_states = states(fs)
    gx, gy = data_grid(problem)
    xy = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    grids = problem.predict(frame_states, xy).reshape(len(fs), len(gy), len(gx)).astype(np.float32)
    fm = problem.metrics(frame_states)
    has_test = fm.test_loss is not None
    if progress is not None:
        progress(1.0)
    return NetRun(
        steps_done=last,
        diverged=None if rec.diverged is None else int(rec.diverged),
        seconds=float(rec.time[-1]),
        curve_steps=cs,
        train_loss=m.train_loss,
        test_loss=m.test_loss,
        train_acc=m.train_accuracy,
        test_acc=m.test_accuracy,
        weight_norm=problem.weight_norm(curve),
        frame_steps=fs,
        grid_x=gx,
        grid_y=gy,
        frame_grids=grids,
        frame_loss=fm.train_loss,
        frame_test_loss=fm.test_loss,
        frame_acc=fm.test_accuracy if has_test else fm.train_accuracy,
        path=states(thin(last, PATH_STATES)),
        final=np.array(rec.final_params, dtype=float),
    )


def loss_plane(
    problem: Mlp,
    final: np.ndarray,
    path: np.ndarray,
    *,
    kind: str,
    span: float,
    resolution: int,
    dir_seed: int,
) -> PlaneResult:
    """The random filter-normalized plane around the final weights, or the trajectory's PCA plane."""
    meter.charge("landscape")
    center_loss = float(problem.loss(final))
    if kind == "random":
        land = random_plane(problem, final, seed=dir_seed, span=span, resolution=resolution)
        return PlaneResult(land.surface.x, land.surface.y, land.surface.z, center_loss, None, None, None)
    land = pca_plane(problem, path, resolution=resolution)
    pts = land.surface.center + land.path[:, :1] * land.d1 + land.path[:, 1:] * land.d2
    with np.errstate(all="ignore"):
        path_loss = problem.loss(pts)
    return PlaneResult(
        land.surface.x, land.surface.y, land.surface.z, center_loss, land.path, path_loss, land.explained
    )


__all__ = [
    "CURVE_POINTS",
    "FRAMES",
    "GRID",
    "PATH_STATES",
    "NetRun",
    "PlaneResult",
    "data_grid",
    "frame_schedule",
    "kept_steps",
    "loss_plane",
    "thin",
    "train_network",
]
