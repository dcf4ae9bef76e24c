"""Closed forms the simulations are checked against (and the page can draw as reference lines)."""

from __future__ import annotations

import math

import numpy as np

from gdviz.errors import check_number
from gdviz.serve import meter


def delay_limit(tau) -> float:
    """The largest stable a = ηλ of the delayed iteration x_{t+1} = x_t − a·x_{t−τ} on a quadratic of
    curvature λ: stable iff 0 < a < 2·cos(τπ / (2τ + 1)) (2 for τ = 0, 1 for τ = 1, 0.618… for
    τ = 2, about π/(2τ) for large τ).

    Why: as a grows, the first root of the characteristic polynomial z^{τ+1} − z^τ + a to reach the
    unit circle does so at z = e^{iω}, ω = π/(2τ+1), where a = |1 − z| = 2 sin(ω/2) — the same
    number as 2 cos(τπ/(2τ+1)).
    """
    t = check_number("tau", tau, lo=0, integer=True)
    return 2.0 * math.cos(t * math.pi / (2 * t + 1))


def fedavg_fixed_point(a, c, lr, local_steps, n=None) -> float:
    """Where local GD with H local steps and averaging weighted by ``n`` settles on clients
    fᵢ(x) = ½aᵢ(x − cᵢ)²: Σ nᵢwᵢcᵢ / Σ nᵢwᵢ with wᵢ = 1 − (1 − η aᵢ)^H. For H = 1 this is the
    minimiser Σ nᵢaᵢcᵢ / Σ nᵢaᵢ of the average loss; for H > 1 the clients drift."""
    a, c = np.asarray(a, dtype=float), np.asarray(c, dtype=float)
    n = np.ones_like(a) if n is None else np.asarray(n, dtype=float)
    w = n * (1.0 - (1.0 - lr * a) ** local_steps)
    return float(w @ c / w.sum())


def fedavg_fixed_point_quadratic(A, c, weights, lr, local_steps) -> np.ndarray:
    """The matrix form of :func:`fedavg_fixed_point`: clients fᵢ(θ) = ½(θ − cᵢ)ᵀAᵢ(θ − cᵢ) + const
    run H steps of GD from the average, θ ↦ cᵢ + Mᵢ(θ − cᵢ) with Mᵢ = (I − ηAᵢ)^H, and the weighted
    average of those is the next θ. Its fixed point solves (I − Σwᵢ Mᵢ) θ = Σwᵢ (I − Mᵢ) cᵢ."""
    A = [np.asarray(a, dtype=float) for a in A]
    c = [np.asarray(x, dtype=float) for x in c]
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    P = c[0].size
    eye = np.eye(P)
    M = [np.linalg.matrix_power(eye - lr * a, int(local_steps)) for a in A]
    lhs = eye - sum(wi * m for wi, m in zip(w, M, strict=True))
    rhs = sum(wi * (eye - m) @ ci for wi, m, ci in zip(w, M, c, strict=True))
    return np.linalg.solve(lhs, rhs)


def local_fixed_point(problem, *, workers: int, local_steps: int, lr: float, shards="iid", seed: int = 0):
    """Where local GD (every worker's whole shard per step) settles on ``problem``'s own shards —
    the very shards ``parallel.train(…, strategy="local", shards=…, seed=…)`` cuts — when every
    shard's loss is quadratic (least squares): ``(θ*, loss(θ*))``, else None. Each shard's Aᵢ and
    minimiser cᵢ come from its gradient, which is affine: gᵢ(θ) = Aᵢθ + gᵢ(0)."""
    meter.charge("fixed_point")
    from gdviz.parallel.config import streams
    from gdviz.parallel.shards import make_shards

    if not problem.has_data or problem.quadratic_form() is None:
        return None
    K = check_number("workers", workers, lo=1, integer=True)
    shard_list = make_shards(problem, K, shards, streams(seed, K)[0])
    P = problem.n_params
    basis = np.vstack([np.zeros(P), np.eye(P)])
    A, c = [], []
    for idx in shard_list:
        g = problem.batch_loss_and_grad(basis, np.broadcast_to(idx, (P + 1, idx.size)))[1]
        a = (g[1:] - g[0]).T
        try:
            c.append(np.linalg.solve(a, -g[0]))
        except np.linalg.LinAlgError:
            return None  # a shard too small or too uniform to pin its own minimum
        A.append(a)
    theta = fedavg_fixed_point_quadratic(A, c, [s.size for s in shard_list], lr, local_steps)
    return theta, float(problem.loss(theta[None])[0])


def ring_allreduce_seconds(workers: int, nbytes: float, bandwidth: float, latency: float) -> float:
    """2(K−1)·α + 2(K−1)/K·N/β (Patarasuk & Yuan 2009)."""
    K = workers
    return 0.0 if K == 1 else 2 * (K - 1) * latency + 2 * (K - 1) / K * nbytes / bandwidth


def qsgd_variance_bound(P: int, s: int) -> float:
    """E‖Q(g) − g‖² ≤ min(P/s², √P/s)·‖g‖² (Alistarh et al. 2017, Lemma 3.1)."""
    return min(P / s**2, math.sqrt(P) / s)
