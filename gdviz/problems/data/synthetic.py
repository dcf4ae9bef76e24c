"""Data for the regression problems: the article's four points and seeded synthetic sets.

Every generator returns ``(X, y)``: features ``X`` of shape ``(n, F)`` and targets ``y`` of shape
``(n,)``, float64. The same arguments always give the same arrays (one
``numpy.random.default_rng(seed)`` draws everything), on every platform NumPy supports.
"""

from __future__ import annotations

import numpy as np

from gdviz import limits
from gdviz.errors import check_number

# The source article's example: x2 = x1 + 1 (collinear with the intercept) and y = x1.
ARTICLE_X = ((1.0, 2.0), (2.0, 3.0), (3.0, 4.0), (4.0, 5.0))
ARTICLE_Y = (1.0, 2.0, 3.0, 4.0)

# The parameters synthetic linear data is drawn from: y = 2·x1 − 1·x2 + 0.5 + noise.
TRUE_WEIGHTS = (2.0, -1.0)
TRUE_BIAS = 0.5

# Synthetic classes: centres at MIDPOINT ∓ (separation / 2)·DIRECTION (class 0, class 1).
CLASS_MIDPOINT = (0.5, 0.5)
CLASS_DIRECTION = (0.8, 0.6)

MAX_NOISE = 100.0
MAX_SEPARATION = 20.0
MAX_CLASS_NOISE = 10.0


def article_data() -> tuple[np.ndarray, np.ndarray]:
    """The article's X = [[1,2],[2,3],[3,4],[4,5]], y = [1,2,3,4]."""
    return np.array(ARTICLE_X), np.array(ARTICLE_Y)


def linear_data(
    n: int = 200,
    *,
    n_features: int = 2,
    noise: float = 0.5,
    correlation: float = 0.0,
    scale: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features and y = X·w + b + noise·ε with w = TRUE_WEIGHTS[:n_features], b = TRUE_BIAS.

    ``n`` 1…10⁶ samples; ``n_features`` 1 or 2; ``noise`` the standard deviation of ε (0…100);
    ``correlation`` between the two features (−1…1, only with two features); ``scale`` the standard
    deviation of the last feature (10⁻³…10³, the others have 1): away from 1 the loss surface becomes
    a narrow ravine; ``seed`` ≥ 0.
    """
    n = check_number("n", n, lo=1, hi=limits.MAX_SAMPLES, integer=True)
    n_features = check_number("n_features", n_features, lo=1, hi=2, integer=True)
    noise = check_number("noise", noise, lo=0.0, hi=MAX_NOISE)
    correlation = check_number("correlation", correlation, lo=-1.0, hi=1.0)
    scale = check_number("scale", scale, lo=1e-3, hi=1e3)
    seed = check_number("seed", seed, lo=0, integer=True)
    if n_features == 1 and correlation != 0.0:
        raise ValueError(f"correlation needs n_features=2, got correlation={correlation!r} with one feature")

    rng = np.random.default_rng(seed)
    # Draw the same numbers whatever the options, so that changing one option (say the scale) changes
    # the data only through that option.
    z = rng.standard_normal((n, 2))
    eps = rng.standard_normal(n)
    if n_features == 1:
        X = scale * z[:, :1]
    else:
        x2 = correlation * z[:, 0] + np.sqrt(1.0 - correlation * correlation) * z[:, 1]
        X = np.column_stack([z[:, 0], scale * x2])
    y = X @ np.array(TRUE_WEIGHTS[:n_features]) + TRUE_BIAS + noise * eps
    return X, y


def classification_data(
    n: int = 200, *, separation: float = 3.0, noise: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes in the plane, labels 0.0 / 1.0 (⌊n/2⌋ of class 0), in random order.

    ``n`` 2…10⁶; ``separation`` the distance between the class centres (0…20); ``noise`` the
    standard deviation of each class around its centre (0 < noise ≤ 10); ``seed`` ≥ 0.
    """
    n = check_number("n", n, lo=2, hi=limits.MAX_SAMPLES, integer=True)
    separation = check_number("separation", separation, lo=0.0, hi=MAX_SEPARATION)
    noise = check_number("noise", noise, lo=0.0, lo_open=True, hi=MAX_CLASS_NOISE)
    seed = check_number("seed", seed, lo=0, integer=True)

    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    y[n // 2 :] = 1.0
    y = y[rng.permutation(n)]
    centres = np.array(CLASS_MIDPOINT) + np.outer(y - 0.5, separation * np.array(CLASS_DIRECTION))
    X = centres + noise * rng.standard_normal((n, 2))
    return X, y
