"""Numbers the page reports about a run: distance to the minimum, local curvature, step limits."""

from __future__ import annotations

import numpy as np

from gdviz.problems.base import Problem

# The finite-difference Hessian costs 2·P gradient evaluations; above this size it is not worth it
# for a message.
MAX_HESSIAN_PARAMS = 64


def distance_to_minimum(problem: Problem, theta: np.ndarray) -> float | None:
    """Distance from ``theta`` to the nearest known minimiser.

    For a quadratic whose Hessian is singular (the article's collinear features) the minimisers
    form an affine set, not a point; the distance is then to that set: the part of θ − θ* outside
    the Hessian's null space.
    """
    theta = np.asarray(theta, dtype=float)
    mins = np.asarray(problem.minima, dtype=float).reshape(-1, problem.n_params)
    if not len(mins) or not np.all(np.isfinite(theta)):
        return None
    q = problem.quadratic_form()
    if q is not None:
        A = np.asarray(q[0], dtype=float)
        lam, vec = np.linalg.eigh(A)
        keep = lam > 1e-10 * max(lam.max(), 1e-300)
        if not keep.all():
            d = (theta - mins[0]) @ vec[:, keep]
            return float(np.linalg.norm(d))
    return float(np.min(np.linalg.norm(mins - theta, axis=1)))


def top_curvature(problem: Problem, theta: np.ndarray) -> float | None:
    """The largest Hessian eigenvalue at ``theta`` (None when unknown, non-finite or too costly)."""
    if problem.n_params > MAX_HESSIAN_PARAMS:
        return None
    q = problem.quadratic_form()
    try:
        with np.errstate(all="ignore"):
            h = (
                np.asarray(q[0], dtype=float)
                if q is not None
                else problem.hessian(np.asarray(theta, dtype=float))
            )
            if not np.all(np.isfinite(h)):
                return None
            lam = float(np.linalg.eigvalsh(0.5 * (h + h.T)).max())
    except (ValueError, np.linalg.LinAlgError):
        return None
    return lam if np.isfinite(lam) else None


def step_limit(problem: Problem, theta: np.ndarray) -> float | None:
    """2/λ_max at ``theta``: plain gradient descent with a larger step overshoots along the steepest
    direction (on a quadratic, it diverges)."""
    lam = top_curvature(problem, theta)
    return 2.0 / lam if lam and lam > 0 else None
