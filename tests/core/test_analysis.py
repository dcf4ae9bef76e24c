"""Numbers the page reports: distance to the minimum (a line of minima for the article's data),
top curvature and the plain-GD step limit 2/λ_max."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.analysis.curvature import MAX_HESSIAN_PARAMS, lr_limit, top_curvature
from gdviz.analysis.metrics import distance_to_minimum
from gdviz.optim import optimizer
from gdviz.problems import problem
from gdviz.train import run

# The article's features are collinear (x2 = x1 + 1): h = (w1 + w2)·x1 + (w2 + b), so every
# (1 − t, t, −t) fits the data exactly.
LINE_POINT = np.array([1.0, 0.0, 0.0])
LINE_DIR = np.array([-1.0, 1.0, -1.0]) / np.sqrt(3.0)


def _distance_to_line(theta) -> float:
    rel = np.asarray(theta) - LINE_POINT
    return float(np.linalg.norm(rel - (rel @ LINE_DIR) * LINE_DIR))


@pytest.mark.parametrize("loss", ["half_mse", "mse"])
def test_article_distance_is_to_the_line_of_minima(loss):
    p = problem("linear_regression", loss=loss)
    for t in (-3.0, -0.5, 0.0, 1.0 / 3.0, 2.0, 25.0):
        on_line = np.array([1 - t, t, -t])
        assert p.loss(on_line) == pytest.approx(0.0, abs=1e-12)  # it really is a minimiser
        assert distance_to_minimum(p, on_line) == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(0)
    for theta in rng.normal(0, 3, (20, 3)):
        d = distance_to_minimum(p, theta)
        assert d == pytest.approx(_distance_to_line(theta), rel=1e-9, abs=1e-12)
        # closer than the Euclidean distance to the one representative stored in minima
        assert d <= np.linalg.norm(theta - p.minima[0]) + 1e-12
    # far along the line, the representative is far away but the distance to the set is 0
    far = np.array([1 - 100.0, 100.0, -100.0])
    assert np.linalg.norm(far - p.minima[0]) > 100 and distance_to_minimum(p, far) < 1e-9


def test_article_run_converges_onto_the_line_not_to_a_point():
    p = problem("linear_regression")
    start = np.array([3.0, -2.0, 1.0])
    rec = run(p, optimizer("gd", lr=0.08), steps=1000, start=start)
    end = rec.params[-1]
    assert distance_to_minimum(p, end) == pytest.approx(_distance_to_line(end), rel=1e-6, abs=1e-12)
    assert distance_to_minimum(p, end) < 1e-3
    # GD never moves along the flat direction: the end keeps the start's component along the line,
    # so it lands on the line but not at the minimum-norm representative
    assert (end - start) @ LINE_DIR == pytest.approx(0.0, abs=1e-9)
    assert np.linalg.norm(end - p.minima[0]) > 0.5


@pytest.mark.parametrize(
    ("name", "theta"),
    [
        ("rosenbrock", [-2.0, 2.0]),
        ("rosenbrock", [1.0, 1.0]),
        ("rosenbrock", [0.3, -0.7]),
        ("booth", [0.0, 0.0]),
    ],
)
def test_euclidean_distance_for_a_single_minimum(name, theta):
    p = problem(name)
    expected = np.linalg.norm(np.asarray(theta) - p.minima[0])
    assert distance_to_minimum(p, np.array(theta)) == pytest.approx(expected, rel=1e-15, abs=1e-300)
    assert distance_to_minimum(problem("rosenbrock"), np.array([-2.0, 2.0])) == pytest.approx(
        np.hypot(3.0, 1.0)
    )


def test_distance_to_the_nearest_of_several_minima():
    p = problem("himmelblau")
    for m in p.minima:
        assert distance_to_minimum(p, m + np.array([0.01, 0.0])) == pytest.approx(0.01, rel=1e-9)
    theta = np.array([0.0, 0.0])
    assert distance_to_minimum(p, theta) == pytest.approx(np.min(np.linalg.norm(p.minima, axis=1)))


def test_distance_unknown_or_undefined_is_none():
    mlp = problem("mlp", hidden=(2,), n=40)
    assert len(mlp.minima) == 0 and distance_to_minimum(mlp, mlp.start) is None
    assert distance_to_minimum(problem("rosenbrock"), np.array([np.nan, 0.0])) is None
    assert distance_to_minimum(problem("rosenbrock"), np.array([np.inf, 0.0])) is None


def step_limit(p, theta):
    return lr_limit(p, "gd", at=theta)


@pytest.mark.parametrize(("kappa", "angle"), [(1.0, 0.0), (10.0, 0.0), (50.0, 30.0), (1e4, -75.0)])
def test_step_limit_on_a_quadratic_is_two_over_lambda_max(kappa, angle):
    p = problem("quadratic", condition=kappa, angle=angle)
    for theta in (p.start, np.array([0.0, 0.0]), np.array([100.0, -7.0])):
        assert top_curvature(p, theta) == pytest.approx(kappa, rel=1e-12)
        assert step_limit(p, theta) == pytest.approx(2.0 / kappa, rel=1e-12)


def test_step_limit_is_where_plain_gd_stops_converging():
    p = problem("quadratic", condition=20.0, angle=10.0)
    limit = step_limit(p, p.start)
    below = run(p, optimizer("gd", lr=0.98 * limit), steps=2000)
    above = run(p, optimizer("gd", lr=1.02 * limit), steps=2000)
    assert below.loss[-1] < 1e-6 * below.loss[0]
    assert above.diverged is not None or above.loss[-1] > above.loss[0]


def test_step_limit_of_other_problems():
    booth = problem("booth")  # Hessian [[10, 8], [8, 10]]: λ_max = 18
    assert step_limit(booth, booth.start) == pytest.approx(2.0 / 18.0, rel=1e-14)
    lin = problem("linear_regression")
    lam = np.linalg.eigvalsh(lin.quadratic_form()[0]).max()
    assert step_limit(lin, lin.start) == pytest.approx(2.0 / lam, rel=1e-12)
    # Rosenbrock at its minimum: Hessian [[802, −400], [−400, 200]]
    rosen = problem("rosenbrock")
    lam = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]])).max()
    assert step_limit(rosen, np.array([1.0, 1.0])) == pytest.approx(2.0 / lam, rel=1e-12)


def test_step_limit_is_none_where_the_curvature_is_undefined_or_not_positive():
    ackley = problem("ackley")
    assert top_curvature(ackley, np.zeros(2)) is None  # the cone's Hessian at the origin is NaN
    assert step_limit(ackley, np.zeros(2)) is None
    assert step_limit(ackley, np.array([1.0, 1.0])) is not None
    # the saddle at the origin has λ = 2 > 0 along x, so there is still a limit; a concave point has none
    saddle = problem("saddle")
    assert step_limit(saddle, np.zeros(2)) == pytest.approx(1.0)
    concave = problem("formula", expr="-x**2 - y**2", start=(1.0, 1.0), window=((-2, 2), (-2, 2)))
    assert top_curvature(concave, np.array([1.0, 1.0])) == pytest.approx(-2.0)
    assert step_limit(concave, np.array([1.0, 1.0])) is None
    assert step_limit(problem("rosenbrock"), np.array([np.nan, 1.0])) is None


def test_large_problems_skip_the_hessian():
    big = problem("mlp", hidden=(16, 16), n=40)
    assert big.n_params > MAX_HESSIAN_PARAMS
    assert top_curvature(big, big.start) is None and step_limit(big, big.start) is None
    small = problem("mlp", hidden=(2,), n=40)
    assert small.n_params <= MAX_HESSIAN_PARAMS
    assert top_curvature(small, small.start) is not None
