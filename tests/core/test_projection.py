"""The 2-D view of runs: a 2-parameter problem as it is, a slice through more parameters, the PCA
plane of a trajectory; windows that survive diverged runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.geometry.landscape import trajectory_pca
from gdviz.geometry.projection import auto_window, fit_aspect, make_view, path_window
from gdviz.geometry.surfaces import plane_grid, slice_grid
from gdviz.optim import optimizer
from gdviz.problems import problem
from gdviz.train import run


def _contains(outer, inner) -> bool:
    (ox0, ox1), (oy0, oy1) = outer
    (ix0, ix1), (iy0, iy1) = inner
    return ox0 <= ix0 and ix1 <= ox1 and oy0 <= iy0 and iy1 <= oy1


# --- two parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "saddle", "booth"])
def test_two_parameter_problem_is_its_own_view(name):
    p = problem(name)
    a = run(p, optimizer("adam", lr=0.05), steps=200)
    b = run(p, optimizer("momentum", lr=1e-3), steps=200)
    v = make_view(p, [a.params, b.params], resolution=40)
    assert v.kind == "full" and v.explained is None
    assert _contains(v.window, p.window)
    assert v.axis_titles == p.param_names
    np.testing.assert_array_equal(v.paths[0], a.params)
    np.testing.assert_array_equal(v.paths[1], b.params)
    np.testing.assert_array_equal(v.minima, p.minima)
    np.testing.assert_array_equal(v.center, a.params[-1])
    np.testing.assert_array_equal(v.surface.z, slice_grid(p, window=v.window, resolution=40).z)
    # every point of both paths is inside the view
    for path in v.paths:
        assert _contains(
            v.window, ((path[:, 0].min(), path[:, 0].max()), (path[:, 1].min(), path[:, 1].max()))
        )


def test_a_diverged_run_does_not_stretch_the_view():
    p = problem("rosenbrock")
    good = run(p, optimizer("adam", lr=0.05), steps=200)
    bad = run(p, optimizer("gd", lr=0.01), steps=200)
    assert bad.diverged is not None
    flagged = make_view(p, [good.params, bad.params], diverged=[False, True], resolution=20)
    # only the good run frames the view: the default window (padded around a start on its edge),
    # widened to fill the panel with equal scales (fit_aspect)
    assert flagged.window == fit_aspect(auto_window(p.window, [good.params]))
    assert _contains(fit_aspect(auto_window(p.window, [good.params])), p.window)
    assert len(flagged.paths) == 2  # still drawn, just not framed
    # unflagged, a runaway path grows the window, but never beyond 4 default sizes and a margin
    far = np.array([[-2.0, 2.0], [1e9, -1e9]])
    v = make_view(p, [good.params, far], resolution=20)
    grown = auto_window(p.window, [good.params, far])
    assert v.window == fit_aspect(grown)  # then widened to fill the panel with equal scales
    (x0, x1), (y0, y1) = grown
    assert _contains(v.window, p.window)
    cap = 4 * 4.0 + 0.08 * 4.0 + 1e-12
    assert -2.0 - cap <= x0 and x1 <= 2.0 + cap and -1.0 - cap <= y0 and y1 <= 3.0 + cap
    assert x1 > 10.0 and y0 < -10.0  # grown towards the runaway, up to the cap
    # the reference run (centre of the view) is the first one that did not diverge
    v = make_view(p, [bad.params, good.params], diverged=[True, False], resolution=20)
    np.testing.assert_array_equal(v.center, good.params[-1])


def test_non_finite_final_point_falls_back_to_the_start():
    p = problem("himmelblau")
    path = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, np.inf]])
    v = make_view(p, [path], resolution=10)
    np.testing.assert_array_equal(v.center, p.start)
    assert v.window == fit_aspect(p.window)


# --- slices through three parameters -------------------------------------------------------------
def test_slice_of_linear_regression():
    p = problem("linear_regression")
    rec = run(p, optimizer("gd", lr=0.02), steps=300)
    v = make_view(p, [rec.params], resolution=30)
    assert v.kind == "slice" and v.axis_titles == ("w1", "w2")
    np.testing.assert_array_equal(v.paths[0], rec.params[:, :2])
    np.testing.assert_array_equal(v.center, rec.params[-1])
    assert _contains(v.window, p.window)
    # the surface holds b at the run's final value
    np.testing.assert_array_equal(
        v.surface.z, slice_grid(p, window=v.window, resolution=30, center=rec.params[-1]).z
    )
    # the stored minimiser has a different b, but the LINE of minima (collinear features) crosses
    # every b-slice: the drawn minimum is where it does, and the loss there is the minimum
    assert abs(rec.params[-1, 2] - p.minima[0, 2]) > 1e-3
    assert v.minima.shape == (1, 2)
    theta = np.array([v.minima[0, 0], v.minima[0, 1], rec.params[-1, 2]])
    assert p.loss(theta) <= p.min_loss + 1e-12


def test_minimum_on_a_slice_follows_the_line_of_minima():
    p = problem("linear_regression")
    star = p.minima[0]
    onto = np.linspace(p.start, star, 25)
    v = make_view(p, [onto], resolution=10)
    np.testing.assert_allclose(v.minima, star[None, :2], atol=1e-12)
    off = onto + np.array([0.0, 0.0, 0.5])
    m = make_view(p, [off], resolution=10).minima
    # the line is (1 - t, t, -t): at b = star_b + 0.5 it passes through t = -b
    t = -(star[2] + 0.5)
    np.testing.assert_allclose(m, [[1 - t, t]], atol=1e-9)


def test_a_regular_minimum_is_drawn_only_on_its_own_slice():
    # synthetic data with independent features: one minimiser, a point
    p = problem("linear_regression", data="synthetic", n=200, seed=3)
    star = p.minima[0]
    onto = np.linspace(p.start, star, 25)
    np.testing.assert_allclose(make_view(p, [onto], resolution=10).minima, star[None, :2], atol=0)
    off = onto + np.array([0.0, 0.0, 0.5])
    assert make_view(p, [off], resolution=10).minima.shape == (0, 2)


def test_slice_through_other_axes_frames_the_paths():
    p = problem("linear_regression")
    rec = run(p, optimizer("adam", lr=0.05), steps=200)
    v = make_view(p, [rec.params], axes=(0, 2), resolution=20)
    assert v.axis_titles == ("w1", "b") and v.surface.axes == (0, 2)
    np.testing.assert_array_equal(v.paths[0], rec.params[:, [0, 2]])
    (x0, x1), (y0, y1) = v.window
    assert x0 < x1 and y0 < y1
    inside = (
        (v.paths[0][:, 0] >= x0)
        & (v.paths[0][:, 0] <= x1)
        & (v.paths[0][:, 1] >= y0)
        & (v.paths[0][:, 1] <= y1)
    )
    assert inside.all()


# --- the PCA plane -------------------------------------------------------------------------------
def test_pca_view_of_linear_regression():
    p = problem("linear_regression", data="synthetic", n=40, seed=2)
    a = run(p, optimizer("momentum", lr=0.05), steps=150)
    b = run(p, optimizer("adam", lr=0.05), steps=150)
    v = make_view(p, [a.params, b.params], kind="pca", resolution=25)
    assert v.kind == "pca" and v.axis_titles == ("PC1", "PC2")
    e1, e2 = v.explained
    assert 0.0 <= e2 <= e1 <= 1.0 and e1 + e2 <= 1.0 + 1e-12
    pca = trajectory_pca(a.params)
    np.testing.assert_array_equal(v.center, a.params[-1])
    d = np.stack([pca.d1, pca.d2])
    # both runs are projected onto the first run's plane, centred at its final point
    for path, rec in zip(v.paths, (a, b), strict=True):
        np.testing.assert_allclose(path, (rec.params - a.params[-1]) @ d.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v.paths[0][-1], [0.0, 0.0], atol=1e-15)
    # what the plane misses of the reference path is exactly the unexplained share
    m = a.params - a.params[-1]
    resid = m - v.paths[0] @ d
    np.testing.assert_allclose(np.sum(resid**2), (1 - e1 - e2) * np.sum(m**2), rtol=1e-8, atol=1e-20)
    surf = plane_grid(p, a.params[-1], pca.d1, pca.d2, window=v.window, resolution=25)
    np.testing.assert_array_equal(v.surface.z, surf.z)
    # the reference path is framed
    (x0, x1), (y0, y1) = v.window
    assert x0 < v.paths[0][:, 0].min() and v.paths[0][:, 0].max() < x1
    assert y0 < v.paths[0][:, 1].min() and v.paths[0][:, 1].max() < y1


def test_pca_of_a_planar_path_shows_the_minimum_on_the_plane():
    # The article's features are collinear: GD from 0 never leaves the 2-D range of the design, and
    # the minimum-norm minimiser lies in it too, so the plane holds the path and the minimum.
    p = problem("linear_regression")
    rec = run(p, optimizer("gd", lr=0.02), steps=500)
    v = make_view(p, [rec.params], kind="pca", resolution=10)
    assert sum(v.explained) == pytest.approx(1.0, abs=1e-9)
    assert v.minima.shape == (1, 2)
    pca = trajectory_pca(rec.params)
    np.testing.assert_allclose(v.minima[0], (p.minima[0] - rec.params[-1]) @ np.stack([pca.d1, pca.d2]).T)


def test_pca_plane_draws_where_the_line_of_minima_crosses_it():
    """A plane that does not hold the run's own minimiser (Adam's, or any bent path) still crosses
    the article's line of minima: the star is drawn there, and it is a minimiser (issue 15: switching
    run 1 to Adam made the star disappear)."""
    p = problem("linear_regression")
    rec = run(p, optimizer("gd", lr=0.02), steps=500)
    bent = rec.params + np.outer(np.linspace(0, 1, len(rec.params)) ** 2, [0.3, -0.1, 0.2])
    adam = run(p, optimizer("adam", lr=0.05), steps=300).params
    for path in (bent, adam):
        v = make_view(p, [path], kind="pca", resolution=10)
        assert v.minima.shape == (1, 2)
        theta = v.center + v.minima[0] @ v.basis
        assert p.loss(theta) == pytest.approx(p.min_loss, abs=1e-12)
        np.testing.assert_allclose(p.grad(theta), 0.0, atol=1e-9)


def test_pca_plane_off_a_single_minimiser_draws_none():
    p = problem("linear_regression", data="synthetic", n=200, seed=3)
    rec = run(p, optimizer("gd", lr=0.05), steps=300)
    bent = rec.params + np.outer(np.linspace(0, 1, len(rec.params)) ** 2, [0.3, -0.1, 0.2])
    assert make_view(p, [bent], kind="pca", resolution=10).minima.shape == (0, 2)


def test_pca_on_a_two_parameter_problem_is_still_the_full_view():
    p = problem("booth")
    rec = run(p, optimizer("adam", lr=0.1), steps=50)
    assert make_view(p, [rec.params], kind="pca", resolution=10).kind == "full"


# --- windows -------------------------------------------------------------------------------------
def test_auto_window():
    default = ((-2.0, 2.0), (-1.0, 3.0))
    assert auto_window(default, []) == default
    assert auto_window(default, [np.zeros((0, 2))]) == default
    inside = np.array([[-1.0, 0.0], [1.5, 2.5]])
    assert auto_window(default, [inside]) == default
    out = np.array([[0.0, 0.0], [3.0, 4.0]])
    (x0, x1), (y0, y1) = auto_window(default, [out])
    assert (x0, y0) == (-2.0, -1.0)
    assert x1 == pytest.approx(3.0 + 0.08 * 4) and y1 == pytest.approx(4.0 + 0.08 * 4)
    # non-finite rows (a diverged path's tail) are ignored; a runaway is capped at 4 sizes
    nasty = np.array([[0.0, 0.0], [np.nan, 1.0], [np.inf, -np.inf], [-1e300, 1e300]])
    (x0, x1), (y0, y1) = auto_window(default, [nasty])
    assert np.isfinite([x0, x1, y0, y1]).all()
    assert x0 == pytest.approx(-2.0 - 16.0 - 0.32) and y1 == pytest.approx(3.0 + 16.0 + 0.32)
    assert (x1, y0) == (2.0, -1.0)
    assert auto_window(default, [np.full((3, 2), np.nan)]) == default
    # a start on the border would be drawn half cut off: the window grows around it
    on_edge = np.array([[1.5, -1.0], [0.0, 0.0]])
    (x0, x1), (y0, y1) = auto_window(default, [on_edge])
    assert y0 == pytest.approx(-1.0 - 0.08 * 4) and (x0, x1, y1) == (-2.0, 2.0, 3.0)


def test_path_window():
    assert path_window([]) == ((-1.0, 1.0), (-1.0, 1.0))
    assert path_window([np.full((4, 2), np.nan)]) == ((-1.0, 1.0), (-1.0, 1.0))
    # a path that sits still still gets a window of positive size around it
    (x0, x1), (y0, y1) = path_window([np.tile([2.0, -3.0], (5, 1))])
    assert x0 < 2.0 < x1 and y0 < -3.0 < y1
    # a straight path is not squashed to a line
    (x0, x1), (y0, y1) = path_window([np.linspace([0.0, 5.0], [10.0, 5.0], 20)])
    assert x0 < 0.0 and x1 > 10.0 and y1 - y0 > 0.1
    # every finite point of every path is framed, with a margin; non-finite rows are ignored
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (50, 2))
    b = np.vstack([rng.uniform(3, 4, (20, 2)), [[np.inf, 0.0], [np.nan, np.nan]]])
    (x0, x1), (y0, y1) = path_window([a, b])
    assert np.isfinite([x0, x1, y0, y1]).all()
    finite = np.vstack([a, b[:20]])
    assert x0 < finite[:, 0].min() and finite[:, 0].max() < x1
    assert y0 < finite[:, 1].min() and finite[:, 1].max() < y1
    assert x1 - x0 < 2 * (finite[:, 0].max() - finite[:, 0].min())
