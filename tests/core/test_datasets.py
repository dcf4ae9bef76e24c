import numpy as np
import pytest

from gdviz.problems.data.toy import (
    CLASSIFICATION,
    MAX_POINTS,
    REGRESSION,
    dataset_names,
    dataset_task,
    default_noise,
    make_dataset,
)

CLASSIFIERS = ["moons", "circles", "spirals", "xor", "blobs"]


def _all(d):
    return np.concatenate([d.X_train, d.X_test]), np.concatenate([d.y_train, d.y_test])


def test_names_and_tasks():
    assert set(CLASSIFIERS) < set(dataset_names())
    assert all(dataset_task(n) == CLASSIFICATION for n in CLASSIFIERS)
    assert dataset_task("wave") == REGRESSION


@pytest.mark.parametrize("name", [*CLASSIFIERS, "wave"])
def test_shapes_split_and_types(name):
    d = make_dataset(name, n=203, test_fraction=0.3, seed=4)
    assert d.name == name and d.task == dataset_task(name)
    assert d.X_train.shape == (142, 2) and d.X_test.shape == (61, 2)
    assert d.y_train.shape == (142,) and d.y_test.shape == (61,)
    for a in d[:4]:
        assert a.dtype == np.float64 and np.all(np.isfinite(a))
    if d.task == CLASSIFICATION:
        _, y = _all(d)
        assert set(np.unique(y)) == {0.0, 1.0}
        # Both classes must reach both parts of the split, or test accuracy means nothing.
        assert len(np.unique(d.y_train)) == 2 and len(np.unique(d.y_test)) == 2


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "blobs"])
def test_classes_are_balanced(name):
    _, y = _all(make_dataset(name, n=101))
    assert y.sum() == 51


@pytest.mark.parametrize("name", [*CLASSIFIERS, "wave"])
def test_seeded_and_deterministic(name):
    a = make_dataset(name, n=50, seed=7)
    b = make_dataset(name, n=50, seed=7)
    c = make_dataset(name, n=50, seed=8)
    for u, v in zip(a[:4], b[:4], strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.X_train, c.X_train)


def test_noise_free_geometry():
    X, y = _all(make_dataset("moons", n=200, noise=0))
    u = X / 1.5 + [0.5, 0.25]
    upper = u[y == 0]
    lower = u[y == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 1e-12)

    X, y = _all(make_dataset("circles", n=200, noise=0))
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.5, 0.7), atol=1e-12)

    X, y = _all(make_dataset("xor", n=200, noise=0))
    np.testing.assert_array_equal(y, X[:, 0] * X[:, 1] > 0)

    X, y = _all(make_dataset("wave", n=200, noise=0))
    np.testing.assert_allclose(y, np.sin(X[:, 0]) * np.cos(X[:, 1]), atol=1e-15)

    X, y = _all(make_dataset("spirals", n=200, noise=0))
    r = np.hypot(*X.T)
    assert 0.2 <= r.min() and r.max() <= 2.0 + 1e-12


def test_noise_sets_the_spread():
    X, y = _all(make_dataset("blobs", n=20_000, noise=0.5, seed=1))
    for label, centre in ((0, -1.0), (1, 1.0)):
        pts = X[y == label]
        np.testing.assert_allclose(pts.mean(axis=0), [centre, centre], atol=0.03)
        np.testing.assert_allclose(pts.std(axis=0), 0.5, rtol=0.05)
    X1, y1 = _all(make_dataset("wave", n=5000, noise=0.3, seed=2))
    assert abs(np.std(y1 - np.sin(X1[:, 0]) * np.cos(X1[:, 1])) - 0.3) < 0.02
    assert default_noise("wave") > 0


def test_empty_test_set_and_largest_size():
    d = make_dataset("xor", n=MAX_POINTS, test_fraction=0)
    assert d.X_train.shape == (MAX_POINTS, 2) and d.X_test.shape == (0, 2) and d.y_test.shape == (0,)


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("torus", {}, "unknown data set 'torus'; allowed: moons"),
        ("moons", {"size": 10}, "unknown option.*'size'.*allowed: n, noise, seed, test_fraction"),
        ("moons", {"n": 5}, "n must be ≥ 10"),
        ("moons", {"n": MAX_POINTS + 1}, "n must be ≤ 100000"),
        ("moons", {"n": 20.5}, "n must be a whole number"),
        ("moons", {"noise": -0.1}, "noise must be ≥ 0"),
        ("moons", {"noise": float("nan")}, "noise must be a finite number"),
        ("moons", {"test_fraction": 0.95}, "test_fraction must be ≤ 0.9"),
        ("moons", {"seed": -1}, "seed must be ≥ 0"),
    ],
)
def test_bad_arguments(name, options, match):
    with pytest.raises(ValueError, match=match):
        make_dataset(name, **options)
