"""Loss surfaces: a slice through two parameters, a plane through two directions, NaN for non-finite
values without warnings, chunked evaluation, validation."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz import limits
from gdviz.geometry import surfaces
from gdviz.geometry.surfaces import Surface, evaluate, plane_grid, slice_grid
from gdviz.problems import problem


def test_slice_of_a_two_parameter_problem():
    p = problem("rosenbrock")
    s = slice_grid(p, resolution=31)
    assert isinstance(s, Surface) and s.z.shape == (31, 31) and s.axes == (0, 1)
    np.testing.assert_array_equal(s.x, np.linspace(-2.0, 2.0, 31))
    np.testing.assert_array_equal(s.y, np.linspace(-1.0, 3.0, 31))
    for i in (0, 7, 30):
        for j in (0, 12, 30):
            # z[i, j] is the loss at (x[j], y[i]): rows follow y (Plotly's contour convention)
            assert s.z[i, j] == p.loss(np.array([s.x[j], s.y[i]]))
    # the whole grid at once, against the loss of the same points
    xx, yy = np.meshgrid(s.x, s.y)
    np.testing.assert_array_equal(s.z, p.loss(np.stack([xx, yy], axis=-1)))
    np.testing.assert_array_equal(s.center, p.start)


def test_slice_rows_are_y_and_columns_are_x():
    # f = x² + 3y is asymmetric: a transposed grid could not pass
    p = problem("formula", expr="x**2 + 3*y", start=(1.0, 1.0), window=((-2.0, 2.0), (-1.0, 1.0)))
    s = slice_grid(p, window=((0.0, 2.0), (-1.0, 1.0)), resolution=3)
    np.testing.assert_allclose(s.z, [[-3, -2, 1], [0, 1, 4], [3, 4, 7]], rtol=1e-15)


@pytest.mark.parametrize("axes", [(0, 1), (0, 2), (2, 1)])
def test_slice_through_a_three_parameter_problem_holds_the_others_at_center(axes):
    p = problem("linear_regression")
    center = np.array([0.4, -0.2, 1.5])
    before = center.copy()
    s = slice_grid(p, window=((-1.0, 2.0), (-3.0, 1.0)), resolution=17, axes=axes, center=center)
    np.testing.assert_array_equal(center, before)
    assert s.axes == axes
    np.testing.assert_array_equal(s.center, center)
    pts = np.broadcast_to(center, (17, 17, 3)).copy()
    pts[:, :, axes[0]] = s.x[None, :]
    pts[:, :, axes[1]] = s.y[:, None]
    ref = np.array([[p.loss(pts[i, j][None])[0] for j in range(17)] for i in range(17)])
    # the grid is evaluated in chunks of many rows; the data sum may round differently per shape
    np.testing.assert_allclose(s.z, ref, rtol=1e-14)
    # the minimiser's slice touches the minimum loss
    through = slice_grid(p, window=((0.0, 1.0), (0.0, 1.0)), resolution=4, center=p.minima[0])
    assert np.nanmin(through.z) >= p.min_loss - 1e-12


def test_slice_center_defaults_to_the_start():
    p = problem("linear_regression")
    a = slice_grid(p, resolution=9)
    b = slice_grid(p, resolution=9, center=p.start)
    np.testing.assert_array_equal(a.z, b.z)
    c = slice_grid(p, resolution=9, center=[0.0, 0.0, 2.0])
    assert not np.array_equal(a.z, c.z)


def test_plane_grid_is_the_loss_on_the_plane():
    p = problem("linear_regression")
    c = np.array([0.5, 0.5, -0.5])
    d1 = np.array([1.0, -1.0, 0.0])
    d2 = np.array([0.0, 0.3, 1.0])
    s = plane_grid(p, c, d1, d2, window=((-2.0, 1.0), (-0.5, 0.5)), resolution=11)
    assert s.z.shape == (11, 11) and s.axes == (-1, -1)
    np.testing.assert_array_equal(s.x, np.linspace(-2.0, 1.0, 11))
    np.testing.assert_array_equal(s.y, np.linspace(-0.5, 0.5, 11))
    for i in (0, 4, 10):
        for j in (0, 6, 10):
            expected = p.loss((c + s.x[j] * d1 + s.y[i] * d2)[None])[0]
            assert s.z[i, j] == pytest.approx(expected, rel=1e-14)


def test_plane_along_the_coordinate_axes_is_the_slice():
    p = problem("himmelblau")
    window = ((-5.0, 5.0), (-4.0, 4.0))
    sl = slice_grid(p, window=window, resolution=25)
    pl = plane_grid(p, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], window=window, resolution=25)
    np.testing.assert_array_equal(pl.z, sl.z)


def test_non_finite_values_become_nan_without_warnings():
    # log is undefined for x ≤ 0 (NaN, −inf at 0): warnings are errors in this suite
    p = problem("formula", expr="log(x) + y**2", start=(1.0, 1.0), window=((0.1, 3.0), (-2.0, 2.0)))
    s = slice_grid(p, window=((-1.0, 1.0), (-1.0, 1.0)), resolution=5)
    assert np.all(np.isnan(s.z[:, :3])) and np.all(np.isfinite(s.z[:, 3:]))
    # overflow far outside the window: inf becomes NaN too
    r = problem("rosenbrock")
    big = slice_grid(r, window=((-1e200, 1e200), (-1.0, 1.0)), resolution=3)
    assert np.isnan(big.z[:, 0]).all() and np.isnan(big.z[:, 2]).all()
    assert np.isfinite(big.z[:, 1]).all()
    assert not np.isinf(big.z).any()


def test_chunked_evaluation_equals_one_pass(monkeypatch):
    p = problem("rosenbrock")
    whole = slice_grid(p, resolution=23)
    monkeypatch.setattr(surfaces, "_CHUNK_VALUES", 7)
    np.testing.assert_array_equal(slice_grid(p, resolution=23).z, whole.z)
    pts = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    np.testing.assert_array_equal(evaluate(p, pts), p.loss(pts))


def test_resolution_bounds():
    p = problem("booth")
    assert slice_grid(p, resolution=2).z.shape == (2, 2)
    assert slice_grid(p, resolution=limits.MAX_GRID).z.shape == (limits.MAX_GRID, limits.MAX_GRID)
    assert plane_grid(p, [0, 0], [1, 0], [0, 1], window=((0, 1), (0, 1)), resolution=2).z.shape == (2, 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: slice_grid(p, resolution=1), r"resolution must be ≥ 2"),
        (lambda p: slice_grid(p, resolution=limits.MAX_GRID + 1), rf"resolution must be ≤ {limits.MAX_GRID}"),
        (lambda p: slice_grid(p, resolution=10.5), r"resolution must be a whole number"),
        (
            lambda p: plane_grid(p, [0] * 3, [1, 0, 0], [0, 1, 0], window=((0, 1), (0, 1)), resolution=0),
            "≥ 2",
        ),
        (lambda p: slice_grid(p, window=((1.0, 0.0), (0.0, 1.0))), r"xmin < xmax and ymin < ymax"),
        (lambda p: slice_grid(p, window=((0.0, np.nan), (0.0, 1.0))), r"window must be finite"),
        (lambda p: slice_grid(p, window=(0.0, 1.0)), r"window must be \(\(xmin, xmax\), \(ymin, ymax\)\)"),
        (lambda p: slice_grid(p, axes=(1, 1)), r"axes must be two different parameter indices"),
        (lambda p: slice_grid(p, axes=(0, 3)), r"axes must be in 0…2"),
        (lambda p: slice_grid(p, axes=(0.0, 1.0)), r"axes must be two different parameter indices"),
        (lambda p: slice_grid(p, center=[0.0, 0.0]), r"center must be 3 finite numbers"),
        (lambda p: slice_grid(p, center=[0.0, np.nan, 0.0]), r"center must be 3 finite numbers"),
        (
            lambda p: plane_grid(p, [0] * 3, [1.0], [0, 1, 0], window=((0, 1), (0, 1))),
            r"d1 must be 3 finite numbers",
        ),
        (
            lambda p: plane_grid(p, [0] * 3, [1, 0, 0], [0, np.inf, 0], window=((0, 1), (0, 1))),
            r"d2 must be 3 finite numbers",
        ),
        (
            lambda p: plane_grid(p, [0, 0], [1, 0, 0], [0, 1, 0], window=((0, 1), (0, 1))),
            r"center must be 3 finite numbers",
        ),
    ],
)
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call(problem("linear_regression"))
