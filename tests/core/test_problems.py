"""Problems: exact gradients and Hessians, vectorization, minima, mini-batches, the sufficient-statistics
path for large data, the article's linear regression, logistic regression's minimum, validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from reference_support import reference

from gdviz.problems import Problem, problem, problem_names
from gdviz.problems.data import synthetic as data
from gdviz.problems.regression import (
    DIRECT_MAX_SAMPLES,
    LinearRegression,
    linear_regression_from_data,
    logistic_regression_from_data,
)

FUNCTIONS = [
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "booth",
    "six_hump_camel",
    "ackley",
]

# Every kind of objective: each function, both linear losses on both evaluation paths, one feature,
# ill-conditioned data, logistic with and without L2 and on separable data.
CASES = {
    **{name: (name, {}) for name in FUNCTIONS},
    "quadratic_rotated": ("quadratic", {"condition": 50.0, "angle": 30.0}),
    "rosenbrock_ab": ("rosenbrock", {"a": -0.5, "b": 10.0}),
    "linear_article": ("linear_regression", {}),
    "linear_article_mse": ("linear_regression", {"loss": "mse"}),
    "linear_synthetic": ("linear_regression", {"data": "synthetic"}),
    "linear_synthetic_mse": ("linear_regression", {"data": "synthetic", "loss": "mse"}),
    "linear_small_residuals": ("linear_regression", {"data": "synthetic", "n": 40}),
    "linear_one_feature": ("linear_regression", {"data": "synthetic", "n_features": 1, "scale": 3.0}),
    "linear_ill": ("linear_regression", {"data": "synthetic", "correlation": 0.99, "scale": 10.0}),
    "logistic": ("logistic_regression", {}),
    "logistic_l2": ("logistic_regression", {"l2": 0.1}),
    "logistic_separable": ("logistic_regression", {"separation": 8.0, "noise": 0.5}),
}


@pytest.fixture(scope="module", params=list(CASES))
def prob(request) -> Problem:
    name, options = CASES[request.param]
    return problem(name, **options)


def _points(p: Problem, k: int, seed: int = 0) -> np.ndarray:
    """k random points: the plotted pair uniform in the window, other parameters near the start."""
    rng = np.random.default_rng(seed)
    pts = p.start + rng.uniform(-1.0, 1.0, (k, p.n_params))
    for axis, (lo, hi) in zip(p.axes, p.window, strict=True):
        pts[:, axis] = rng.uniform(lo, hi, k)
    return pts


def _central_differences(p: Problem, pts: np.ndarray) -> np.ndarray:
    cols = []
    for j in range(p.n_params):
        h = 1e-6 * np.maximum(1.0, np.abs(pts[:, j : j + 1]))
        e = np.zeros(p.n_params)
        e[j] = 1.0
        cols.append((p.loss(pts + h * e) - p.loss(pts - h * e)) / (2.0 * h[:, 0]))
    return np.stack(cols, axis=-1)


# --- registry and structure -----------------------------------------------------------------------
def test_all_problems_are_registered():
    assert set(FUNCTIONS) | {"linear_regression", "logistic_regression"} <= set(problem_names())


def test_structure(prob):
    P = prob.n_params
    assert prob.start.shape == (P,)
    assert prob.minima.ndim == 2 and prob.minima.shape[1] == P
    (x0, x1), (y0, y1) = prob.window
    assert x0 < x1 and y0 < y1
    assert prob.description and "\n" not in prob.description
    i, j = prob.axes
    for pt in [prob.start, *prob.minima]:
        assert x0 <= pt[i] <= x1 and y0 <= pt[j] <= y1, (pt, prob.window)
    assert (prob.min_loss is None) == (len(prob.minima) == 0)
    assert prob.has_data == isinstance(prob.n_samples, int)


def test_options_round_trip(prob):
    again = problem(prob.name, **prob.options)
    pts = _points(prob, 5)
    np.testing.assert_array_equal(again.loss(pts), prob.loss(pts))
    np.testing.assert_array_equal(again.start, prob.start)
    np.testing.assert_array_equal(again.minima, prob.minima)


# --- exact derivatives ----------------------------------------------------------------------------
def test_gradient_matches_central_differences(prob):
    pts = _points(prob, 8, seed=1)
    loss, grad = prob.loss_and_grad(pts)
    fd = _central_differences(prob, pts)
    scale = 1.0 + np.abs(loss)[:, None]
    assert np.all(np.abs(grad - fd) <= 1e-6 * (np.abs(grad) + scale)), np.max(np.abs(grad - fd) / scale)


def test_hessian_matches_differences_of_the_gradient(prob):
    pts = _points(prob, 6, seed=2)
    if prob.name == "ackley":
        pts = pts[np.linalg.norm(pts, axis=1) > 1e-3]
    exact = prob.hessian(pts)
    numeric = Problem.hessian(prob, pts)
    assert exact.shape == (len(pts), prob.n_params, prob.n_params)
    np.testing.assert_allclose(exact, np.swapaxes(exact, -1, -2), rtol=0, atol=1e-12 * np.abs(exact).max())
    tol = 1e-5 * (1.0 + np.abs(exact).max(axis=(1, 2), keepdims=True))
    assert np.all(np.abs(exact - numeric) <= tol), np.max(np.abs(exact - numeric) / tol)


def test_vectorized_equals_row_by_row(prob):
    pts = _points(prob, 6, seed=3)
    loss, grad = prob.loss_and_grad(pts)
    assert loss.shape == (6,) and grad.shape == (6, prob.n_params)
    for k, pt in enumerate(pts):
        lk, gk = prob.loss_and_grad(pt)
        assert lk.shape == () and gk.shape == (prob.n_params,)
        np.testing.assert_allclose(lk, loss[k], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(gk, grad[k], rtol=1e-13, atol=1e-13)
    # Any leading shape, and plain lists.
    l3, g3 = prob.loss_and_grad(pts.reshape(2, 3, -1))
    np.testing.assert_allclose(l3.ravel(), loss, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g3.reshape(6, -1), grad, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(prob.loss(pts[0].tolist()), loss[0], rtol=1e-13, atol=1e-15)
    assert prob.hessian(pts.reshape(2, 3, -1)).shape == (2, 3, prob.n_params, prob.n_params)


def test_inputs_are_not_mutated(prob):
    pts = _points(prob, 4, seed=4)
    before = pts.copy()
    prob.loss_and_grad(pts)
    prob.hessian(pts)
    np.testing.assert_array_equal(pts, before)


def test_known_minima_have_zero_gradient_and_the_minimum_loss(prob):
    if len(prob.minima) == 0:
        pytest.skip("no finite minimum")
    loss, grad = prob.loss_and_grad(prob.minima)
    np.testing.assert_allclose(loss, prob.min_loss, rtol=1e-12, atol=1e-14)
    assert np.abs(grad).max() < 1e-9, grad
    # No sampled point of the window beats the claimed global minimum.
    assert prob.loss(_points(prob, 2000, seed=5)).min() >= prob.min_loss - 1e-12


def test_huge_and_nan_params_give_no_warnings(prob):
    # pytest turns warnings into errors: any RuntimeWarning here fails the test.
    P = prob.n_params
    pts = np.array(
        [np.full(P, 1e200), np.full(P, -1e200), np.r_[1e200, -1e200, np.zeros(P - 2)], np.full(P, 1e308)]
    )
    loss, grad = prob.loss_and_grad(pts)
    assert loss.shape == (4,) and grad.shape == (4, P)
    assert not np.all(np.isfinite(loss)) or prob.name in ("ackley", "logistic_regression")
    prob.hessian(pts)
    loss, grad = prob.loss_and_grad(np.full(P, np.nan))
    assert np.isnan(loss)
    if prob.has_data:
        prob.batch_loss_and_grad(pts, np.zeros((4, 3), dtype=int))


def test_wrong_params_shape_is_rejected(prob):
    with pytest.raises(ValueError, match=f"{prob.n_params} values on the last axis"):
        prob.loss(np.zeros(prob.n_params + 1))
    with pytest.raises(ValueError, match="last axis"):
        prob.grad(1.0)


# --- the functions ---------------------------------------------------------------------------------
def test_function_windows_and_starts():
    r = problem("rosenbrock")
    assert r.window == ((-2.0, 2.0), (-1.0, 3.0))
    np.testing.assert_array_equal(r.start, [-2.0, 2.0])
    np.testing.assert_array_equal(r.minima, [[1.0, 1.0]])
    np.testing.assert_array_equal(problem("rosenbrock", a=-0.5).minima, [[-0.5, 0.25]])
    assert len(problem("himmelblau").minima) == 4
    assert len(problem("six_hump_camel").minima) == 2
    np.testing.assert_array_equal(problem("saddle").minima, [[0.0, 1.0], [0.0, -1.0]])


@pytest.mark.parametrize(("kappa", "angle"), [(1.0, 0.0), (10.0, 0.0), (100.0, 30.0), (1e4, -135.0)])
def test_quadratic_condition_angle_and_quadratic_form(kappa, angle):
    p = problem("quadratic", condition=kappa, angle=angle)
    A, b, c = p.quadratic_form()
    np.testing.assert_array_equal(A, A.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(A), [1.0, kappa], rtol=1e-12)
    # The steep direction is y rotated by the angle.
    t = np.deg2rad(angle)
    steep = np.array([-np.sin(t), np.cos(t)])
    np.testing.assert_allclose(A @ steep, kappa * steep, rtol=1e-12, atol=1e-12 * kappa)
    pts = _points(p, 20)
    np.testing.assert_allclose(
        p.loss(pts), 0.5 * np.einsum("ki,ij,kj->k", pts, A, pts) - pts @ b + c, rtol=1e-14
    )
    np.testing.assert_allclose(p.grad(pts), pts @ A - b, rtol=1e-14)
    np.testing.assert_array_equal(p.hessian(pts[0]), A)
    # The start turns with the bowl: gradient descent sees the same problem at every angle.
    assert np.linalg.norm(p.start) == pytest.approx(np.hypot(2.5, 1.0))
    assert p.start @ A @ p.start == pytest.approx(2.5**2 + kappa)


def test_booth_quadratic_form_is_exact():
    p = problem("booth")
    A, b, c = p.quadratic_form()
    pts = _points(p, 20)
    np.testing.assert_allclose(
        p.loss(pts), 0.5 * np.einsum("ki,ij,kj->k", pts, A, pts) - pts @ b + c, rtol=1e-12
    )
    np.testing.assert_allclose(p.grad(pts), pts @ A - b, rtol=1e-12, atol=1e-12)


def test_non_quadratic_problems_have_no_quadratic_form():
    for name in FUNCTIONS:
        if name not in ("quadratic", "booth"):
            assert problem(name).quadratic_form() is None
    assert problem("logistic_regression").quadratic_form() is None


def test_saddle_lesson_gradient_descent_lingers_then_escapes():
    p = problem("saddle")
    eig = np.linalg.eigvalsh(p.hessian(np.zeros(2)))
    assert eig[0] < 0 < eig[1]  # the origin is a saddle

    def descend(theta, steps, lr=0.1):
        path = [theta]
        for _ in range(steps):
            theta = theta - lr * p.grad(theta)
            path.append(theta)
        return np.array(path)

    path = descend(p.start, 150)
    closest = np.linalg.norm(path, axis=1).min()
    assert closest < 0.05  # passes close to the saddle …
    np.testing.assert_allclose(path[-1], [0.0, 1.0], atol=1e-6)  # … and still ends in a minimum
    # Exactly on the stable line there is no escape at all.
    np.testing.assert_allclose(descend(np.array([-1.5, 0.0]), 150)[-1], [0.0, 0.0], atol=1e-9)


def test_ackley_origin_gradient_zero_hessian_undefined():
    p = problem("ackley")
    np.testing.assert_array_equal(p.grad(np.zeros(2)), [0.0, 0.0])
    assert np.all(np.isnan(p.hessian(np.zeros(2))))
    assert p.loss(np.zeros(2)) == pytest.approx(0.0, abs=1e-14)


def test_functions_have_no_mini_batches():
    with pytest.raises(ValueError, match="no data"):
        problem("rosenbrock").batch_loss_and_grad(np.zeros((1, 2)), np.zeros((1, 1), dtype=int))


# --- linear regression: the article ---------------------------------------------------------------
def test_article_minimum_norm_solution_and_line_of_minima():
    p = problem("linear_regression")
    assert p.param_names == ("w1", "w2", "b") and p.n_samples == 4
    # Solutions: w1 + w2 = 1 and b = −w2, i.e. θ(t) = (1 − t, t, −t); the minimum norm is at t = 1/3.
    np.testing.assert_allclose(p.minima, [[2 / 3, 1 / 3, -1 / 3]], rtol=1e-12)
    assert p.min_loss == pytest.approx(0.0, abs=1e-28)
    assert p.loss(np.array([1.0, 0.0, 0.0])) == 0.0  # w = (1, 0), b = 0: y = x1 exactly
    np.testing.assert_array_equal(p.grad(np.array([1.0, 0.0, 0.0])), [0.0, 0.0, 0.0])
    line = np.array([[1 - t, t, -t] for t in (-3.0, -0.5, 0.2, 2.0, 5.0)])
    np.testing.assert_allclose(p.loss(line), 0.0, atol=1e-25)
    np.testing.assert_allclose(p.grad(line), 0.0, atol=1e-12)
    # The Hessian is singular along the line's direction.
    np.testing.assert_allclose(p.hessian(np.zeros(3)) @ [-1.0, 1.0, -1.0], 0.0, atol=1e-14)


def test_article_loss_values_for_both_formulas():
    half, mse = problem("linear_regression"), problem("linear_regression", loss="mse")
    # At θ = 0 every residual is −y: Σ y² = 30.
    assert half.loss(np.zeros(3)) == pytest.approx(30 / 8, rel=1e-15)
    assert mse.loss(np.zeros(3)) == pytest.approx(30 / 4, rel=1e-15)
    pts = _points(half, 10)
    np.testing.assert_allclose(mse.loss(pts), 2.0 * half.loss(pts), rtol=1e-14)
    np.testing.assert_allclose(mse.grad(pts), 2.0 * half.grad(pts), rtol=1e-14)
    A, b, c = half.quadratic_form()
    X1 = np.column_stack([half.X, np.ones(4)])
    np.testing.assert_allclose(A, X1.T @ X1 / 4, rtol=1e-15)
    np.testing.assert_allclose(b, X1.T @ half.y / 4, rtol=1e-15)
    assert c == pytest.approx(30 / 8)


def test_data_is_read_only_and_exposed():
    p = problem("linear_regression")
    np.testing.assert_array_equal(p.X, [[1, 2], [2, 3], [3, 4], [4, 5]])
    np.testing.assert_array_equal(p.y, [1, 2, 3, 4])
    with pytest.raises(ValueError, match="read-only"):
        p.X[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        p.y[0] = 5.0
    q = problem("logistic_regression", n=10)
    assert q.X.shape == (10, 2) and q.n_samples == 10 and not q.y.flags.writeable


# --- linear regression: statistics vs residuals ----------------------------------------------------
def _both_paths(X, y, loss="half_mse"):
    stats = linear_regression_from_data(X, y, loss=loss, method="statistics")
    resid = linear_regression_from_data(X, y, loss=loss, method="residuals")
    assert not stats.residuals and resid.residuals
    return stats, resid


@pytest.mark.parametrize("loss", ["half_mse", "mse"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"scale": 1e-3},
        {"scale": 1e3, "correlation": -0.999},
        {"noise": 0.0},
        {"n_features": 1, "scale": 50.0},
    ],
)
def test_statistics_path_equals_residual_path(loss, options):
    X, y = data.linear_data(5000, seed=11, **options)
    stats, resid = _both_paths(X, y, loss)
    pts = _points(stats, 50, seed=6)
    near = stats.minima + 1e-4 * np.random.default_rng(0).standard_normal((10, stats.n_params))
    for q in (pts, near):
        ls, gs = stats.loss_and_grad(q)
        lr, gr = resid.loss_and_grad(q)
        np.testing.assert_allclose(ls, lr, rtol=1e-9)
        np.testing.assert_allclose(gs, gr, rtol=1e-7, atol=1e-9 * np.abs(gr).max())
        assert np.all(ls >= stats.min_loss)


def test_statistics_path_never_goes_below_the_minimum():
    # Noise-free, ill-conditioned data: the minimum is 0 and the valley is extremely flat.
    X, y = data.linear_data(100_000, noise=0.0, correlation=0.999, scale=1e-3, seed=0)
    p = linear_regression_from_data(X, y)
    assert not p.residuals and 0.0 <= p.min_loss < 1e-25
    rng = np.random.default_rng(1)
    for size in (1e-12, 1e-6, 1.0):
        assert np.all(p.loss(p.minima + size * rng.standard_normal((200, 3))) >= 0.0)
    np.testing.assert_allclose(p.minima[0], [*data.TRUE_WEIGHTS, data.TRUE_BIAS], rtol=1e-8)


def test_statistics_path_does_not_touch_the_data():
    p = problem("linear_regression", data="synthetic", n=100_000)
    assert not p.residuals
    pts = _points(p, 1000)
    blank = dataclasses.replace(p, design=np.zeros((1, 3)), y=np.zeros(1))
    np.testing.assert_array_equal(blank.loss_and_grad(pts)[0], p.loss_and_grad(pts)[0])
    np.testing.assert_array_equal(blank.loss_and_grad(pts)[1], p.loss_and_grad(pts)[1])


def test_auto_method_switches_at_the_threshold():
    X, y = data.linear_data(DIRECT_MAX_SAMPLES + 1, seed=0)
    assert linear_regression_from_data(X[:-1], y[:-1]).residuals
    assert not linear_regression_from_data(X, y).residuals


@pytest.mark.parametrize(
    ("X", "y", "null"),
    [
        # x2 = x1; eigh returns the zero eigenvalue as +1e-16 (seed 0) or −9e-16 (seed 4): round-off
        # either way, which must not tilt the line of minima.
        (*data.linear_data(500, correlation=1.0, seed=0), [1.0, -1.0, 0.0]),
        (*data.linear_data(500, correlation=1.0, seed=4), [1.0, -1.0, 0.0]),
        (*data.article_data(), [-1.0, 1.0, -1.0]),
    ],
)
def test_collinear_data_reports_the_minimum_norm_solution_and_a_flat_line(X, y, null):
    for p in _both_paths(X, y):
        design = np.column_stack([X, np.ones(len(y))])
        np.testing.assert_allclose(p.minima[0], np.linalg.pinv(design) @ y, rtol=1e-9)
        along = p.minima + np.outer([-1e6, -5.0, 0.3, 7.0, 1e6], null)
        loss = p.loss(along)
        if not p.residuals:  # the centred form cannot dip below the minimum, even by round-off
            assert np.all(loss >= p.min_loss), loss - p.min_loss
        np.testing.assert_allclose(loss, p.min_loss, rtol=1e-6, atol=1e-15)


def test_minimum_matches_an_independent_least_squares_solve():
    X, y = data.linear_data(300, noise=0.3, n_features=2, correlation=0.5, seed=9)
    p = problem("linear_regression", data="synthetic", n=300, noise=0.3, correlation=0.5, seed=9)
    design = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.solve(design.T @ design, design.T @ y)
    np.testing.assert_allclose(p.minima[0], theta, rtol=1e-10)
    assert p.min_loss == pytest.approx(0.5 * np.mean((design @ theta - y) ** 2), rel=1e-10)


# --- mini-batches -----------------------------------------------------------------------------------
DATA_CASES = [k for k, (name, _) in CASES.items() if name.endswith("regression")]


@pytest.mark.parametrize("case", DATA_CASES)
def test_batch_of_all_samples_equals_full(case):
    name, options = CASES[case]
    p = problem(name, **options)
    pts = _points(p, 5, seed=7)
    idx = np.tile(np.arange(p.n_samples), (5, 1))
    lb, gb = p.batch_loss_and_grad(pts, idx)
    lf, gf = p.loss_and_grad(pts)
    np.testing.assert_allclose(lb, lf, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gb, gf, rtol=1e-10, atol=1e-12 * (1 + np.abs(gf).max()))


@pytest.mark.parametrize("case", ["linear_synthetic", "logistic_l2"])
def test_batch_is_the_same_problem_on_the_subset(case):
    name, options = CASES[case]
    p = problem(name, **options)
    rng = np.random.default_rng(8)
    pts = _points(p, 3, seed=8)
    idx = rng.integers(0, p.n_samples, (3, 17))  # with repeats, as sampling with replacement gives
    lb, gb = p.batch_loss_and_grad(pts, idx)
    for k in range(3):
        if name == "linear_regression":
            sub = linear_regression_from_data(p.X[idx[k]], p.y[idx[k]], method="residuals")
        else:
            sub = logistic_regression_from_data(p.X[idx[k]], p.y[idx[k]], l2=p.l2)
        lk, gk = sub.loss_and_grad(pts[k])
        np.testing.assert_allclose(lb[k], lk, rtol=1e-13)
        np.testing.assert_allclose(gb[k], gk, rtol=1e-12, atol=1e-14)


def test_batch_gradient_matches_differences_of_the_batch_loss():
    p = problem("logistic_regression", l2=0.05)
    pts = _points(p, 4, seed=9)
    idx = np.random.default_rng(9).integers(0, p.n_samples, (4, 8))
    _, g = p.batch_loss_and_grad(pts, idx)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd = (p.batch_loss_and_grad(pts + e, idx)[0] - p.batch_loss_and_grad(pts - e, idx)[0]) / (2 * h)
        np.testing.assert_allclose(g[:, j], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("idx", "message"),
    [
        (np.zeros((2, 3)), "integer sample indices"),
        (np.zeros((3, 3), dtype=int), "idx must have shape"),
        (np.zeros((2, 0), dtype=int), "b ≥ 1"),
        (np.full((2, 3), 4), r"idx must lie in 0…3"),
        (np.full((2, 3), -1), r"idx must lie in 0…3"),
    ],
)
def test_batch_validation(idx, message):
    with pytest.raises(ValueError, match=message):
        problem("linear_regression").batch_loss_and_grad(np.zeros((2, 3)), idx)


# --- logistic regression ----------------------------------------------------------------------------
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_minimum_matches_an_independent_optimizer(l2):
    optimize = reference("scipy.optimize")
    p = problem("logistic_regression", l2=l2, n=300, seed=3)
    res = optimize.minimize(
        lambda t: float(p.loss(t)), np.zeros(3), jac=lambda t: p.grad(t), method="BFGS", tol=1e-12
    )
    np.testing.assert_allclose(p.minima[0], res.x, atol=1e-6)
    assert p.min_loss <= res.fun + 1e-15


def test_logistic_loss_is_the_cross_entropy_and_stable():
    p = problem("logistic_regression", n=50)
    pts = _points(p, 10)
    h = pts[:, :2] @ p.X.T + pts[:, 2:]
    sig = 1.0 / (1.0 + np.exp(-h))
    naive = -np.mean(p.y * np.log(sig) + (1 - p.y) * np.log(1 - sig), axis=1)
    np.testing.assert_allclose(p.loss(pts), naive, rtol=1e-12)
    # Far out, 1 − σ(h) rounds to 0 and the naive formula gives inf; the stable one stays exact.
    theta = np.array([3000.0, 3000.0, 0.0])
    hh = p.X @ theta[:2]
    exact = np.mean(np.where(p.y == 1, np.logaddexp(0, -hh), np.logaddexp(0, hh)))
    assert np.isfinite(p.loss(theta)) and p.loss(theta) == pytest.approx(exact, rel=1e-13)
    l2 = problem("logistic_regression", n=50, l2=0.5)
    np.testing.assert_allclose(l2.loss(pts) - p.loss(pts), 0.25 * np.sum(pts[:, :2] ** 2, axis=1), rtol=1e-12)


def test_separable_data_has_no_minimum_and_says_so():
    p = problem("logistic_regression", separation=8.0, noise=0.5)
    assert len(p.minima) == 0 and p.min_loss is None
    assert "separable" in p.description and "no minimum" in p.description
    # The loss keeps falling along a separating direction …
    w = np.array([0.8, 0.6])
    b = -(w @ np.array(data.CLASS_MIDPOINT))
    ray = np.outer(2.0 ** np.arange(8), [*w, b])
    loss = p.loss(ray)
    # Far out every term is about e^(−margin), below 1e-100: still positive and still falling.
    assert np.all(np.diff(loss) < 0) and np.all(loss > 0) and loss[-1] < 1e-100
    # … until L2 gives it a floor.
    q = problem("logistic_regression", separation=8.0, noise=0.5, l2=0.01)
    assert len(q.minima) == 1 and "separable" not in q.description
    assert np.abs(q.grad(q.minima[0])).max() < 1e-12


def test_single_class_data_has_no_minimum():
    X = np.random.default_rng(0).standard_normal((20, 2))
    for l2 in (0.0, 1.0):
        p = logistic_regression_from_data(X, np.ones(20), l2=l2)
        assert len(p.minima) == 0 and "one class" in p.description


def test_large_logistic_finds_the_minimum_through_the_subsample_warm_start():
    p = problem("logistic_regression", n=200_000, seed=1)
    assert np.abs(p.grad(p.minima[0])).max() < 1e-12
    data_mean = np.array(data.CLASS_DIRECTION) * 3.0  # the Bayes direction for equal spreads
    w = p.minima[0, :2]
    assert w @ data_mean / (np.linalg.norm(w) * np.linalg.norm(data_mean)) > 0.999


# --- factories from data ----------------------------------------------------------------------------
def test_from_data_names_options_and_single_feature():
    X, y = data.linear_data(30, n_features=1, seed=0)
    p = linear_regression_from_data(X, y, name="my_csv", description="Uploaded.", options={"file": "a.csv"})
    assert isinstance(p, LinearRegression)
    assert p.name == "my_csv" and p.description == "Uploaded." and p.options == {"file": "a.csv"}
    assert p.param_names == ("w", "b") and p.axes == (0, 1)
    X3 = np.random.default_rng(0).standard_normal((30, 3))
    assert linear_regression_from_data(X3, y).param_names == ("w1", "w2", "w3", "b")
    # The caller's arrays are copied, not frozen or shared.
    Xc, yc = X.copy(), y.copy()
    q = linear_regression_from_data(Xc, yc)
    Xc[0, 0] = 1e6
    assert q.X[0, 0] == X[0, 0] and Xc.flags.writeable


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: problem("quadratic", conditon=3), "unknown option.*'conditon'.*allowed: condition, angle"),
        (lambda: problem("quadratic", condition=float("nan")), "condition must be a finite number"),
        (lambda: problem("quadratic", condition=0.5), "condition must be ≥ 1"),
        (lambda: problem("quadratic", angle="45"), "angle must be a number"),
        (lambda: problem("rosenbrock", b=0), "b must be > 0"),
        (lambda: problem("rosenbrock", a=3.0), "a must be ≤ 1.5"),
        (lambda: problem("beale", x=1), "unknown option.*allowed: none"),
        (lambda: problem("nope"), "unknown problem 'nope'; allowed: .*rosenbrock"),
        (lambda: problem("linear_regression", loss="l1"), "unknown loss 'l1'; allowed: half_mse, mse"),
        (lambda: problem("linear_regression", data="csv"), "unknown data 'csv'; allowed: article, synthetic"),
        (lambda: problem("linear_regression", n=10), "n need data='synthetic'"),
        (lambda: problem("linear_regression", data="synthetic", n=0), "n must be ≥ 1"),
        (
            lambda: problem("linear_regression", data="synthetic", noise=float("nan")),
            "noise must be a finite",
        ),
        (lambda: problem("linear_regression", data="synthetic", seed=1.5), "seed must be a whole number"),
        (lambda: problem("logistic_regression", l2=-1.0), "l2 must be ≥ 0"),
        (lambda: problem("logistic_regression", l2=float("nan")), "l2 must be a finite number"),
        (lambda: problem("logistic_regression", loss="mse"), "unknown option.*'loss'"),
        (lambda: linear_regression_from_data([1, 2, 3], [1, 2, 3]), "X must be a 2-D array"),
        (lambda: linear_regression_from_data([[1.0], [2.0]], [1.0]), r"y must have one value per row of X"),
        (lambda: linear_regression_from_data([[1.0], [np.nan]], [1.0, 2.0]), "only finite numbers"),
        (lambda: linear_regression_from_data([["a"], ["b"]], [1.0, 2.0]), "numeric arrays"),
        (lambda: linear_regression_from_data([[1.0]], [1.0], method="fast"), "unknown method 'fast'"),
        (lambda: logistic_regression_from_data([[1.0], [2.0]], [0.0, 2.0]), "labels 0 and 1 only"),
    ],
)
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()
