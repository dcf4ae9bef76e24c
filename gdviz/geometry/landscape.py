"""Loss landscapes of high-dimensional problems: 2-D planes through parameter space.

Two planes, after Li et al. (2018), "Visualizing the Loss Landscape of Neural Nets":

- ``random_plane``: the loss over ``center + α·d1 + β·d2`` along two seeded random directions,
  *filter-normalized*: for problems that expose their layer structure (an attribute ``layers`` of
  items with ``weight`` slice, ``shape`` ``(fan_out, fan_in)`` and ``bias`` slice, like
  ``gdviz.problems.mlp.Mlp``), each row of a direction's weight matrix — one unit's incoming weights, the
  MLP's "filter" — is rescaled to the norm of the same row of the weights at ``center``, and the
  bias entries are zeroed (the paper does the same for biases and batch-norm parameters). Without
  a layer structure the two directions are plain random unit vectors, orthogonalized.
- ``pca_plane``: the plane of the first two principal directions of a trajectory, centred at its
  final point (as in the paper), with the explained-variance ratios and the projected path.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.errors import check_number
from gdviz.geometry.surfaces import Surface, evaluate
from gdviz.problems.base import Problem

# Float64 values of grid parameters materialized at once (16 MB), like gdviz.geometry.surfaces.
_CHUNK_VALUES = 2_000_000


class Landscape(NamedTuple):
    """A loss plane: ``surface.z[i, j]`` is the loss at ``center + x[j]·d1 + y[i]·d2`` (NaN where not
    finite). ``explained`` (the two variance ratios) and ``path`` (the trajectory's ``(T, 2)``
    coordinates in the plane) are set for the PCA plane, None for the random one."""

    surface: Surface
    d1: np.ndarray
    d2: np.ndarray
    explained: np.ndarray | None
    path: np.ndarray | None


class TrajectoryPca(NamedTuple):
    """Principal directions of ``path − path[-1]``: unit vectors ``d1``, ``d2``, their shares
    ``explained`` of the total squared displacement, and the path's coordinates ``coords`` ``(T, 2)``."""

    d1: np.ndarray
    d2: np.ndarray
    explained: np.ndarray
    coords: np.ndarray
    center: np.ndarray


def _vector(name: str, value, p: int) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    if v.shape != (p,) or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be {p} finite numbers (one per parameter), got shape {v.shape}")
    return v


def filter_normalize(problem: Problem, direction, center) -> np.ndarray:
    """Rescale ``direction`` row by row to the weights' row norms at ``center``; biases → 0.

    Entries outside every layer's weight matrix are zeroed too, so the plane moves only the weights.
    Needs ``problem.layers`` (see the module docstring).
    """
    layers = getattr(problem, "layers", None)
    if not layers:
        raise ValueError(
            "problem must have a layer structure to filter-normalize over (as mlp has), "
            f"got {problem.name!r}, which has no layer structure"
        )
    p = problem.n_params
    d = _vector("direction", direction, p)
    c = _vector("center", center, p)
    out = np.zeros(p)
    for ly in layers:
        dw = d[ly.weight].reshape(ly.shape)
        w_norm = np.linalg.norm(c[ly.weight].reshape(ly.shape), axis=1, keepdims=True)
        d_norm = np.linalg.norm(dw, axis=1, keepdims=True)
        # A row of zeros in the direction has no scale to adjust; it stays zero.
        scale = np.divide(w_norm, d_norm, out=np.zeros_like(w_norm), where=d_norm > 0)
        out[ly.weight] = (dw * scale).ravel()
    return out


def random_directions(problem: Problem, center, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded random directions: filter-normalized when the problem has layers, else
    orthonormal."""
    seed = check_number("seed", seed, lo=0, integer=True)
    p = problem.n_params
    c = _vector("center", center, p)
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((2, p))
    if getattr(problem, "layers", None):
        return filter_normalize(problem, g[0], c), filter_normalize(problem, g[1], c)
    if p < 2:
        raise ValueError(
            f"problem must have at least 2 parameters to span a plane, got {problem.name!r} with {p}"
        )
    d1 = g[0] / np.linalg.norm(g[0])
    d2 = g[1] - (g[1] @ d1) * d1
    return d1, d2 / np.linalg.norm(d2)


def _grid_axis(name: str, values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or not 1 <= v.size <= limits.MAX_GRID or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be 1 to {limits.MAX_GRID} finite numbers, got shape {v.shape}")
    return v


def plane_grid(problem: Problem, center, d1, d2, alphas, betas) -> np.ndarray:
    """Loss at ``center + α·d1 + β·d2`` for every α in ``alphas``, β in ``betas``: shape
    ``(len(betas), len(alphas))``, non-finite → NaN.

    The grid points are built and evaluated a block of rows at a time, so memory stays bounded
    however many parameters the problem has, and each block is one vectorized ``problem.loss`` call.
    """
    p = problem.n_params
    c, d1, d2 = (_vector(n, v, p) for n, v in (("center", center), ("d1", d1), ("d2", d2)))
    a = _grid_axis("alphas", alphas)
    b = _grid_axis("betas", betas)
    rows = max(1, _CHUNK_VALUES // (a.size * p))
    z = np.empty((b.size, a.size))
    for i in range(0, b.size, rows):
        bb = b[i : i + rows]
        pts = c + a[None, :, None] * d1 + bb[:, None, None] * d2
        z[i : i + rows] = evaluate(problem, pts.reshape(-1, p)).reshape(bb.size, a.size)
    return z


def random_plane(
    problem: Problem, center, *, seed: int = 0, span: float = 1.0, resolution: int = 41
) -> Landscape:
    """The loss on ``[-span, span]²`` along two random (filter-normalized) directions around ``center``
    (usually the final weights)."""
    span = check_number("span", span, lo=0, lo_open=True, hi=1e6)
    res = check_number("resolution", resolution, lo=2, hi=limits.MAX_GRID, integer=True)
    c = _vector("center", center, problem.n_params)
    d1, d2 = random_directions(problem, c, seed=seed)
    axis = np.linspace(-span, span, res)
    z = plane_grid(problem, c, d1, d2, axis, axis)
    return Landscape(Surface(axis, axis.copy(), z, (-1, -1), c), d1, d2, None, None)


def trajectory_pca(path) -> TrajectoryPca:
    """First two principal directions of a trajectory ``(T, P)`` relative to its final point.

    With ``M = path − path[-1]`` and singular values σ, ``explained = σ₁², σ₂² / Σσ²``; the squared
    residual of projecting M onto the plane is ``(1 − Σ explained)·‖M‖²``. Each direction's sign
    makes the start point's coordinate ≥ 0.
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[0] < 2 or path.shape[1] < 2:
        raise ValueError(
            f"path must have shape (T, P) with T ≥ 2 states and P ≥ 2 parameters, got {path.shape}"
        )
    if not np.all(np.isfinite(path)):
        bad = int(np.flatnonzero(~np.isfinite(path).all(axis=1))[0])
        raise ValueError(
            "path must be finite; cut a diverged run at its last finite state, "
            f"got a non-finite value in state {bad}"
        )
    center = path[-1].copy()
    m = path - center
    total = float(np.sum(m * m))
    if total == 0.0:
        raise ValueError(
            f"path must move to have principal directions, got {path.shape[0]} equal states: it does not move"
        )
    t, p = m.shape
    # Eigenvectors of the smaller Gram matrix: O(T·P·min(T, P)), much cheaper than an SVD of a long
    # path, and only the top two are needed.
    if t >= p:
        cand = np.linalg.eigh(m.T @ m)[1][:, :-3:-1].T
    else:
        cand = (m.T @ np.linalg.eigh(m @ m.T)[1][:, :-3:-1]).T
    d1 = cand[0] / np.linalg.norm(cand[0])
    d2 = cand[1] - (cand[1] @ d1) * d1
    if np.linalg.norm(d2) <= 1e-12 * np.linalg.norm(cand[0]):
        # A straight path spans only d1; any orthogonal direction completes the plane.
        d2 = -d1[np.argmin(np.abs(d1))] * d1
        d2[np.argmin(np.abs(d1))] += 1.0
    dirs = np.stack([d1, d2 / np.linalg.norm(d2)])
    coords = m @ dirs.T
    for k in range(2):
        # The start is the natural anchor; for a start on the axis fall back to the largest component.
        ref = coords[0, k] if coords[0, k] != 0 else dirs[k, np.argmax(np.abs(dirs[k]))]
        if ref < 0:
            dirs[k] *= -1
            coords[:, k] *= -1
    # Shares measured on the projections themselves, so residual² = (1 − Σ explained)·total holds for
    # the directions actually returned (Pythagoras), not only for exact eigenvectors.
    explained = np.sum(coords * coords, axis=0) / total
    return TrajectoryPca(dirs[0], dirs[1], explained, coords, center)


def pca_plane(problem: Problem, path, *, resolution: int = 41, margin: float = 0.25) -> Landscape:
    """The loss on the trajectory's PCA plane, over the path's extent plus ``margin`` of it per side.

    An axis along which the path barely moves still gets a quarter of the larger extent, so the
    plane never collapses to a line.
    """
    res = check_number("resolution", resolution, lo=2, hi=limits.MAX_GRID, integer=True)
    margin = check_number("margin", margin, lo=0, hi=10)
    pca = trajectory_pca(path)
    if pca.center.size != problem.n_params:
        raise ValueError(
            f"path must have {problem.n_params} parameters per state (those of problem {problem.name!r}), "
            f"got {pca.center.size}"
        )
    lo = np.minimum(pca.coords.min(axis=0), 0.0)
    hi = np.maximum(pca.coords.max(axis=0), 0.0)
    width = np.maximum(hi - lo, 0.25 * np.max(hi - lo))
    mid = 0.5 * (lo + hi)
    half = 0.5 * width * (1 + 2 * margin)
    alphas = np.linspace(mid[0] - half[0], mid[0] + half[0], res)
    betas = np.linspace(mid[1] - half[1], mid[1] + half[1], res)
    z = plane_grid(problem, pca.center, pca.d1, pca.d2, alphas, betas)
    return Landscape(
        Surface(alphas, betas, z, (-1, -1), pca.center), pca.d1, pca.d2, pca.explained, pca.coords
    )


__all__ = [
    "Landscape",
    "TrajectoryPca",
    "filter_normalize",
    "pca_plane",
    "plane_grid",
    "random_directions",
    "random_plane",
    "trajectory_pca",
]
