"""How noisy a mini-batch gradient is at a point.

``gradient_noise(problem, theta, b)`` draws mini-batch gradients at θ as the run's sampler does
(b distinct samples per batch) and compares their spread with the sampling-theory value
σ·√((n − b)/(b(n − 1))).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.errors import check_number, given
from gdviz.problems.base import Problem

# Sample-gradient evaluations (rows × parameters) one gradient_noise call may spend on its cloud, and
# the most samples it reads to measure the per-sample spread σ (beyond, σ is estimated from a subset).
NOISE_BUDGET = 20_000_000
PER_SAMPLE_MAX = 200_000
MIN_NOISE_SAMPLES = 10
MAX_NOISE_SAMPLES = 10_000
_CHUNK_VALUES = 1_000_000


class GradientNoise(NamedTuple):
    """Mini-batch gradients at one point and their spread.

    ``samples`` (S, P): S mini-batch gradients, each the mean over b distinct samples (as the run's
    sampler draws a batch). ``full`` (P,): ∇L(θ). ``spread``: the measured RMS distance
    √(mean‖g_b − ∇L‖²). ``per_sample_spread`` σ: the same for single samples, over all n samples
    (``per_sample_exact``) or a random subset of ``PER_SAMPLE_MAX``. ``expected``: the sampling-theory
    value σ·√((n − b)/(b(n − 1))), about σ/√b when b ≪ n and 0 at b = n.
    """

    batch_size: int
    n_samples: int
    samples: np.ndarray
    full: np.ndarray
    spread: float
    per_sample_spread: float
    expected: float
    per_sample_exact: bool


def expected_spread(per_sample_spread: float, n: int, b: int) -> float:
    """σ·√((n − b)/(b(n − 1))): the RMS error of the mean of b of n values drawn without replacement."""
    if n <= 1 or b >= n:
        return 0.0
    return float(per_sample_spread) * float(np.sqrt((n - b) / (b * (n - 1))))


def _batch_grads(problem: Problem, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mini-batch gradients for the rows of ``idx`` (m, b) at one θ, in chunks of bounded memory."""
    m, b = idx.shape
    P = theta.size
    out = np.empty((m, P))
    rows = max(1, _CHUNK_VALUES // max(1, b * P))
    for s in range(0, m, rows):
        part = idx[s : s + rows]
        params = np.broadcast_to(theta, (len(part), P)).copy()
        out[s : s + rows] = problem.batch_loss_and_grad(params, part)[1]
    return out


def gradient_noise(
    problem: Problem, theta, batch_size: int, *, samples: int = 200, seed: int = 0
) -> GradientNoise:
    """``samples`` mini-batch gradients of ``batch_size`` distinct samples at ``theta``, and their spread.

    The work is bounded: when samples × b × P exceeds ``NOISE_BUDGET`` fewer batches are drawn (at
    least ``MIN_NOISE_SAMPLES``). Same seed, same cloud.
    """
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem, got {type(problem).__name__}")
    if not problem.has_data:
        raise ValueError(
            "problem must have data for its gradient to have mini-batch noise, "
            f"got {problem.name!r}, which has no data"
        )
    n = int(problem.n_samples)
    b = check_number("batch_size", batch_size, lo=1, hi=n, integer=True)
    samples = check_number("samples", samples, lo=2, hi=MAX_NOISE_SAMPLES, integer=True)
    seed = check_number("seed", seed, lo=0, integer=True)
    try:
        theta = np.array(theta, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"theta must be {problem.n_params} numbers, got {theta!r}") from err
    P = problem.n_params
    if theta.shape != (P,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be {P} finite numbers, got shape {theta.shape}")
    rng = np.random.default_rng(seed)
    S = max(MIN_NOISE_SAMPLES, min(samples, NOISE_BUDGET // (b * P)))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        full = np.asarray(problem.grad(theta), dtype=float)
        # per-sample spread σ (deviations from the full gradient, which is their mean)
        if n <= PER_SAMPLE_MAX:
            who, exact = np.arange(n), True
        else:
            who, exact = np.sort(rng.choice(n, PER_SAMPLE_MAX, replace=False)), False
        sq = 0.0
        step = max(1, _CHUNK_VALUES // P)
        for s in range(0, who.size, step):
            g1 = _batch_grads(problem, theta, who[s : s + step, None])
            sq += float(np.sum((g1 - full) ** 2))
        sigma = float(np.sqrt(sq / who.size))
        if b == n:
            one = _batch_grads(problem, theta, np.arange(n)[None, :])
            cloud = np.repeat(one, S, axis=0)
        else:
            # every batch is b distinct samples, uniformly: what one slice of a shuffled epoch is
            idx = np.stack([rng.choice(n, b, replace=False) for _ in range(S)])
            cloud = _batch_grads(problem, theta, idx)
        spread = float(np.sqrt(np.mean(np.sum((cloud - full) ** 2, axis=1))))
    if not (np.all(np.isfinite(cloud)) and np.isfinite(sigma)):
        raise ValueError(
            f"theta must be a point where the gradient is finite to measure its noise, got {given(theta)}"
        )
    return GradientNoise(b, n, cloud, full, spread, sigma, expected_spread(sigma, n, b), exact)


__all__ = ["GradientNoise", "expected_spread", "gradient_noise"]
