from dataclasses import dataclass

import numpy as np
import pytest

import gdviz.geometry.landscape as ls
import gdviz.problems.mlp as nn
from gdviz.limits import MAX_GRID
from gdviz.problems.base import Problem
from gdviz.problems.mlp import mlp


@dataclass(frozen=True, eq=False)
class _Bowl(Problem):
    """A problem without layer structure: Σ k·θ_k²."""

    def loss_and_grad(self, params):
        params = np.asarray(params, dtype=float)
        k = np.arange(1, params.shape[-1] + 1)
        return (k * params**2).sum(axis=-1), 2 * k * params


def _bowl(p=3):
    return _Bowl("bowl", tuple(f"x{i}" for i in range(p)), "bowl", ((-1, 1), (-1, 1)), np.ones(p))


@pytest.fixture(scope="module")
def trained():
    p = mlp(dataset="moons", n=200, hidden=(8, 8), activation="tanh", seed=2)
    theta = p.start.copy()
    path = [theta]
    for _ in range(300):
        theta = theta - 0.5 * p.grad(theta)
        path.append(theta)
    return p, np.array(path)


def test_filter_normalization_property(trained):
    p, path = trained
    center = path[-1]
    d1, d2 = ls.random_directions(p, center, seed=5)
    for d in (d1, d2):
        for ly in p.layers:
            rows_d = np.linalg.norm(d[ly.weight].reshape(ly.shape), axis=1)
            rows_w = np.linalg.norm(center[ly.weight].reshape(ly.shape), axis=1)
            np.testing.assert_allclose(rows_d, rows_w, rtol=1e-13)
            np.testing.assert_array_equal(d[ly.bias], 0.0)
    # Rows are rescaled, not reshaped: each row stays parallel to the raw Gaussian draw.
    raw = np.random.default_rng(5).standard_normal((2, p.n_params))[0]
    ly = p.layers[1]
    row, raw_row = d1[ly.weight].reshape(ly.shape)[2], raw[ly.weight].reshape(ly.shape)[2]
    np.testing.assert_allclose(row / np.linalg.norm(row), raw_row / np.linalg.norm(raw_row), rtol=1e-13)


def test_directions_are_seeded(trained):
    p, path = trained
    a = ls.random_directions(p, path[-1], seed=1)
    b = ls.random_directions(p, path[-1], seed=1)
    c = ls.random_directions(p, path[-1], seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert not np.allclose(a[0], a[1])


def test_plain_directions_without_layers():
    p = _bowl(4)
    d1, d2 = ls.random_directions(p, np.zeros(4), seed=0)
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1, 1, 0], atol=1e-15)
    with pytest.raises(ValueError, match="no layer structure"):
        ls.filter_normalize(p, d1, np.zeros(4))
    with pytest.raises(ValueError, match="at least 2 parameters"):
        ls.random_directions(_bowl(1), np.zeros(1))


def test_plane_grid_matches_pointwise_losses():
    p = mlp(dataset="xor", n=60, hidden=(4,))
    rng = np.random.default_rng(0)
    c, d1, d2 = rng.standard_normal((3, p.n_params))
    alphas = np.array([-1.0, 0.0, 0.3, 2.0])
    betas = np.array([-0.5, 0.25, 1.5])
    z = ls.plane_grid(p, c, d1, d2, alphas, betas)
    assert z.shape == (3, 4)
    ref = [[p.loss(c + a * d1 + b * d2) for a in alphas] for b in betas]
    np.testing.assert_allclose(z, ref, rtol=1e-13)
    assert z[0, 1] != z[1, 1]  # rows are betas, columns alphas


def test_plane_grid_chunking(monkeypatch):
    p = mlp(dataset="moons", n=80, hidden=(6, 6))
    c, d1, d2 = np.random.default_rng(1).standard_normal((3, p.n_params))
    axis = np.linspace(-1, 1, 9)
    whole = ls.plane_grid(p, c, d1, d2, axis, axis)
    monkeypatch.setattr(ls, "_CHUNK_VALUES", 10)  # one grid row per block
    monkeypatch.setattr(nn, "_CHUNK_VALUES", 10)  # one grid point per network pass
    np.testing.assert_allclose(ls.plane_grid(p, c, d1, d2, axis, axis), whole, rtol=1e-13)


def test_random_plane_centre_is_the_final_loss(trained):
    p, path = trained
    final = path[-1]
    land = ls.random_plane(p, final, seed=3, span=0.8, resolution=41)
    s = land.surface
    assert s.z.shape == (41, 41) and s.x[20] == 0 and s.y[20] == 0
    np.testing.assert_allclose(s.z[20, 20], p.loss(final), rtol=1e-12)
    np.testing.assert_array_equal(s.center, final)
    assert land.explained is None and land.path is None
    # A trained net sits in a basin: the centre is lower than the plane's edges on average.
    edges = np.concatenate([s.z[0], s.z[-1], s.z[:, 0], s.z[:, -1]])
    assert s.z[20, 20] < edges.mean()


def test_non_finite_losses_become_nan_without_warning():
    p = mlp(n=50, hidden=(4, 4), activation="relu")
    c = p.start * 1e150
    z = ls.plane_grid(p, c, c, c, [0.0, 1e100], [0.0])
    assert z.shape == (1, 2) and np.isnan(z[0, 1])


def test_pca_reproduces_path_within_explained_variance(trained):
    _, path = trained
    pca = ls.trajectory_pca(path)
    np.testing.assert_allclose([pca.d1 @ pca.d1, pca.d2 @ pca.d2, pca.d1 @ pca.d2], [1, 1, 0], atol=1e-12)
    m = path - path[-1]
    recon = pca.coords @ np.stack([pca.d1, pca.d2])
    resid = np.sum((m - recon) ** 2) / np.sum(m**2)
    np.testing.assert_allclose(resid, 1 - pca.explained.sum(), rtol=1e-8, atol=1e-14)
    # The ratios are those of an SVD of the displacements (an independent computation).
    s = np.linalg.svd(m, compute_uv=False)
    np.testing.assert_allclose(pca.explained, s[:2] ** 2 / np.sum(s**2), rtol=1e-9)
    assert pca.explained[0] >= pca.explained[1] > 0 and pca.explained.sum() <= 1 + 1e-12
    np.testing.assert_array_equal(pca.coords[-1], 0.0)
    assert np.all(pca.coords[0] >= 0)


def test_pca_of_a_straight_path():
    direction = np.array([1.0, -2.0, 0.5, 0.0])
    path = np.outer(np.linspace(3, 0, 7), direction) + np.ones(4)
    pca = ls.trajectory_pca(path)
    np.testing.assert_allclose(pca.explained, [1, 0], atol=1e-12)
    np.testing.assert_allclose(pca.d1, direction / np.linalg.norm(direction), rtol=1e-12)
    np.testing.assert_allclose(pca.d1 @ pca.d2, 0, atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(pca.d2), 1, rtol=1e-15)
    np.testing.assert_allclose(pca.coords[:, 0], np.linspace(3, 0, 7) * np.linalg.norm(direction), rtol=1e-12)


def test_pca_plane_covers_the_path(trained):
    p, path = trained
    land = ls.pca_plane(p, path, resolution=21, margin=0.25)
    s = land.surface
    assert s.z.shape == (21, 21)
    for k, axis in enumerate((s.x, s.y)):
        assert axis[0] < land.path[:, k].min() and axis[-1] > land.path[:, k].max()
        assert axis[0] < 0 < axis[-1]
    np.testing.assert_array_equal(s.center, path[-1])
    i, j = 7, 13
    np.testing.assert_allclose(s.z[i, j], p.loss(path[-1] + s.x[j] * land.d1 + s.y[i] * land.d2), rtol=1e-13)
    # The final weights are the plane's origin.
    np.testing.assert_allclose(ls.plane_grid(p, path[-1], land.d1, land.d2, [0.0], [0.0]), p.loss(path[-1]))


def test_pca_works_for_any_problem():
    p = _bowl(3)
    theta, path = np.array([1.0, -1.0, 0.5]), []
    for _ in range(20):
        path.append(theta)
        theta = theta - 0.1 * p.grad(theta)
    land = ls.pca_plane(p, np.array(path), resolution=5)
    assert land.surface.z.shape == (5, 5) and np.all(np.isfinite(land.surface.z))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: ls.trajectory_pca(np.zeros((1, 5))), "T ≥ 2 states"),
        (lambda p: ls.trajectory_pca(np.ones((4, 5))), "does not move"),
        (lambda p: ls.trajectory_pca([[0.0, 1.0], [np.nan, 0.0]]), "path must be finite"),
        (lambda p: ls.pca_plane(p, np.eye(3)), r"path must have \d+ parameters per state .*, got 3"),
        (lambda p: ls.plane_grid(p, p.start, p.start[:3], p.start, [0], [0]), "d1 must be 17 finite numbers"),
        (lambda p: ls.plane_grid(p, p.start, p.start, p.start, [[0.0]], [0]), "alphas must be 1 to 400"),
        (lambda p: ls.plane_grid(p, p.start, p.start, p.start, [0], np.zeros(MAX_GRID + 1)), "betas must be"),
        (lambda p: ls.random_plane(p, p.start, span=0), "span must be > 0"),
        (lambda p: ls.random_plane(p, p.start, resolution=1), "resolution must be ≥ 2"),
        (lambda p: ls.random_directions(p, p.start, seed=-1), "seed must be ≥ 0"),
    ],
)
def test_bad_arguments(call, match):
    p = mlp(n=50, hidden=(4,))
    with pytest.raises(ValueError, match=match):
        call(p)
