"""Loss surfaces on a grid: a 2-D slice through two parameters, or a plane through any two directions.

Evaluation is one vectorized call per chunk of grid points, so a 200×200 grid is 40 000 rows of a
``(N, P)`` array — for linear regression that never touches the data (the problem answers from its
sufficient statistics).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.errors import check_number
from gdviz.problems.base import Problem

# Bounded working memory: about 16 MB of float64 parameters per chunk.
_CHUNK_VALUES = 2_000_000


class Surface(NamedTuple):
    """``z[i, j]`` is the loss at ``(x[j], y[i])`` (Plotly's contour convention); non-finite → NaN."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    axes: tuple[int, int]
    center: np.ndarray


def _check_window(window):
    try:
        (x0, x1), (y0, y1) = window
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError) as err:
        raise ValueError(f"window must be ((xmin, xmax), (ymin, ymax)), got {window!r}") from err
    if not all(np.isfinite([x0, x1, y0, y1])) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"window must be finite with xmin < xmax and ymin < ymax, got {window!r}")
    return (x0, x1), (y0, y1)


def evaluate(problem: Problem, points: np.ndarray) -> np.ndarray:
    """Loss at many points ``(N, P)``, chunked; non-finite values become NaN without warnings."""
    points = np.asarray(points, dtype=float)
    n, p = points.shape
    chunk = max(1, _CHUNK_VALUES // max(p, 1))
    out = np.empty(n)
    with np.errstate(all="ignore"):
        for i in range(0, n, chunk):
            out[i : i + chunk] = problem.loss(points[i : i + chunk])
    out[~np.isfinite(out)] = np.nan
    return out


def slice_grid(
    problem: Problem,
    *,
    window=None,
    resolution: int = 120,
    axes: tuple[int, int] | None = None,
    center=None,
) -> Surface:
    """The loss over a window of parameters ``axes`` with every other parameter fixed at ``center``.

    ``center`` defaults to the problem's start point; for 2-parameter problems it does not matter.
    """
    res = check_number("resolution", resolution, lo=2, hi=limits.MAX_GRID, integer=True)
    axes = tuple(problem.axes if axes is None else axes)
    P = problem.n_params
    if len(axes) != 2 or axes[0] == axes[1] or not all(isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError(f"axes must be two different parameter indices, got {axes!r}")
    if not all(0 <= a < P for a in axes):
        raise ValueError(f"axes must be in 0…{P - 1}, got {axes!r}")
    (x0, x1), (y0, y1) = _check_window(problem.window if window is None else window)
    c = np.array(problem.start if center is None else center, dtype=float)
    if c.shape != (P,) or not np.all(np.isfinite(c)):
        raise ValueError(f"center must be {P} finite numbers, got {center!r}")
    x = np.linspace(x0, x1, res)
    y = np.linspace(y0, y1, res)
    pts = np.broadcast_to(c, (res, res, P)).copy()
    pts[:, :, axes[0]] = x[None, :]
    pts[:, :, axes[1]] = y[:, None]
    z = evaluate(problem, pts.reshape(-1, P)).reshape(res, res)
    return Surface(x, y, z, axes, c)


def plane_grid(problem: Problem, center, d1, d2, *, window, resolution: int = 60) -> Surface:
    """The loss over ``center + a·d1 + b·d2`` for (a, b) in ``window``: a plane in parameter space."""
    res = check_number("resolution", resolution, lo=2, hi=limits.MAX_GRID, integer=True)
    (a0, a1), (b0, b1) = _check_window(window)
    P = problem.n_params
    vecs = []
    for what, v in (("center", center), ("d1", d1), ("d2", d2)):
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{what} must be {P} finite numbers, got {v!r}") from err
        # a length-1 direction would broadcast silently over every parameter
        if arr.shape != (P,) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{what} must be {P} finite numbers, got shape {arr.shape}")
        vecs.append(arr)
    c, d1, d2 = vecs
    a = np.linspace(a0, a1, res)
    b = np.linspace(b0, b1, res)
    pts = c + a[None, :, None] * d1 + b[:, None, None] * d2
    z = evaluate(problem, pts.reshape(-1, c.size)).reshape(res, res)
    return Surface(a, b, z, (-1, -1), c)
