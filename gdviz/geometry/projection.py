"""Where to look: choosing the 2-D view of runs in a space of any dimension, and the window to show.

A problem with two parameters is its own view. With more (the article's w1, w2, b; a network's
weights) the page shows either a *slice* — two chosen parameters vary, every other one is held at
the final point of the first run — or the *plane* through the first run's trajectory spanned by its
two principal directions. Both are honest about what they show: the paths are projections, and the
surface is exact only on the slice or plane itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdviz.geometry.surfaces import Surface, plane_grid, slice_grid
from gdviz.problems.base import Problem
from gdviz.serve import meter

# How far a view grows beyond the default window, in widths of it on each side (``auto_window``);
# the race page keeps a start point a link or a field gives within that reach (ui.race.repairs).
GROW_LIMIT = 4.0


@dataclass(frozen=True)
class View:
    kind: str  # "full" (2 parameters), "slice" or "pca"
    surface: Surface
    window: tuple[tuple[float, float], tuple[float, float]]
    paths: list[np.ndarray]  # per run, (T+1, 2) in view coordinates
    minima: np.ndarray  # (k, 2) in view coordinates (only those inside the view's plane or slice)
    axis_titles: tuple[str, str]
    center: np.ndarray
    explained: tuple[float, float] | None = None
    basis: np.ndarray | None = None  # (2, P): the PCA plane's directions (kind "pca" only)
    # minimisers that are not on the slice or plane, at their projection (drawn hollow: the star
    # would otherwise vanish whenever run 1 ends a little off the minimum)
    minima_off: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def project(self, points) -> np.ndarray:
        """Points ``(..., P)`` of parameter space in this view's coordinates ``(..., 2)``, as its
        paths are: the plotted pair (a slice, or two parameters), or the plane's coordinates."""
        pts = np.asarray(points, dtype=float)
        if self.kind == "pca":
            return (pts - self.center) @ self.basis.T
        return pts[..., list(self.surface.axes)]


def _finite_rows(p: np.ndarray) -> np.ndarray:
    return p[np.all(np.isfinite(p), axis=1)]


def auto_window(default, paths, *, margin: float = 0.08, grow_limit: float = GROW_LIMIT, edge: float = 0.02):
    """The default window, grown to contain the converging parts of the paths.

    Runs that run away would stretch the view to nothing, so growth is limited to ``grow_limit``
    times the default size on each axis; beyond that the path is cut at the edge and the page says
    the run diverged.
    """
    (x0, x1), (y0, y1) = default
    w, h = x1 - x0, y1 - y0
    pts = [_finite_rows(np.asarray(p)) for p in paths if len(p)]
    pts = [p for p in pts if len(p)]
    if pts:
        allp = np.vstack(pts)
        lo = np.maximum(allp.min(axis=0), [x0 - grow_limit * w, y0 - grow_limit * h])
        hi = np.minimum(allp.max(axis=0), [x1 + grow_limit * w, y1 + grow_limit * h])
        # A point within `edge` of the border (a start on the window's edge) would be drawn half
        # cut off: the window grows around it as around a point outside.
        ex, ey = edge * w, edge * h
        if hi[0] > x1 - ex or lo[0] < x0 + ex:
            x0, x1 = min(x0, lo[0] - margin * w), max(x1, hi[0] + margin * w)
        if hi[1] > y1 - ey or lo[1] < y0 + ey:
            y0, y1 = min(y0, lo[1] - margin * h), max(y1, hi[1] + margin * h)
    return (float(x0), float(x1)), (float(y0), float(y1))


def path_window(paths, *, margin: float = 0.12):
    """A window around whole paths (for views with no default window: other slices, planes).

    Callers pass the runs that did not diverge; every point of them, start included, is shown.
    """
    pts = [_finite_rows(np.asarray(p)) for p in paths if len(p)]
    pts = [p for p in pts if len(p)]
    if not pts:
        return (-1.0, 1.0), (-1.0, 1.0)
    allp = np.vstack(pts)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    span = hi - lo
    # a degenerate (straight or fixed) path still gets a square-ish window around it
    span = np.maximum(span, np.maximum(0.25 * span.max(), 1e-3 * (1 + np.abs(hi + lo) / 2)))
    mid = (hi + lo) / 2
    lo, hi = mid - (0.5 + margin) * span, mid + (0.5 + margin) * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _minimizer_set_on_slice(problem: Problem, center: np.ndarray, ax) -> np.ndarray | None:
    """Where the minimisers of a quadratic with a singular Hessian (a line or plane of minima, as
    with the article's collinear features) cross the slice: (1, 2) or (0, 2); None if not such a
    problem. The set is θ* + N·t with N the Hessian's null space; on the slice the held parameters
    fix t."""
    q = problem.quadratic_form()
    mins = np.asarray(problem.minima, dtype=float).reshape(-1, problem.n_params)
    if q is None or not len(mins):
        return None
    lam, vec = np.linalg.eigh(np.asarray(q[0], dtype=float))
    null = vec[:, lam <= 1e-10 * max(lam.max(), 1e-300)]
    if null.shape[1] == 0:
        return None
    others = [i for i in range(problem.n_params) if i not in ax]
    M, rhs = null[others], center[others] - mins[0][others]
    t, *_ = np.linalg.lstsq(M, rhs, rcond=None)
    if np.linalg.norm(M @ t - rhs) > 1e-8 * (1 + np.linalg.norm(rhs)):
        return np.zeros((0, 2))
    theta = mins[0] + null @ t
    return theta[list(ax)][None, :]


def _minimizer_set_on_plane(problem: Problem, center: np.ndarray, d1: np.ndarray, d2: np.ndarray):
    """Where a line (or plane) of minimisers crosses a PCA plane, in the plane's coordinates: (1, 2)
    when they cross in one point, (0, 2) when they miss or meet in more than a point, None if the
    problem has no such set. Solves center + a·d1 + b·d2 = θ* + N·t; without it the star shows only
    when run 1 happens to end exactly on the set (full-batch GD does, Adam does not)."""
    q = problem.quadratic_form()
    mins = np.asarray(problem.minima, dtype=float).reshape(-1, problem.n_params)
    if q is None or not len(mins):
        return None
    lam, vec = np.linalg.eigh(np.asarray(q[0], dtype=float))
    null = vec[:, lam <= 1e-10 * max(lam.max(), 1e-300)]
    if null.shape[1] == 0:
        return None
    M = np.column_stack([d1, d2, -null])
    rhs = mins[0] - center
    sol, _, rank, _ = np.linalg.lstsq(M, rhs, rcond=None)
    if rank < M.shape[1] or np.linalg.norm(M @ sol - rhs) > 1e-8 * (1 + np.linalg.norm(rhs)):
        return np.zeros((0, 2))
    return sol[None, :2]


PANEL_ASPECT = 1.7  # width : height of the surface panel at the usual page width


def fit_aspect(window, aspect: float = PANEL_ASPECT):
    """Grow the shorter side of a window so that, drawn with equal scales on both axes (true
    geometry), it fills a panel of the given aspect. Windows too lopsided for equal scales
    (ratio beyond 3 : 1) are returned unchanged; the figure then scales the axes separately."""
    (x0, x1), (y0, y1) = window
    w, h = x1 - x0, y1 - y0
    if not (w > 0 and h > 0) or not (1 / 3 <= h / w <= 3):
        return window
    if w < aspect * h:
        g = (aspect * h - w) / 2
        x0, x1 = x0 - g, x1 + g
    else:
        g = (w / aspect - h) / 2
        y0, y1 = y0 - g, y1 + g
    return (float(x0), float(x1)), (float(y0), float(y1))


def make_view(
    problem: Problem,
    paths: list[np.ndarray],
    *,
    kind: str = "slice",
    axes: tuple[int, int] | None = None,
    resolution: int = 100,
    diverged: list[bool] | None = None,
    center=None,
) -> View:
    """Build the 2-D view of ``paths`` (each ``(T+1, P)``) on ``problem``.

    A slice holds the other parameters at the reference run's final point, or at ``center`` when
    given (a lesson asking whether runs end on a minimum must not hold them where run 1 ends, which
    puts the minimum drawn on the slice exactly there)."""
    meter.charge("surface")
    P = problem.n_params
    diverged = diverged or [False] * len(paths)
    ref = next(
        (p for p, d in zip(paths, diverged, strict=False) if not d and len(p)), paths[0] if paths else None
    )
    if center is not None and kind == "slice":
        center = np.array(center, dtype=float)
    else:
        center = np.array(ref[-1] if ref is not None else problem.start, dtype=float)
    if not np.all(np.isfinite(center)):
        center = np.array(problem.start, dtype=float)
    minima = np.asarray(problem.minima, dtype=float).reshape(-1, P)

    if P == 2 or kind == "slice":
        ax = tuple(problem.axes if axes is None else axes)
        xy = [np.asarray(p)[:, list(ax)] for p in paths]
        # a diverged run's path would stretch the view to nothing, but its start is drawn: a start
        # the page brought in from a link is said to be "the nearest point the chart can show"
        shown = [q if not d else q[:1] for q, d in zip(xy, diverged, strict=False)]
        if P == 2 or ax == tuple(problem.axes):
            window = auto_window(problem.window, shown)
        else:
            window = path_window([q for q, d in zip(xy, diverged, strict=False) if not d] or xy)
        window = fit_aspect(window)
        surf = slice_grid(problem, window=window, resolution=resolution, axes=ax, center=center)
        if P == 2:
            mins, off = minima[:, list(ax)], np.zeros((0, 2))
        else:
            # a minimiser belongs on this slice only if it agrees with the held parameters
            others = [i for i in range(P) if i not in ax]
            on = np.all(np.isclose(minima[:, others], center[others], atol=1e-6), axis=1)
            mins, off = minima[on][:, list(ax)], minima[~on][:, list(ax)]
            crossing = _minimizer_set_on_slice(problem, center, ax)
            if crossing is not None:
                mins, off = crossing, np.zeros((0, 2))
        names = (problem.param_names[ax[0]], problem.param_names[ax[1]])
        return View("full" if P == 2 else "slice", surf, window, xy, mins, names, center, minima_off=off)

    # PCA plane of the reference run's trajectory, centred at its final point
    from gdviz.geometry.landscape import trajectory_pca

    pca = trajectory_pca(np.asarray(ref))
    d1, d2 = pca.d1, pca.d2
    xy = [
        np.stack([(np.asarray(p) - pca.center) @ d1, (np.asarray(p) - pca.center) @ d2], axis=1)
        for p in paths
    ]
    window = fit_aspect(path_window([q for q, d in zip(xy, diverged, strict=False) if not d] or xy))
    surf = plane_grid(problem, pca.center, d1, d2, window=window, resolution=resolution)
    # minima are drawn only if they lie (nearly) on the plane
    rel = minima - pca.center
    coords = np.stack([rel @ d1, rel @ d2], axis=1) if len(minima) else np.zeros((0, 2))
    resid = (
        np.linalg.norm(rel - coords[:, :1] * d1 - coords[:, 1:] * d2, axis=1) if len(minima) else np.zeros(0)
    )
    on = resid < 1e-6 * (1 + np.linalg.norm(minima, axis=1))
    mins, off = (coords[on], coords[~on]) if len(minima) else (coords, coords)
    crossing = _minimizer_set_on_plane(problem, pca.center, d1, d2)
    if crossing is not None:
        mins, off = crossing, np.zeros((0, 2))
    return View(
        "pca",
        surf,
        window,
        xy,
        mins,
        ("PC1", "PC2"),
        pca.center,
        (float(pca.explained[0]), float(pca.explained[1])),
        np.stack([d1, d2]),
        off,
    )
