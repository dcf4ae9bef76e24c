"""Data generators: shapes, the article's numbers, determinism, the meaning of each option, validation."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz import limits
from gdviz.problems.data import synthetic as data


def test_article_data_is_the_articles_example():
    X, y = data.article_data()
    np.testing.assert_array_equal(X, [[1, 2], [2, 3], [3, 4], [4, 5]])
    np.testing.assert_array_equal(y, [1, 2, 3, 4])
    assert X.dtype == y.dtype == np.float64
    # The two facts the lessons rest on: x2 = x1 + 1 (collinear with the bias) and y = x1.
    np.testing.assert_array_equal(X[:, 1], X[:, 0] + 1)
    np.testing.assert_array_equal(y, X[:, 0])


def test_article_data_returns_fresh_arrays():
    X, _ = data.article_data()
    X[0, 0] = 99.0
    assert data.article_data()[0][0, 0] == 1.0


@pytest.mark.parametrize("n_features", [1, 2])
def test_linear_data_shapes_and_determinism(n_features):
    X, y = data.linear_data(50, n_features=n_features, seed=3)
    assert X.shape == (50, n_features) and y.shape == (50,)
    assert X.dtype == y.dtype == np.float64
    X2, y2 = data.linear_data(50, n_features=n_features, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = data.linear_data(50, n_features=n_features, seed=4)
    assert not np.array_equal(X, X3)


def test_linear_data_without_noise_is_exactly_the_true_model():
    X, y = data.linear_data(100, noise=0.0, seed=1)
    np.testing.assert_allclose(y, X @ np.array(data.TRUE_WEIGHTS) + data.TRUE_BIAS, rtol=0, atol=1e-14)


def test_linear_data_correlation_scale_and_noise_mean_what_they_say():
    n = 200_000
    X, y = data.linear_data(n, correlation=0.8, scale=5.0, noise=2.0, seed=0)
    assert np.corrcoef(X.T)[0, 1] == pytest.approx(0.8, abs=0.01)
    assert X[:, 0].std() == pytest.approx(1.0, rel=0.01)
    assert X[:, 1].std() == pytest.approx(5.0, rel=0.01)
    resid = y - X @ np.array(data.TRUE_WEIGHTS) - data.TRUE_BIAS
    assert resid.std() == pytest.approx(2.0, rel=0.01)
    X1, _ = data.linear_data(n, n_features=1, scale=0.1, seed=0)
    assert X1[:, 0].std() == pytest.approx(0.1, rel=0.01)


def test_linear_data_changing_one_option_keeps_the_other_draws():
    Xa, _ = data.linear_data(30, scale=1.0, seed=7)
    Xb, _ = data.linear_data(30, scale=100.0, seed=7)
    np.testing.assert_array_equal(Xa[:, 0], Xb[:, 0])
    np.testing.assert_allclose(Xb[:, 1], 100.0 * Xa[:, 1], rtol=1e-15)


def test_linear_data_perfect_correlation_gives_collinear_features():
    X, _ = data.linear_data(20, correlation=1.0, scale=2.0, seed=0)
    np.testing.assert_allclose(X[:, 1], 2.0 * X[:, 0], rtol=1e-15)


def test_classification_data_balanced_labels_and_centres():
    n = 100_001
    X, y = data.classification_data(n, separation=4.0, noise=0.5, seed=2)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert int((y == 0).sum()) == n // 2
    mid, u = np.array(data.CLASS_MIDPOINT), np.array(data.CLASS_DIRECTION)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), mid - 2.0 * u, atol=0.01)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), mid + 2.0 * u, atol=0.01)
    assert X[y == 1].std(axis=0) == pytest.approx([0.5, 0.5], rel=0.02)
    # Labels are shuffled: not all of one class first.
    assert 0.0 in y[n // 2 :] and 1.0 in y[: n // 2]


def test_classification_data_determinism():
    a = data.classification_data(40, seed=5)
    b = data.classification_data(40, seed=5)
    c = data.classification_data(40, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: data.linear_data(0), "n must be ≥ 1"),
        (lambda: data.linear_data(limits.MAX_SAMPLES + 1), "n must be ≤"),
        (lambda: data.linear_data(10.5), "n must be a whole number"),
        (lambda: data.linear_data(10, n_features=3), "n_features must be ≤ 2"),
        (lambda: data.linear_data(10, noise=-1.0), "noise must be ≥ 0"),
        (lambda: data.linear_data(10, noise=float("nan")), "noise must be a finite number"),
        (lambda: data.linear_data(10, correlation=1.5), "correlation must be ≤ 1"),
        (lambda: data.linear_data(10, n_features=1, correlation=0.5), "correlation needs n_features=2"),
        (lambda: data.linear_data(10, scale=0.0), "scale must be ≥ 0.001"),
        (lambda: data.linear_data(10, seed=-1), "seed must be ≥ 0"),
        (lambda: data.linear_data(10, seed="a"), "seed must be a number"),
        (lambda: data.classification_data(1), "n must be ≥ 2"),
        (lambda: data.classification_data(10, noise=0.0), "noise must be > 0"),
        (lambda: data.classification_data(10, separation=-1.0), "separation must be ≥ 0"),
        (lambda: data.classification_data(10, separation=float("inf")), "separation must be a finite"),
    ],
)
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()
