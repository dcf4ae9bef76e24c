"""Seeded 2-D toy data sets for the small neural network: five classifications and one regression.

``make_dataset(name, n=..., noise=..., seed=..., test_fraction=...)`` returns a ``Dataset`` whose
inputs ``X_*`` have shape ``(N, 2)`` and targets ``y_*`` shape ``(N,)``, both float64. Classification
labels are 0.0 / 1.0 (half the points in each class, about half for "xor"); regression targets
are real values. The same arguments always give the same arrays (one
``numpy.random.default_rng(seed)`` draws everything).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.errors import check_choice, check_number, check_options

CLASSIFICATION = "classification"
REGRESSION = "regression"

MAX_POINTS = 100_000
MIN_POINTS = 10

# name → (task, default noise). The noise is the standard deviation of the Gaussian jitter added to
# the inputs (classification; for "blobs" it is the cluster spread) or to the targets ("wave").
_SPECS: dict[str, tuple[str, float]] = {
    "moons": (CLASSIFICATION, 0.15),
    "circles": (CLASSIFICATION, 0.1),
    "spirals": (CLASSIFICATION, 0.1),
    "xor": (CLASSIFICATION, 0.1),
    "blobs": (CLASSIFICATION, 0.6),
    "wave": (REGRESSION, 0.1),
}
MAX_NOISE = 3.0
DEFAULTS = {"n": 400, "noise": None, "seed": 0, "test_fraction": 0.25}


class Dataset(NamedTuple):
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str  # CLASSIFICATION or REGRESSION
    name: str


def dataset_names() -> list[str]:
    return list(_SPECS)


def dataset_task(name: str) -> str:
    check_choice("data set", name, _SPECS)
    return _SPECS[name][0]


def default_noise(name: str) -> float:
    check_choice("data set", name, _SPECS)
    return _SPECS[name][1]


def make_dataset(name: str, **options) -> Dataset:
    """Build data set ``name``; options ``n`` (total points, 10…100 000), ``noise`` (≥ 0, None = the
    set's default), ``seed`` and ``test_fraction`` (0…0.9, the share of points held out for testing).
    """
    check_choice("data set", name, _SPECS)
    check_options(f"data set {name!r}", options, DEFAULTS)
    opts = {**DEFAULTS, **options}
    n = check_number("n", opts["n"], lo=MIN_POINTS, hi=MAX_POINTS, integer=True)
    task, noise_default = _SPECS[name]
    noise = opts["noise"]
    noise = noise_default if noise is None else check_number("noise", noise, lo=0, hi=MAX_NOISE)
    seed = check_number("seed", opts["seed"], lo=0, integer=True)
    test_fraction = check_number("test_fraction", opts["test_fraction"], lo=0, hi=0.9)

    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](rng, n, noise)
    # The generators emit class 0 then class 1; shuffling before the split keeps both classes in
    # both parts and makes the sample order carry no information.
    order = rng.permutation(n)
    X, y = X[order], y[order]
    n_test = round(n * test_fraction)
    return Dataset(X[n_test:], y[n_test:], X[:n_test], y[:n_test], task, name)


def _labels(n: int) -> np.ndarray:
    n0 = n // 2
    return np.concatenate([np.zeros(n0), np.ones(n - n0)])


def _moons(rng, n, noise):
    y = _labels(n)
    t = rng.uniform(0.0, np.pi, n)
    # Upper moon for class 0, lower moon shifted right for class 1; the shift centres the pair on 0.
    x0 = np.where(y == 0, np.cos(t), 1.0 - np.cos(t)) - 0.5
    x1 = np.where(y == 0, np.sin(t), 0.5 - np.sin(t)) - 0.25
    X = np.stack([x0, x1], axis=1) * 1.5 + noise * rng.standard_normal((n, 2))
    return X, y


def _circles(rng, n, noise):
    y = _labels(n)
    t = rng.uniform(0.0, 2 * np.pi, n)
    r = np.where(y == 0, 1.5, 0.7)
    X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + noise * rng.standard_normal((n, 2))
    return X, y


def _spirals(rng, n, noise):
    y = _labels(n)
    # sqrt spreads points evenly along the arc length instead of crowding the centre.
    s = np.sqrt(rng.uniform(0.0, 1.0, n))
    turn = s * 1.75 * 2 * np.pi
    r = 0.2 + 1.8 * s
    phase = np.pi * y
    X = np.stack([r * np.cos(turn + phase), r * np.sin(turn + phase)], axis=1)
    return X + noise * rng.standard_normal((n, 2)), y


def _xor(rng, n, noise):
    X = rng.uniform(-1.5, 1.5, (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X + noise * rng.standard_normal((n, 2)), y


def _blobs(rng, n, noise):
    y = _labels(n)
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]])
    return centres[y.astype(int)] + noise * rng.standard_normal((n, 2)), y


def _wave(rng, n, noise):
    X = rng.uniform(-3.0, 3.0, (n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + noise * rng.standard_normal(n)
    return X, y


_GENERATORS = {
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "xor": _xor,
    "blobs": _blobs,
    "wave": _wave,
}
