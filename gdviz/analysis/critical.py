"""The critical batch size (McCandlish et al. 2018, "An empirical model of large-batch training").

Two measurements of one idea: up to some batch size, doubling the batch halves the steps a target
needs (the gradient was noise-dominated, so a bigger batch is a better step); beyond it, steps stop
falling and the extra samples are wasted.

``noise_scale(problem, θ)`` measures the simple gradient noise scale B_simple = tr(Σ)/|G|² at a
point, from every sample's gradient (Σ their covariance, G their mean, the full gradient).
``critical_batch(problem, …)`` measures the trade-off itself: for each batch size B a vectorized
pass over a grid of learning rates × seeds finds the fewest steps S(B) to a target loss (the best lr
for that B, the median over seeds), samples E(B) = B·S(B), and fits the paper's model

    S = S_min (1 + B_noise / B),    E = E_min (1 + B / B_noise),    E_min = S_min · B_noise

(the two are one model: S is linear in 1/B, and E = B·S). B_noise is the critical batch size: S
is within 2× of S_min for B ≥ B_noise, and E within 2× of E_min for B ≤ B_noise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.analysis.noise import PER_SAMPLE_MAX, gradient_noise
from gdviz.errors import check_number, given
from gdviz.optim import optimizer
from gdviz.problems.base import Problem
from gdviz.serve import meter
from gdviz.train import run_many

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
LRS = np.geomspace(0.01, 10.0, 16)  # 16 values, 3 decades: each batch size finds its own best lr
SEEDS = 3
STEPS = 600
# the target: this fraction of the way from the start loss back to the floor is left to close
TARGET_FRACTION = 1e-3
# runs × (steps + 1) one pass keeps (the sweep keeps only the loss curves, one pass per batch size)
MAX_PASS_VALUES = 2_000_000


class NoiseScale(NamedTuple):
    """``b_simple`` = ``trace`` / ``grad_sq``: tr(Σ) (the per-sample gradients' total variance,
    over ``samples`` of the n samples) over |G|². Large where the gradient is small next to its noise:
    near a minimum every batch is noise-dominated."""

    b_simple: float
    trace: float
    grad_sq: float
    samples: int


def noise_scale(problem: Problem, theta, *, seed: int = 0) -> NoiseScale:
    """B_simple at ``theta``, from every sample's gradient (a seeded subset beyond 200 000)."""
    meter.charge("noise")
    g = gradient_noise(problem, theta, 1, samples=2, seed=seed)
    sq = float(g.full @ g.full)
    trace = g.per_sample_spread**2
    b = trace / sq if sq > 0 else float("inf")
    used = problem.n_samples if g.per_sample_exact else PER_SAMPLE_MAX
    return NoiseScale(float(b), float(trace), sq, int(used))


class CriticalBatch(NamedTuple):
    """``steps[i]``: the fewest updates to ``target`` with batch ``batch_sizes[i]`` (best lr
    ``best_lr[i]``, median over seeds; inf if no lr got there within the steps); ``samples`` = B·S;
    the fitted ``s_min``, ``e_min`` and ``b_noise`` (None when fewer than two batch sizes reached the
    target); ``floor`` the loss the target is measured from; ``b_simple_start`` and
    ``b_simple_target``: B_simple at the start and where the largest batch's best run first reaches
    the target (None if it never does) — the noise scale grows as the loss falls, and the fitted
    B_noise, an average over the whole way down, lies between the two on the problems of the scale
    page (tested)."""

    batch_sizes: np.ndarray
    steps: np.ndarray
    samples: np.ndarray
    best_lr: np.ndarray
    target: float
    floor: float
    s_min: float | None
    e_min: float | None
    b_noise: float | None
    b_simple_start: float
    b_simple_target: float | None

    def model_steps(self, b) -> np.ndarray:
        """The fitted S(B) = S_min (1 + B_noise / B)."""
        return self.s_min * (1.0 + self.b_noise / np.asarray(b, dtype=float))


def fit(batch_sizes, steps) -> tuple[float, float] | None:
    """(S_min, B_noise) of S = S_min(1 + B_noise/B) through the finite points, least squares in
    relative error (a 10-step and a 1000-step point count alike); None with fewer than two points or
    a fit that is not positive."""
    b = np.asarray(batch_sizes, dtype=float)
    s = np.asarray(steps, dtype=float)
    ok = np.isfinite(s) & (s > 0)
    if ok.sum() < 2:
        return None
    b, s = b[ok], s[ok]
    # S = S_min + (S_min·B_noise)·(1/B): linear in (1, 1/B); dividing each row by S weighs relatively
    A = np.stack([np.ones_like(b), 1.0 / b], axis=1) / s[:, None]
    (s_min, slope), *_ = np.linalg.lstsq(A, np.ones_like(s), rcond=None)
    if not (s_min > 0 and slope >= 0):
        return None
    return float(s_min), float(slope / s_min)


def _fewest_steps(loss: np.ndarray, target: float, lrs: int, seeds: int) -> tuple[float, int]:
    """Best lr's median steps to target over seeds (inf: none got there) and that lr's index."""
    below = loss <= target
    first = np.where(below.any(axis=0), below.argmax(axis=0), np.inf).astype(float)
    med = np.median(first.reshape(lrs, seeds), axis=1)
    i = int(np.argmin(med))
    return float(med[i]), i


def critical_batch(
    problem: Problem,
    rule: str = "sgd",
    *,
    batch_sizes=BATCH_SIZES,
    lrs=LRS,
    seeds: int = SEEDS,
    steps: int = STEPS,
    target: float | None = None,
    seed: int = 0,
    progress=None,
) -> CriticalBatch:
    """Steps and samples to ``target`` against the batch size, and the fitted critical batch size.

    ``target`` None: ``TARGET_FRACTION`` of the start gap above the floor (the problem's known
    minimum loss, else the lowest loss any run reached). Batch sizes above n are dropped. Same seed,
    same result. ``progress(done, total)`` after each batch size.
    """
    meter.charge("critical")
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem (see gdviz.problem), got {type(problem).__name__}")
    if not problem.has_data:
        raise ValueError(
            f"problem must have data for batch sizes to mean anything, got {problem.name!r}, which has none"
        )
    n = int(problem.n_samples)
    try:
        bs = np.unique(np.asarray(batch_sizes, dtype=float).reshape(-1))
        lr = np.asarray(lrs, dtype=float).reshape(-1)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"batch_sizes and lrs must be numbers, got {given(batch_sizes)}, {given(lrs)}"
        ) from err
    if bs.size == 0 or not np.all((bs >= 1) & (bs == np.round(bs))):
        raise ValueError(f"batch_sizes must be whole numbers ≥ 1, got {given(batch_sizes)}")
    if lr.size == 0 or not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError(f"lrs must be positive finite numbers, got {given(lrs)}")
    bs = bs[bs <= n].astype(np.int64)
    if bs.size < 2:
        raise ValueError(
            f"batch_sizes must hold at least two sizes ≤ the {n} samples, got {given(batch_sizes)}"
        )
    seeds = check_number("seeds", seeds, lo=1, hi=100, integer=True)
    steps = check_number("steps", steps, lo=1, hi=limits.MAX_STEPS, integer=True)
    seed = check_number("seed", seed, lo=0, integer=True)
    runs = lr.size * seeds
    if runs > limits.MAX_RUNS or runs * (steps + 1) > MAX_PASS_VALUES:
        raise ValueError(
            f"lrs × seeds × (steps + 1) must be at most {MAX_PASS_VALUES:,} values per batch size, got "
            f"{lr.size} × {seeds} × {steps + 1} = {runs * (steps + 1):,}"
        )
    every_lr = np.repeat(lr, seeds)
    every_seed = seed + np.tile(np.arange(seeds), lr.size)
    curves = []
    for i, b in enumerate(bs):
        with np.errstate(all="ignore"):
            rec = run_many(
                problem, optimizer(rule, lr=every_lr), steps=steps, batch_size=int(b), seed=every_seed, keep=2
            )
        loss = np.asarray(rec.loss, dtype=float)
        if loss.shape[0] < steps + 1:  # the record ends where every run stopped: pad with the last
            loss = np.concatenate([loss, np.repeat(loss[-1:], steps + 1 - loss.shape[0], axis=0)])
        curves.append(np.where(np.isfinite(loss), loss, np.inf))
        if progress is not None:
            progress(i + 1, bs.size)
    start = float(curves[0][0, 0])
    # unknown minimum: the lowest loss a setting reached on the median seed, not one lucky run
    lowest = min(float(np.median(c.min(axis=0).reshape(lr.size, seeds), axis=1).min()) for c in curves)
    floor = problem.min_loss if problem.min_loss is not None else lowest
    if target is None:
        target = floor + TARGET_FRACTION * max(start - floor, 0.0)
    else:
        target = check_number("target", target)
    S, best = np.empty(bs.size), np.empty(bs.size)
    for i, c in enumerate(curves):
        S[i], j = _fewest_steps(c, target, lr.size, seeds)
        best[i] = lr[j] if np.isfinite(S[i]) else np.nan
    b_simple_target = None
    if np.isfinite(S[-1]):
        with np.errstate(all="ignore"):
            at = run_many(
                problem,
                optimizer(rule, lr=float(best[-1])),
                steps=int(S[-1]),
                batch_size=int(bs[-1]),
                seed=seed,
                runs=1,
            )
        reached = np.flatnonzero(np.asarray(at.loss)[:, 0] <= target)
        if reached.size:
            b_simple_target = noise_scale(problem, at.params[reached[0], 0], seed=seed).b_simple
    fitted = fit(bs, S)
    s_min, b_noise = fitted if fitted else (None, None)
    return CriticalBatch(
        batch_sizes=bs,
        steps=S,
        samples=S * bs,
        best_lr=best,
        target=float(target),
        floor=float(floor),
        s_min=s_min,
        e_min=None if fitted is None else s_min * b_noise,
        b_noise=b_noise,
        b_simple_start=noise_scale(problem, problem.start, seed=seed).b_simple,
        b_simple_target=b_simple_target,
    )


__all__ = ["BATCH_SIZES", "CriticalBatch", "NoiseScale", "critical_batch", "fit", "noise_scale"]
