import numpy as np
import pytest
from reference_support import reference

import gdviz.problems.mlp as nn
from gdviz.problems.base import Problem
from gdviz.problems.data.toy import make_dataset
from gdviz.problems.mlp import ACTIVATIONS, Mlp, mlp


def _perturbed(p, scale=0.4, seed=0):
    # Away from the init so that biases are non-zero and every gradient entry is exercised.
    return p.start + scale * np.random.default_rng(seed).standard_normal(p.n_params)


def _fd_grad(p, theta, h=1e-6):
    eye = np.eye(p.n_params) * h
    return (p.loss(theta + eye) - p.loss(theta - eye)) / (2 * h)


def _train_gd(p, lr, steps):
    theta = p.start.copy()
    for _ in range(steps):
        theta = theta - lr * p.grad(theta)
    return theta


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("dataset", "l2"), [("moons", 0.0), ("wave", 0.0), ("spirals", 0.05)])
def test_gradient_matches_finite_differences(activation, dataset, l2):
    p = mlp(dataset=dataset, n=40, hidden=(5, 4), activation=activation, l2=l2, seed=1)
    theta = _perturbed(p)
    g = p.grad(theta)
    fd = _fd_grad(p, theta)
    assert np.linalg.norm(g - fd) <= 1e-6 * np.linalg.norm(g)


@pytest.mark.parametrize("hidden", [(3,), (4, 3, 2)])
def test_gradient_check_other_depths(hidden):
    p = mlp(dataset="xor", n=30, hidden=hidden, activation="tanh")
    theta = _perturbed(p, seed=3)
    g = p.grad(theta)
    assert np.linalg.norm(g - _fd_grad(p, theta)) <= 1e-6 * np.linalg.norm(g)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dataset", ["circles", "wave"])
def test_matches_torch(activation, dataset):
    torch = reference("torch")
    p = mlp(dataset=dataset, n=60, hidden=(6, 5), activation=activation, l2=0.1)
    theta = _perturbed(p, seed=2)
    loss, grad = p.loss_and_grad(theta)

    tensors = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in p.unflatten(theta)
    ]
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    h = torch.tensor(p.X_train)
    for W, b in tensors[:-1]:
        h = act(h @ W.T + b)
    z = (h @ tensors[-1][0].T + tensors[-1][1])[:, 0]
    y = torch.tensor(p.y_train)
    if dataset == "wave":
        ref = torch.nn.functional.mse_loss(z, y)
    else:
        ref = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    ref = ref + 0.05 * sum((W**2).sum() for W, _ in tensors)
    ref.backward()
    ref_grad = np.concatenate([np.concatenate([W.grad.numpy().ravel(), b.grad.numpy()]) for W, b in tensors])
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-14)


def test_layout_names_and_unflatten():
    p = mlp(hidden=(3, 4))
    assert isinstance(p, Problem) and isinstance(p, Mlp)
    assert p.n_params == (2 * 3 + 3) + (3 * 4 + 4) + (4 + 1) == 30
    assert p.param_names[:8] == (
        "W1[0,0]",
        "W1[0,1]",
        "W1[1,0]",
        "W1[1,1]",
        "W1[2,0]",
        "W1[2,1]",
        "b1[0]",
        "b1[1]",
    )
    assert p.param_names[p.layers[1].weight][3] == "W2[1,0]"
    assert p.param_names[-5:] == ("W3[0,0]", "W3[0,1]", "W3[0,2]", "W3[0,3]", "b3[0]")
    theta = np.arange(30.0)
    parts = p.unflatten(theta)
    assert [W.shape for W, _ in parts] == [(3, 2), (4, 3), (1, 4)]
    assert parts[1][0][1, 0] == 9 + 3  # W2[1,0]: after W1 (6) and b1 (3), row 1 starts at 3
    np.testing.assert_array_equal(np.concatenate([np.r_[W.ravel(), b] for W, b in parts]), theta)
    stacked = p.unflatten(np.stack([theta, -theta]))
    assert stacked[0][0].shape == (2, 3, 2)


def test_problem_fields():
    p = mlp(dataset="circles", n=200, test_fraction=0.25, hidden=8, activation="relu", seed=5)
    assert p.name == "mlp" and p.n_samples == 150 == len(p.y_train) and len(p.y_test) == 50
    assert p.options["hidden"] == (8,) and p.options["activation"] == "relu"
    assert p.start.shape == (p.n_params,) and p.minima.shape == (0, p.n_params)
    (x0, x1), (y0, y1) = p.window
    a, b = p.axes
    assert x0 < p.start[a] < x1 and y0 < p.start[b] < y1
    assert "cross-entropy" in p.description and "2-8-1" in p.description
    assert "squared" in mlp(dataset="wave", hidden=(4,)).description


def test_registered_in_problem_registry():
    from gdviz.problems import problem

    p = problem("mlp", hidden=(4,), n=50)
    assert isinstance(p, Mlp) and p.n_params == 17


def test_determinism():
    a, b = mlp(seed=3, data_seed=1), mlp(seed=3, data_seed=1)
    np.testing.assert_array_equal(a.start, b.start)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    c = mlp(seed=4, data_seed=1)
    assert not np.array_equal(a.start, c.start)
    np.testing.assert_array_equal(a.X_train, c.X_train)
    d = mlp(seed=3, data_seed=2)
    np.testing.assert_array_equal(a.start, d.start)
    assert not np.array_equal(a.X_train, d.X_train)
    data = make_dataset("moons", n=400, test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(a.X_test, data.X_test)


@pytest.mark.parametrize(("activation", "hidden_std"), [("relu", np.sqrt(2 / 32)), ("tanh", np.sqrt(2 / 64))])
def test_init_scale(activation, hidden_std):
    p = mlp(hidden=(32, 32, 32), activation=activation, seed=0)
    W1, b1 = p.unflatten(p.start)[0]
    W2, _ = p.unflatten(p.start)[1]
    W_out, b_out = p.unflatten(p.start)[3]
    assert np.all(b1 == 0) and np.all(b_out == 0)
    assert abs(W2.std() / hidden_std - 1) < 0.1
    first = np.sqrt(2 / 2) if activation == "relu" else np.sqrt(2 / 34)
    assert abs(W1.std() / first - 1) < 0.35
    assert abs(W_out.std() / np.sqrt(2 / 33) - 1) < 0.4


def test_vectorized_over_leading_axes():
    p = mlp(n=60, hidden=(5,))
    thetas = np.stack([_perturbed(p, seed=s) for s in range(6)]).reshape(2, 3, -1)
    loss, grad = p.loss_and_grad(thetas)
    assert loss.shape == (2, 3) and grad.shape == thetas.shape
    for i in range(2):
        for j in range(3):
            l1, g1 = p.loss_and_grad(thetas[i, j])
            assert l1.shape == () and g1.shape == (p.n_params,)
            np.testing.assert_allclose(loss[i, j], l1, rtol=1e-14)
            np.testing.assert_allclose(grad[i, j], g1, rtol=1e-12, atol=1e-16)
    np.testing.assert_array_equal(p.loss(thetas), loss)


def test_chunking_does_not_change_results(monkeypatch):
    p = mlp(n=100, hidden=(8, 8))
    thetas = np.stack([_perturbed(p, seed=s) for s in range(7)])
    whole = p.loss_and_grad(thetas), p.loss(thetas), p.predict(thetas, p.X_test), p.metrics(thetas)
    monkeypatch.setattr(nn, "_CHUNK_VALUES", 1000)  # 1 run per chunk
    parts = p.loss_and_grad(thetas), p.loss(thetas), p.predict(thetas, p.X_test), p.metrics(thetas)
    for a, b in zip(
        whole[0] + whole[1:3] + tuple(whole[3]), parts[0] + parts[1:3] + tuple(parts[3]), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_batch_matches_full_and_subsets():
    p = mlp(dataset="moons", n=80, hidden=(6, 6), l2=0.01)
    thetas = np.stack([_perturbed(p, seed=s) for s in range(3)])
    n = p.n_samples
    full = p.loss_and_grad(thetas)
    batch = p.batch_loss_and_grad(thetas, np.tile(np.arange(n), (3, 1)))
    np.testing.assert_array_equal(batch[0], full[0])
    np.testing.assert_array_equal(batch[1], full[1])

    idx = np.array([[0, 5, 5, 9], [1, 2, 3, 4], [59, 0, 7, 8]])
    loss, grad = p.batch_loss_and_grad(thetas, idx)
    penalty = 0.005 * p.weight_norm(thetas) ** 2
    for r in range(3):
        prob = p.predict(thetas[r], p.X_train[idx[r]])
        y = p.y_train[idx[r]]
        ce = -np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob))
        np.testing.assert_allclose(loss[r], ce + penalty[r], rtol=1e-12)
        # The batch gradient is the gradient of the batch loss: compare one row with the full
        # gradient of a problem holding just those samples (duplicates counted twice).
        sub = _with_samples(p, idx[r])
        np.testing.assert_allclose(grad[r], sub.grad(thetas[r]), rtol=1e-12, atol=1e-16)


def _with_samples(p, idx):
    from dataclasses import replace

    return replace(p, X_train=p.X_train[idx], y_train=p.y_train[idx], n_samples=len(idx))


def test_regression_loss_is_mse():
    p = mlp(dataset="wave", n=50, hidden=(4,))
    theta = _perturbed(p)
    np.testing.assert_allclose(
        p.loss(theta), np.mean((p.predict(theta, p.X_train) - p.y_train) ** 2), rtol=1e-13
    )


def test_cross_entropy_is_stable_for_huge_logits():
    p = mlp(dataset="blobs", n=100, hidden=(3,))
    theta = np.zeros(p.n_params)
    theta[p.layers[-1].bias] = 1000.0  # every logit = 1000, the network says "class 1" for all
    frac0 = np.mean(p.y_train == 0)
    np.testing.assert_allclose(p.loss(theta), 1000.0 * frac0, rtol=1e-14)
    g = p.grad(theta)
    np.testing.assert_allclose(g[p.layers[-1].bias], frac0, rtol=1e-14)
    np.testing.assert_allclose(p.metrics(theta).train_accuracy, 1 - frac0, rtol=1e-14)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scale", [1e6, 1e200])
def test_huge_weights_raise_no_warning(activation, scale):
    # Warnings are errors in this suite: reaching the asserts means nothing leaked.
    p = mlp(n=50, hidden=(4, 4), activation=activation)
    theta = _perturbed(p) * scale
    loss, grad = p.loss_and_grad(theta)
    p.batch_loss_and_grad(theta[None], np.arange(5)[None])
    prob = p.predict(theta, p.X_test)
    p.metrics(theta)
    if activation != "relu":
        # Bounded hidden units keep the output finite; only relu can overflow, and then the loss is
        # reported as non-finite instead of a warning.
        assert np.isfinite(loss) and np.all(np.isfinite(grad))
        assert np.all((prob >= 0) & (prob <= 1))
    elif scale == 1e200:
        assert not np.isfinite(loss)


def test_predict_shapes():
    p = mlp(n=50, hidden=(4,))
    X = np.random.default_rng(0).standard_normal((7, 2))
    thetas = np.stack([_perturbed(p, seed=s) for s in range(5)])
    assert p.predict(p.start, X).shape == (7,)
    out = p.predict(thetas, X)
    assert out.shape == (5, 7) and np.all((out > 0) & (out < 1))
    np.testing.assert_array_equal(out[2], p.predict(thetas[2], X))
    reg = mlp(dataset="wave", n=50, hidden=(4,))
    theta = np.zeros(reg.n_params)
    theta[reg.layers[-1].bias] = -2.5  # regression outputs values, not probabilities
    np.testing.assert_array_equal(reg.predict(theta, X), -2.5)


def test_metrics_and_weight_norm_over_history():
    p = mlp(dataset="moons", n=200, hidden=(8, 8), l2=0.02)
    hist = np.stack([_perturbed(p, seed=s) for s in range(4)])
    m = p.metrics(hist)
    assert m.train_loss.shape == m.test_loss.shape == m.train_accuracy.shape == m.test_accuracy.shape == (4,)
    wn = p.weight_norm(hist)
    ref_norm = [np.sqrt(sum((W**2).sum() for W, _ in p.unflatten(t))) for t in hist]
    np.testing.assert_allclose(wn, ref_norm, rtol=1e-14)
    # The data loss leaves out the l2 term that the objective includes.
    np.testing.assert_allclose(p.loss(hist) - m.train_loss, 0.01 * wn**2, rtol=1e-10)
    acc = np.mean((p.predict(hist, p.X_test) > 0.5) == (p.y_test == 1), axis=-1)
    np.testing.assert_array_equal(m.test_accuracy, acc)

    reg = mlp(dataset="wave", n=100, test_fraction=0, hidden=(4,))
    mr = reg.metrics(np.stack([reg.start, reg.start]))
    assert mr.train_accuracy is None and mr.test_loss is None and mr.test_accuracy is None
    np.testing.assert_allclose(mr.train_loss, reg.loss(reg.start))


def test_gradient_descent_learns_moons():
    p = mlp(dataset="moons", n=300, hidden=(16, 16), activation="tanh")
    theta = _train_gd(p, 0.5, 600)
    m = p.metrics(np.stack([p.start, theta]))
    assert m.train_loss[1] < 0.2 * m.train_loss[0]
    assert m.train_accuracy[1] > 0.95 and m.test_accuracy[1] > 0.9


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"hidden": ()}, r"hidden must be 1 to 3 layer widths"),
        ({"hidden": (4, 4, 4, 4)}, r"hidden must be 1 to 3 layer widths"),
        ({"hidden": "16"}, r"hidden must be 1 to 3 layer widths"),
        ({"hidden": (0,)}, "hidden layer width must be ≥ 1"),
        ({"hidden": (33,)}, "hidden layer width must be ≤ 32"),
        ({"hidden": (2.5,)}, "hidden layer width must be a whole number"),
        ({"activation": "elu"}, "unknown activation 'elu'; allowed: tanh, relu, sigmoid"),
        ({"l2": -1}, "l2 must be ≥ 0"),
        ({"dataset": "mnist"}, "unknown data set 'mnist'"),
        ({"n": 3}, "n must be ≥ 10"),
        ({"seed": -2}, "seed must be ≥ 0"),
        (
            {"width": 3},
            "unknown option.*'width'.*allowed: dataset, n, noise, test_fraction, data_seed, hidden",
        ),
    ],
)
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        mlp(**options)


def test_bad_params_and_indices():
    p = mlp(n=50, hidden=(4,))
    with pytest.raises(ValueError, match="17 values on the last axis"):
        p.loss(np.zeros(5))
    with pytest.raises(ValueError, match="same R"):
        p.batch_loss_and_grad(np.zeros((2, 17)), np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match="integer sample indices"):
        p.batch_loss_and_grad(np.zeros((1, 17)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="must lie in 0…37"):
        p.batch_loss_and_grad(np.zeros((1, 17)), np.array([[0, 38]]))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        p.predict(p.start, np.zeros((4, 3)))


def test_trains_through_the_run_loop_with_any_optimizer_and_batch():
    import gdviz

    p = mlp(dataset="circles", n=200, hidden=(8,))
    rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.05), steps=150, batch_size=16, seed=1)
    assert rec.params.shape == (151, p.n_params) and rec.diverged is None
    assert rec.loss[-1] < 0.5 * rec.loss[0]
    many = gdviz.run_many(p, gdviz.optimizer("gd", lr=np.array([0.1, 1.0])), steps=100)
    m = p.metrics(many.params[:, 1])
    np.testing.assert_allclose(m.train_loss, many.loss[:, 1], rtol=1e-12)  # no l2: data loss = objective
    assert m.train_loss[-1] < many.loss[-1, 0]  # the larger step size got further in 100 steps
