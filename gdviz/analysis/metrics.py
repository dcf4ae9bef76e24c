"""What the summary reports about where a run ended: its distance to the (set of) minima."""

from __future__ import annotations

import numpy as np

from gdviz.problems.base import Problem


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
