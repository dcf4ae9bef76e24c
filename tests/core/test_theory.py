"""Theory numbers against NumPy's eigenvalues and against what gradient descent actually does."""

import math

import numpy as np
import pytest

import gdviz
from gdviz.analysis.curvature import lam_max_at, lr_limit, quadratic_theory, stable_lr


@pytest.mark.parametrize("kappa,angle", [(10.0, 0.0), (100.0, 30.0), (3.0, -45.0)])
def test_quadratic_numbers_match_numpy_eigenvalues(kappa, angle):
    p = gdviz.problem("quadratic", condition=kappa, angle=angle)
    th = quadratic_theory(p)
    lam = np.linalg.eigvalsh(p.quadratic_form()[0])
    np.testing.assert_allclose(th.eigenvalues, lam, rtol=1e-12)
    assert th.kappa == pytest.approx(lam.max() / lam.min(), rel=1e-12)
    assert th.lr_limit == pytest.approx(2 / lam.max(), rel=1e-12)
    assert th.lr_best == pytest.approx(2 / (lam.min() + lam.max()), rel=1e-12)
    assert th.rate_best == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-9)
    sk = math.sqrt(kappa)
    assert th.momentum_best == pytest.approx(((sk - 1) / (sk + 1)) ** 2, rel=1e-9)
    assert th.gd_rate(th.lr_best) == pytest.approx(th.rate_best, rel=1e-9)


def test_collinear_regression_reports_its_null_space():
    p = gdviz.problem("linear_regression")
    th = quadratic_theory(p)
    assert th.null_dim == 1
    lam = np.linalg.eigvalsh(p.quadratic_form()[0])
    assert th.lam_min == pytest.approx(np.sort(lam)[1], rel=1e-9)  # smallest positive
    assert th.lam_max == pytest.approx(lam.max(), rel=1e-12)


def test_non_quadratic_has_no_closed_form():
    assert quadratic_theory(gdviz.problem("rosenbrock")) is None


def _final_loss(p, rule, lr, steps=400, **kw):
    rec = gdviz.run(p, gdviz.optimizer(rule, lr=lr, **kw), steps=steps)
    return rec.diverged, rec.loss[-1]


@pytest.mark.parametrize(
    "rule,mu",
    [("gd", 0.0), ("momentum", 0.9), ("momentum", 0.5), ("nesterov", 0.9), ("nesterov", 0.3)],
)
def test_stability_limit_separates_convergence_from_divergence(rule, mu):
    p = gdviz.problem("quadratic", condition=10.0)
    lam = quadratic_theory(p).lam_max
    limit = stable_lr(rule, lam, mu)
    kw = {} if rule == "gd" else {"momentum": mu}
    div, loss = _final_loss(p, rule, 0.97 * limit, steps=3000, **kw)
    assert div is None and loss < p.loss(p.start)
    div, loss = _final_loss(p, rule, 1.03 * limit, steps=3000, **kw)
    assert div is not None or loss > p.loss(p.start)


def test_adaptive_rules_have_no_fixed_limit():
    assert stable_lr("adam", 10.0) is None and stable_lr("rmsprop", 10.0) is None
    assert stable_lr("gd", 0.0) is None


def test_the_local_limit_uses_the_hessian_at_the_point():
    p = gdviz.problem("rosenbrock")
    lam = lam_max_at(p, p.start)
    assert lam == pytest.approx(np.linalg.eigvalsh(p.hessian(p.start)).max(), rel=1e-9)
    assert lr_limit(p, "gd", at=p.start) == pytest.approx(2 / lam)
    assert lam_max_at(gdviz.problem("ackley"), np.zeros(2)) is None  # the cone tip has no Hessian
    q = gdviz.problem("quadratic", condition=10)
    assert lam_max_at(q, np.array([5.0, -3.0])) == quadratic_theory(q).lam_max


def test_local_fixed_point_is_where_full_batch_local_gd_settles_on_sorted_shards():
    import gdviz
    from gdviz import parallel
    from gdviz.parallel import theory

    p = gdviz.problem("linear_regression", data="synthetic", n=2000)
    for H in (1, 8, 32):
        theta, loss = theory.local_fixed_point(p, workers=4, local_steps=H, lr=0.1, shards="label")
        rec = parallel.train(
            p,
            gdviz.optimizer("gd", lr=0.1),
            strategy="local",
            workers=4,
            local_steps=H,
            steps=H * max(80, 1000 // H),
            shards="label",
        )
        np.testing.assert_allclose(rec.params[-1], theta, rtol=0, atol=1e-9)
        assert loss == pytest.approx(float(rec.loss[-1]), rel=1e-9)
    # H = 1 is gradient descent on the whole data: the fixed point is the minimum
    _, loss1 = theory.local_fixed_point(p, workers=4, local_steps=1, lr=0.1, shards="label")
    assert loss1 == pytest.approx(p.min_loss, rel=1e-9)
    # the drift grows with H
    drifts = [
        theory.local_fixed_point(p, workers=4, local_steps=H, lr=0.1, shards="label")[1] for H in (2, 8, 32)
    ]
    assert drifts == sorted(drifts) and drifts[0] > p.min_loss


def test_local_fixed_point_only_for_quadratic_shards():
    import gdviz
    from gdviz.parallel import theory

    assert (
        theory.local_fixed_point(gdviz.problem("logistic_regression"), workers=2, local_steps=4, lr=0.5)
        is None
    )
    assert theory.local_fixed_point(gdviz.problem("rosenbrock"), workers=2, local_steps=4, lr=0.5) is None
