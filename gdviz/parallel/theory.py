"""Closed forms the simulations are checked against (and the page can draw as reference lines)."""

from __future__ import annotations

import math

import numpy as np

from gdviz.errors import check_number


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


def ring_allreduce_seconds(workers: int, nbytes: float, bandwidth: float, latency: float) -> float:
    """2(K−1)·α + 2(K−1)/K·N/β (Patarasuk & Yuan 2009)."""
    K = workers
    return 0.0 if K == 1 else 2 * (K - 1) * latency + 2 * (K - 1) / K * nbytes / bandwidth


def qsgd_variance_bound(P: int, s: int) -> float:
    """E‖Q(g) − g‖² ≤ min(P/s², √P/s)·‖g‖² (Alistarh et al. 2017, Lemma 3.1)."""
    return min(P / s**2, math.sqrt(P) / s)
