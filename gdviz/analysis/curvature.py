"""Curvature and the learning rates it allows: what theory predicts for gradient descent on a
quadratic, and locally on any problem. The one place that says which step is stable.

On L(θ) = ½ θᵀAθ − bᵀθ + c with Hessian A (eigenvalues λ_min … λ_max > 0, κ = λ_max/λ_min):

- plain GD θ ← θ − α∇L is stable iff α < 2/λ_max; each step multiplies the error along eigenvector
  i by (1 − αλ_i), so the rate is max_i |1 − αλ_i|, smallest at α* = 2/(λ_min + λ_max), where it is
  (κ − 1)/(κ + 1);
- heavy-ball momentum (torch's form v ← μv + g, θ ← θ − αv) is stable iff α < 2(1 + μ)/λ_max; with
  μ* = ((√κ − 1)/(√κ + 1))² and α* = 4/(√λ_max + √λ_min)² it converges at (√κ − 1)/(√κ + 1);
- Nesterov (torch's form) is stable iff α < 2(1 + μ)/((1 + 2μ)λ_max).

A Hessian with zero eigenvalues (collinear features: a line of minima) has no curvature along its
null space; the theory then speaks of the other directions, and κ uses the smallest *positive*
eigenvalue.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np

from gdviz.problems.base import Problem
from gdviz.serve import meter

# Eigenvalues below this fraction of the largest are the null space (round-off of exact zeros).
NULL_RTOL = 1e-10
# The finite-difference Hessian costs 2·P gradient evaluations; above this size it is not worth it
# for a message.
MAX_HESSIAN_PARAMS = 64


@dataclass(frozen=True)
class QuadraticTheory:
    eigenvalues: tuple[float, ...]  # all of them, ascending (zeros included)
    lam_min: float  # smallest positive
    lam_max: float
    kappa: float
    null_dim: int
    lr_limit: float  # 2/λ_max
    lr_best: float  # 2/(λ_min + λ_max)
    rate_best: float  # (κ − 1)/(κ + 1)
    momentum_best: float  # ((√κ − 1)/(√κ + 1))²
    lr_heavy_ball: float  # 4/(√λ_max + √λ_min)²
    rate_heavy_ball: float  # (√κ − 1)/(√κ + 1)

    def gd_rate(self, lr: float) -> float:
        """Contraction factor per step of plain GD with step ``lr`` (≥ 1: no convergence)."""
        lams = [lam for lam in self.eigenvalues if lam > NULL_RTOL * self.lam_max]
        return max(abs(1.0 - lr * lam) for lam in lams)

    def steps_to(self, lr: float, factor: float = 1e-3) -> float:
        """Steps for plain GD to shrink the error by ``factor`` (inf when it does not converge)."""
        r = self.gd_rate(lr)
        return math.inf if r >= 1 else math.log(factor) / math.log(r) if r > 0 else 1.0


def quadratic_theory(problem: Problem) -> QuadraticTheory | None:
    """The closed-form numbers for a problem whose loss is exactly quadratic, else None."""
    q = problem.quadratic_form()
    if q is None:
        return None
    A = np.asarray(q[0], dtype=float)
    lam = np.linalg.eigvalsh(0.5 * (A + A.T))
    lam_max = float(lam.max())
    if not lam_max > 0:
        return None
    positive = lam[lam > NULL_RTOL * lam_max]
    lam_min = float(positive.min())
    kappa = lam_max / lam_min
    sk = math.sqrt(kappa)
    return QuadraticTheory(
        eigenvalues=tuple(float(v) for v in lam),
        lam_min=lam_min,
        lam_max=lam_max,
        kappa=kappa,
        null_dim=int(len(lam) - len(positive)),
        lr_limit=2.0 / lam_max,
        lr_best=2.0 / (lam_min + lam_max),
        rate_best=(kappa - 1) / (kappa + 1),
        momentum_best=((sk - 1) / (sk + 1)) ** 2,
        lr_heavy_ball=4.0 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2,
        rate_heavy_ball=(sk - 1) / (sk + 1),
    )


# λ_max by problem and point: a page asks for the one at the start for its ruler, its theory note
# and each run's warning (six Hessians of a 61-parameter net were 1.5 s of one page run).
_TOP: weakref.WeakKeyDictionary[Problem, dict[bytes, float | None]] = weakref.WeakKeyDictionary()
_TOP_PER_PROBLEM = 64
_TOP_LOCK = threading.Lock()


def needs_hessian(problem: Problem) -> bool:
    """Whether :func:`top_curvature` computes a Hessian on ``problem`` (what a page's plan prices)."""
    return problem.n_params <= MAX_HESSIAN_PARAMS and problem.quadratic_form() is None


def curvature_known(problem: Problem, theta) -> bool:
    """Whether :func:`top_curvature` at ``theta`` costs nothing now (no Hessian, or remembered)."""
    if not needs_hessian(problem):
        return True
    with _TOP_LOCK:
        return np.asarray(theta, dtype=float).tobytes() in _TOP.get(problem, {})


def top_curvature(problem: Problem, theta: np.ndarray) -> float | None:
    """The largest Hessian eigenvalue at ``theta`` (None when unknown, non-finite or too costly)."""
    if problem.n_params > MAX_HESSIAN_PARAMS:
        return None
    theta = np.asarray(theta, dtype=float)
    key = theta.tobytes()
    with _TOP_LOCK:
        known = _TOP.get(problem, {})
        if key in known:
            return known[key]
    lam = _top_curvature(problem, theta)
    with _TOP_LOCK:
        known = _TOP.setdefault(problem, {})
        if len(known) >= _TOP_PER_PROBLEM:
            known.pop(next(iter(known)))
        known[key] = lam
    return lam


def _top_curvature(problem: Problem, theta: np.ndarray) -> float | None:
    q = problem.quadratic_form()
    if q is None:
        meter.charge("hessian")
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


def lam_max_at(problem: Problem, theta) -> float | None:
    """The curvature that limits the step at ``theta``: λ_max of a quadratic (the same everywhere),
    the top Hessian eigenvalue elsewhere; None where it is unknown or not positive."""
    q = quadratic_theory(problem)
    if q is not None:
        return q.lam_max
    lam = top_curvature(problem, np.asarray(theta, dtype=float))
    return lam if lam is not None and lam > 0 else None


def stable_lr(rule: str, lam_max: float, momentum: float = 0.0) -> float | None:
    """Largest stable learning rate for ``rule`` at curvature ``lam_max``: the theory above is of
    SGD's heavy ball and Nesterov (``rule`` is sgd or a convenience name of it); None for any other
    rule (an adaptive or sign-based step is not α × the gradients, so λ_max sets no fixed limit)."""
    from gdviz.optim import registry

    if not lam_max or lam_max <= 0 or not math.isfinite(lam_max):
        return None
    try:
        entry = registry.entry(rule)
    except ValueError:
        return None
    if entry.rule.name != "sgd":
        return None
    if entry.defaults["nesterov"]:
        return 2.0 * (1.0 + momentum) / ((1.0 + 2.0 * momentum) * lam_max)
    return 2.0 * (1.0 + momentum) / lam_max


def lr_limit(problem: Problem, rule="gd", *, at=None, **hyper) -> float | None:
    """The largest stable learning rate of ``rule`` on the local quadratic model at ``at`` (the
    problem's start by default), where theory gives one: 2/λ_max for gradient descent,
    2(1+μ)/((1−τ)λ_max) with momentum μ (heavy ball, dampening τ), 2(1+μ)/((1+2μ)λ_max) for
    Nesterov; weight decay adds to λ_max. None for adaptive rules (AdaGrad, RMSProp, Adam: their
    step is not lr × gradient), unknown curvature or per-run hyperparameters.

    ``rule`` is a name (with ``hyper``) or an Optimizer. λ_max is exact for quadratic problems
    (``quadratic_form``) and the Hessian at ``at`` otherwise.
    """
    from gdviz.optim import Optimizer, optimizer

    if isinstance(rule, Optimizer):
        name, h = rule.label or rule.name, {**rule.hyper, **hyper}
    else:
        name, h = rule, hyper
    try:
        opt = optimizer(name, **{k: v for k, v in h.items() if k != "lr"})
    except ValueError:
        return None
    if opt.name != "sgd":
        return None
    hp = opt.hyper
    if any(isinstance(hp[k], np.ndarray) for k in ("momentum", "dampening", "weight_decay")):
        return None
    theta = problem.start if at is None else np.asarray(at, dtype=float)
    lam = top_curvature(problem, theta)
    if lam is None:
        return None
    mu, tau = hp["momentum"], hp["dampening"]
    kind = "nesterov" if hp["nesterov"] else "momentum" if mu > 0 else "gd"
    limit = stable_lr(kind, lam + hp["weight_decay"], mu)
    if limit is None or tau >= 1:
        return None
    # dampening τ scales every gradient after the first by (1 − τ): the same as a smaller step
    return limit / (1 - tau) if kind == "momentum" else limit


__all__ = [
    "MAX_HESSIAN_PARAMS",
    "QuadraticTheory",
    "curvature_known",
    "lam_max_at",
    "lr_limit",
    "needs_hessian",
    "quadratic_theory",
    "stable_lr",
    "top_curvature",
]
