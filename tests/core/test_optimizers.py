"""Update rules: hand-computed steps, torch.optim trajectories, per-run arrays, schedules, validation."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from reference_support import reference

from gdviz.optim import (
    OPTIMIZER_NAMES,
    AdagradState,
    AdamState,
    Optimizer,
    RMSpropState,
    SGDState,
    current_lr,
    formula_latex,
    optimizer,
    registry,
)


def _steps(opt: Optimizer, theta0, grads) -> np.ndarray:
    """Feed the raw gradients ``grads`` one per step; the params after each step, shape (steps, P)."""
    p = np.array(theta0, dtype=float)
    state = opt.init(p)
    out = []
    for g in grads:
        upd, state = opt.update(np.array(g, dtype=float), state, p)
        p = p + upd
        out.append(p)
    return np.array(out)


def _rosen_grad(x: np.ndarray) -> np.ndarray:
    a, b = x[..., 0], x[..., 1]
    return np.stack([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)], axis=-1)


# --- hand-computed steps -------------------------------------------------------------------------
def test_sgd_plain_on_a_bowl():
    # f = ½|θ|², g = θ, so each step multiplies θ by (1 − lr).
    opt = optimizer("sgd", lr=0.1)
    p = np.array([1.0, -2.0])
    state = opt.init(p)
    for expected in ([0.9, -1.8], [0.81, -1.62]):
        upd, state = opt.update(p, state, p)
        p = p + upd
        np.testing.assert_allclose(p, expected, rtol=1e-15)
    assert state.count == 2 and state.momentum_buffer is None


def test_sgd_weight_decay():
    got = _steps(optimizer("sgd", lr=0.1, weight_decay=0.5), [2.0, 0.0], [[1, 1], [1, 1]])
    # g₁ = (1 + 0.5·2, 1 + 0) = (2, 1); θ₁ = (1.8, −0.1); g₂ = (1 + 0.9, 1 − 0.05) = (1.9, 0.95)
    np.testing.assert_allclose(got, [[1.8, -0.1], [1.8 - 0.19, -0.1 - 0.095]], rtol=1e-14)


def test_sgd_momentum_with_dampening():
    grads = [[1, 2], [3, -1], [0, 1]]
    got = _steps(optimizer("sgd", lr=0.1, momentum=0.9, dampening=0.5), [0.0, 0.0], grads)
    b1 = np.array([1.0, 2.0])  # the first buffer is the gradient itself (no dampening)
    b2 = np.array([0.9 * 1 + 0.5 * 3, 0.9 * 2 + 0.5 * -1])  # (2.4, 1.3)
    b3 = np.array([0.9 * 2.4 + 0.5 * 0, 0.9 * 1.3 + 0.5 * 1])  # (2.16, 1.67)
    expected = -0.1 * np.cumsum([b1, b2, b3], axis=0)
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_momentum_and_nesterov_convenience_names():
    grads = [[1, 2], [3, -1]]
    got = _steps(optimizer("nesterov", lr=0.1, momentum=0.5), [0.0, 0.0], grads)
    b1 = np.array([1.0, 2.0])
    d1 = b1 + 0.5 * b1  # g₁ + μ b₁
    b2 = 0.5 * b1 + np.array([3.0, -1.0])  # (3.5, 0)
    d2 = np.array([3.0, -1.0]) + 0.5 * b2  # (4.75, −1)
    np.testing.assert_allclose(got, [-0.1 * d1, -0.1 * (d1 + d2)], rtol=1e-14)

    heavy = _steps(optimizer("momentum", lr=0.1), [0.0, 0.0], grads)
    # μ = 0.9 by default: b₂ = 0.9·(1, 2) + (3, −1) = (3.9, 0.8)
    np.testing.assert_allclose(heavy, [[-0.1, -0.2], [-0.1 - 0.39, -0.2 - 0.08]], rtol=1e-14)


def test_adagrad_hand_steps():
    got = _steps(optimizer("adagrad", lr=0.5, eps=0.0), [0.0, 0.0], [[3, 4], [4, 3]])
    # s₁ = (9, 16): step γ g/√s = 0.5·(1, 1); s₂ = (25, 25): step 0.5·(4/5, 3/5)
    np.testing.assert_allclose(got, [[-0.5, -0.5], [-0.5 - 0.4, -0.5 - 0.3]], rtol=1e-15)


def test_adagrad_lr_decay_accumulator_weight_decay_and_eps():
    got = _steps(optimizer("adagrad", lr=0.5, eps=0.0, lr_decay=1.0), [0.0, 0.0], [[3, 4], [4, 3]])
    # clr₂ = 0.5 / (1 + 1·1) = 0.25
    np.testing.assert_allclose(got[1], [-0.5 - 0.25 * 0.8, -0.5 - 0.25 * 0.6], rtol=1e-15)

    got = _steps(optimizer("adagrad", lr=0.5, eps=0.0, initial_accumulator_value=16.0), [0.0, 0.0], [[3, 0]])
    # s₁ = (16 + 9, 16 + 0) = (25, 16): step 0.5·(3/5, 0/4)
    np.testing.assert_allclose(got[0], [-0.3, 0.0], atol=1e-16)

    got = _steps(optimizer("adagrad", lr=0.5, eps=0.0, weight_decay=1.0), [1.0, 1.0], [[2, 3]])
    # g₁ = (2 + 1, 3 + 1) = (3, 4), s₁ = (9, 16): θ₁ = 1 − 0.5·(1, 1)
    np.testing.assert_allclose(got[0], [0.5, 0.5], rtol=1e-15)

    got = _steps(optimizer("adagrad", lr=0.5), [0.0], [[3]])
    np.testing.assert_allclose(got[0], [-0.5 * 3 / (3 + 1e-10)], rtol=1e-15)


def test_rmsprop_hand_steps():
    grads = [[2, -4], [4, 2]]
    got = _steps(optimizer("rmsprop", lr=0.1, alpha=0.75, eps=0.0), [0.0, 0.0], grads)
    # v₁ = 0.25·(4, 16) = (1, 4); v₂ = 0.75·(1, 4) + 0.25·(16, 4) = (4.75, 4)
    s1 = np.array([2 / 1, -4 / 2])
    s2 = np.array([4 / math.sqrt(4.75), 2 / 2])
    np.testing.assert_allclose(got, [-0.1 * s1, -0.1 * (s1 + s2)], rtol=1e-14)


def test_rmsprop_centered():
    grads = [[2, -4], [4, 2]]
    got = _steps(optimizer("rmsprop", lr=0.1, alpha=0.75, eps=0.0, centered=True), [0.0, 0.0], grads)
    # ḡ₁ = 0.25·(2, −4) = (0.5, −1); ṽ₁ = (1 − 0.25, 4 − 1) = (0.75, 3)
    s1 = np.array([2 / math.sqrt(0.75), -4 / math.sqrt(3)])
    # ḡ₂ = 0.75·(0.5, −1) + 0.25·(4, 2) = (1.375, −0.25); ṽ₂ = (4.75 − 1.375², 4 − 0.0625)
    s2 = np.array([4 / math.sqrt(4.75 - 1.375**2), 2 / math.sqrt(4 - 0.0625)])
    np.testing.assert_allclose(got, [-0.1 * s1, -0.1 * (s1 + s2)], rtol=1e-14)


def test_rmsprop_momentum_and_weight_decay():
    grads = [[2, -4], [4, 2]]
    got = _steps(optimizer("rmsprop", lr=0.1, alpha=0.75, eps=0.0, momentum=0.5), [0.0, 0.0], grads)
    b1 = np.array([2 / 1, -4 / 2])
    b2 = 0.5 * b1 + np.array([4 / math.sqrt(4.75), 2 / 2])
    np.testing.assert_allclose(got, [-0.1 * b1, -0.1 * (b1 + b2)], rtol=1e-14)

    got = _steps(optimizer("rmsprop", lr=0.1, alpha=0.75, eps=0.0, weight_decay=2.0), [1.0, -1.0], [[0, -2]])
    # g₁ = (0 + 2, −2 − 2) = (2, −4), v₁ = (1, 4): θ₁ = (1, −1) − 0.1·(2, −2)
    np.testing.assert_allclose(got[0], [0.8, -0.8], rtol=1e-15)


def test_adam_hand_steps():
    grads = [[2, -4], [4, 2]]
    got = _steps(optimizer("adam", lr=0.1, betas=(0.5, 0.75), eps=0.0), [0.0, 0.0], grads)
    # m₁ = (1, −2), v₁ = (1, 4); m̂₁ = m₁/0.5 = (2, −4), v̂₁ = v₁/0.25 = (4, 16): step 0.1·(1, −1)
    s1 = np.array([1.0, -1.0])
    # m₂ = 0.5 m₁ + 0.5 g₂ = (2.5, 0), v₂ = (4.75, 4); bias corrections 1 − 0.25, 1 − 0.5625
    m_hat = np.array([2.5, 0.0]) / 0.75
    v_hat = np.array([4.75, 4.0]) / 0.4375
    s2 = m_hat / np.sqrt(v_hat)
    np.testing.assert_allclose(got, [-0.1 * s1, -0.1 * (s1 + s2)], rtol=1e-14, atol=1e-16)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    got = _steps(
        optimizer("adam", lr=0.1, betas=(0.5, 0.75), eps=0.0, amsgrad=True), [0, 0], [[2, -4], [0, 0]]
    )
    # v₂ = 0.75·(1, 4) < v₁, so v̂ uses max = v₁ = (1, 4); m₂ = 0.5·(1, −2)
    s2 = (np.array([0.5, -1.0]) / 0.75) / np.sqrt(np.array([1.0, 4.0]) / 0.4375)
    np.testing.assert_allclose(got[1], -0.1 * (np.array([1.0, -1.0]) + s2), rtol=1e-14)


def test_adam_l2_versus_adamw_decoupled():
    got = _steps(
        optimizer("adam", lr=0.1, betas=(0.5, 0.75), eps=0.0, weight_decay=1.0), [1.0, -1.0], [[1, -3]]
    )
    # g₁ = (1 + 1, −3 − 1) = (2, −4): the same first step as without decay, 0.1·(1, −1)
    np.testing.assert_allclose(got[0], [0.9, -0.9], rtol=1e-15)

    got = _steps(
        optimizer("adamw", lr=0.1, betas=(0.5, 0.75), eps=0.0, weight_decay=0.5), [1.0, 2.0], [[2, -4]]
    )
    # θ is first shrunk by 1 − 0.1·0.5 = 0.95, then the Adam step 0.1·(1, −1) is taken
    np.testing.assert_allclose(got[0], [0.95 - 0.1, 1.9 + 0.1], rtol=1e-15)
    assert optimizer("adamw").hyper["weight_decay"] == 0.01


# --- agreement with torch.optim ------------------------------------------------------------------
TORCH_CASES = [
    ("sgd", {"lr": 1e-4}),
    ("gd", {"lr": 1e-4, "weight_decay": 0.1}),
    ("momentum", {"lr": 1e-4}),
    ("sgd", {"lr": 1e-4, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("nesterov", {"lr": 1e-4}),
    ("nesterov", {"lr": 1e-4, "momentum": 0.8, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 1e-3, "alpha": 0.3}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "betas": (0.3, 0.9)}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.5}),
]
# Centered RMSprop takes √(v − ḡ²), which cancels catastrophically when the gradient barely varies
# (as in Rosenbrock's valley): torch itself moves by ~1e-3 there when the start moves by one ulp.
# Those variants are compared on a random gradient sequence, where the difference is well conditioned.
OPEN_LOOP_CASES = [
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"lr": 1e-3, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 1e-3, "alpha": 0.3, "centered": True}),
    ("adam", {"lr": 0.01, "betas": (0.2, 0.5), "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01, "betas": (0.2, 0.5), "weight_decay": 0.1}),
]
# Every registered name whose rule declares torch.optim's class of it: all are compared below.
WITH_TORCH = [n for n in registry.names() if registry.entry(n).rule.torch]
STEPS = 2000
# The lr lands between 1e-4 and 0.1 and |θ| ≤ 3, so 1e-13 absolute is still a few hundred ulps.
RTOL, ATOL = 1e-12, 1e-13


def _torch_trajectory(torch, opt: Optimizer, grad_fn, foreach, lr_fn=None) -> np.ndarray:
    p = torch.tensor([-2.0, 2.0], dtype=torch.float64)
    hyper = dict(opt.hyper)
    if lr_fn is not None:
        hyper["lr"] = lr_fn(0)
    topt = getattr(torch.optim, registry.entry(opt.name).rule.torch)([p], foreach=foreach, **hyper)
    out = np.empty((STEPS, 2))
    for k in range(STEPS):
        if lr_fn is not None:
            topt.param_groups[0]["lr"] = lr_fn(k)
        p.grad = torch.from_numpy(grad_fn(k, p.numpy()))
        topt.step()
        out[k] = p.numpy()
    return out


def _gdviz_trajectory(opt: Optimizer, grad_fn) -> np.ndarray:
    p = np.array([-2.0, 2.0])
    state = opt.init(p)
    out = np.empty((STEPS, 2))
    for k in range(STEPS):
        upd, state = opt.update(grad_fn(k, p), state, p)
        p = p + upd
        out[k] = p
    return out


@pytest.fixture(scope="module")
def torch():
    return reference("torch")


def _check_rosenbrock(torch, name, hyper, foreach):
    opt = optimizer(name, **hyper)

    def grad(_k, x):
        return _rosen_grad(x)

    ours = _gdviz_trajectory(opt, grad)
    theirs = _torch_trajectory(torch, opt, grad, foreach)
    assert np.all(np.isfinite(theirs)) and np.ptp(theirs[:, 0]) > 0.1  # it went somewhere
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("name", "hyper"), TORCH_CASES, ids=[f"{n}-{h}" for n, h in TORCH_CASES])
def test_matches_torch_on_rosenbrock(torch, name, hyper):
    _check_rosenbrock(torch, name, hyper, foreach=False)


# On CPU torch's default (foreach=None) resolves to the single-tensor code; foreach=True is the
# multi-tensor code GPUs default to. One case per rule keeps the file fast.
@pytest.mark.parametrize("foreach", [None, True], ids=["default", "multi-tensor"])
@pytest.mark.parametrize("case", [1, 3, 5, 7, 9, 12, 14], ids=lambda i: TORCH_CASES[i][0])
def test_matches_torch_with_other_foreach_settings(torch, case, foreach):
    _check_rosenbrock(torch, *TORCH_CASES[case], foreach=foreach)


# The registry's every rule and convenience name at its defaults (the table above adds the branches).
@pytest.mark.parametrize(
    ("name", "hyper"),
    OPEN_LOOP_CASES + [(n, {}) for n in WITH_TORCH],
    ids=[f"{n}-{h}" for n, h in OPEN_LOOP_CASES] + [f"{n}-defaults" for n in WITH_TORCH],
)
def test_matches_torch_on_random_gradients(torch, name, hyper):
    gs = np.random.default_rng(7).standard_normal((STEPS, 2)) * [1.0, 30.0]
    opt = optimizer(name, **hyper)

    def grad(k, _x):
        return gs[k]

    np.testing.assert_allclose(
        _gdviz_trajectory(opt, grad), _torch_trajectory(torch, opt, grad, False), rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam"])
def test_schedule_matches_torch_with_lr_changed_by_hand(torch, name):
    def sched(k):
        return 0.01 * 0.999**k

    hyper = {"lr_decay": 0.01} if name == "adagrad" else {"momentum": 0.9} if name == "sgd" else {}
    opt = optimizer(name, lr=sched, **hyper)

    def grad(_k, x):
        return _rosen_grad(x) / 100

    ours = _gdviz_trajectory(opt, grad)
    np.testing.assert_allclose(ours, _torch_trajectory(torch, opt, grad, False, sched), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", [n for n in WITH_TORCH if registry.canonical(n) == n])
def test_defaults_are_torch_defaults(torch, name):
    # torch's names, in its order, with its values
    params = inspect.signature(getattr(torch.optim, registry.entry(name).rule.torch)).parameters
    hyper = optimizer(name).hyper
    assert hyper == {k: params[k].default for k in hyper}
    assert list(hyper) == [k for k in params if k in hyper]


# --- many runs, schedules, purity ----------------------------------------------------------------
PER_RUN = [
    ("sgd", {"lr": [1e-4, 3e-4, 1e-3], "momentum": [0.0, 0.5, 0.9], "dampening": [0.5, 0.0, 0.1]}),
    ("nesterov", {"lr": [1e-4, 3e-4, 1e-3], "momentum": [0.3, 0.5, 0.9], "weight_decay": [0.0, 0.1, 1.0]}),
    (
        "adagrad",
        {"lr": [0.1, 0.3, 0.05], "lr_decay": [0.0, 0.1, 0.01], "initial_accumulator_value": [0, 1, 2]},
    ),
    ("rmsprop", {"lr": [0.01, 0.001, 0.003], "alpha": [0.3, 0.9, 0.99], "momentum": [0.1, 0.5, 0.9]}),
    ("rmsprop", {"alpha": [0.3, 0.9, 0.7], "centered": True, "eps": [1e-8, 1e-3, 0.1]}),
    ("adam", {"lr": [0.01, 0.001, 0.05], "betas": ([0.3, 0.9, 0.6], 0.999), "amsgrad": True}),
    ("adamw", {"lr": [0.01, 0.001, 0.05], "betas": (0.9, [0.5, 0.9, 0.999]), "weight_decay": [0, 0.1, 1]}),
]


@pytest.mark.parametrize(("name", "hyper"), PER_RUN, ids=[n for n, _ in PER_RUN])
def test_per_run_arrays_equal_separate_runs(name, hyper):
    starts = np.array([[-2.0, 2.0], [1.5, -0.5], [0.3, 0.7]])
    many = optimizer(name, **hyper)
    p = starts.copy()
    state = many.init(p)
    for _ in range(60):
        upd, state = many.update(_rosen_grad(p), state, p)
        p = p + upd
    for r in range(3):
        single = {
            k: tuple(np.asarray(b).reshape(-1)[r] if np.ndim(b) else b for b in v)
            if k == "betas"
            else (v[r] if isinstance(v, list) else v)
            for k, v in hyper.items()
        }
        one = optimizer(name, **single)
        q = starts[r]
        s = one.init(q)
        for _ in range(60):
            upd, s = one.update(_rosen_grad(q), s, q)
            q = q + upd
        # Only the bias-correction powers (np.power against Python's pow) may differ, by an ulp.
        np.testing.assert_allclose(p[r], q, rtol=1e-13, atol=1e-15)


def test_per_run_hyper_is_stored_as_given_and_params_must_match():
    opt = optimizer("sgd", lr=[0.1, 0.2])
    np.testing.assert_array_equal(opt.hyper["lr"], [0.1, 0.2])
    assert opt.hyper["lr"].shape == (2,)
    with pytest.raises(ValueError, match=r"2 values.*shape \(2, P\)"):
        opt.init(np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(2, P\)"):
        opt.init(np.zeros((4, 3)))


def test_schedule_equals_changing_lr_by_hand():
    def sched(k):
        return 0.1 / (1 + k)

    scheduled = optimizer("adam", lr=sched)
    p = q = np.array([-2.0, 2.0])
    s1 = scheduled.init(p)
    s2 = s1
    for k in range(20):
        assert current_lr(scheduled, s1) == sched(k)
        u1, s1 = scheduled.update(_rosen_grad(p), s1, p)
        # a fresh optimizer with this step's lr continues the same state
        u2, s2 = optimizer("adam", lr=sched(k)).update(_rosen_grad(q), s2, q)
        p, q = p + u1, q + u2
        np.testing.assert_array_equal(p, q)


def test_sgd_schedule_is_lr_times_gradient():
    sched_lrs = [0.1, 0.05, 0.025]
    got = _steps(optimizer("sgd", lr=lambda k: sched_lrs[k]), [1.0, -2.0], [[1, 1]] * 3)
    np.testing.assert_allclose(got[-1], [1.0 - 0.175, -2.0 - 0.175], rtol=1e-15)


def test_per_run_schedule_and_current_lr():
    opt = optimizer("sgd", lr=lambda k: np.array([0.1, 0.01]) * 0.5**k)
    p = np.ones((2, 2))
    state = opt.init(p)
    np.testing.assert_array_equal(current_lr(opt, state), [0.1, 0.01])
    upd, state = opt.update(np.ones((2, 2)), state, p)
    np.testing.assert_allclose(upd, [[-0.1, -0.1], [-0.01, -0.01]], rtol=1e-15)
    np.testing.assert_array_equal(current_lr(opt, state), [0.05, 0.005])
    assert current_lr(optimizer("adagrad", lr=0.3, lr_decay=1.0), state) == 0.3


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("momentum", {"weight_decay": 0.1}),
        ("nesterov", {}),
        ("adagrad", {"weight_decay": 0.1, "lr_decay": 0.1}),
        ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
        ("adam", {"amsgrad": True, "weight_decay": 0.1}),
        ("adamw", {"amsgrad": True}),
    ],
)
def test_inputs_are_never_mutated(name, hyper):
    lr = np.array([0.1, 0.2])
    opt = optimizer(name, lr=lr, **hyper)
    lr[:] = 5.0  # the optimizer keeps its own copy
    params = np.array([[1.0, -2.0], [0.5, 0.5]])
    state = opt.init(params)
    for _ in range(3):
        grads = _rosen_grad(params)
        snapshot = [params.copy(), grads.copy(), *(np.copy(a) for a in state[1:] if a is not None)]
        upd, new_state = opt.update(grads, state, params)
        after = [params, grads, *(a for a in state[1:] if a is not None)]
        for before, now in zip(snapshot, after, strict=True):
            np.testing.assert_array_equal(before, now)
        assert new_state.count == state.count + 1
        params, state = params + upd, new_state
    np.testing.assert_array_equal(opt.hyper["lr"], [0.1, 0.2])
    with pytest.raises(ValueError):
        opt.hyper["lr"][0] = 1.0  # read-only


def test_first_momentum_buffer_does_not_alias_the_gradient():
    opt = optimizer("momentum")
    g = np.array([1.0, 2.0])
    _, state = opt.update(g, opt.init(np.zeros(2)), np.zeros(2))
    g[:] = 0.0
    np.testing.assert_array_equal(state.momentum_buffer, [1.0, 2.0])


def test_state_types_and_buffers():
    p = np.zeros((3, 2))
    assert optimizer("gd").init(p) == SGDState(0, None)
    assert optimizer("momentum").init(p).momentum_buffer.shape == (3, 2)
    s = optimizer("adagrad", initial_accumulator_value=0.5).init(p)
    assert isinstance(s, AdagradState)
    np.testing.assert_array_equal(s.sum, np.full((3, 2), 0.5))
    s = optimizer("rmsprop").init(p)
    assert isinstance(s, RMSpropState) and s.grad_avg is None and s.momentum_buffer is None
    s = optimizer("rmsprop", centered=True, momentum=0.5).init(p)
    assert s.grad_avg.shape == s.momentum_buffer.shape == (3, 2)
    s = optimizer("adam", amsgrad=True).init(p)
    assert isinstance(s, AdamState) and s._fields[0] == "count" and s.max_exp_avg_sq.shape == (3, 2)
    assert optimizer("adamw").init(p).max_exp_avg_sq is None


def test_names_labels_and_resolved_hyper():
    # a name is a rule or a convenience name of one, and builds the rule it names
    for name in OPTIMIZER_NAMES:
        assert optimizer(name).name == registry.canonical(name) and optimizer(name).label == name
    opt = optimizer("nesterov", lr=0.05)
    assert (opt.name, opt.label) == ("sgd", "nesterov")
    assert opt.hyper == {"lr": 0.05, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "nesterov": True}
    assert optimizer("momentum").hyper["momentum"] == 0.9
    assert optimizer("adam").hyper["betas"] == (0.9, 0.999)
    assert optimizer("adam", betas=[0.8, 0.9]).hyper["betas"] == (0.8, 0.9)
    for name in OPTIMIZER_NAMES:
        tex = formula_latex(name)
        assert r"\theta_t" in tex and tex.count("{") == tex.count("}")
    assert "b_t" in formula_latex("momentum") and r"\beta_1" in formula_latex("adamw")
    with pytest.raises(ValueError, match="allowed: sgd"):
        formula_latex("lion")


# --- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "hyper", "match"),
    [
        ("lion", {}, r"unknown optimizer 'lion'; allowed: sgd, adagrad"),
        ("adam", {"momentum": 0.9}, r"unknown hyperparameter\(s\) 'momentum'; allowed: lr, betas"),
        ("sgd", {"lr": 0}, r"lr must be > 0"),
        ("sgd", {"lr": -0.1}, r"lr must be > 0"),
        ("sgd", {"lr": float("nan")}, r"lr must be a finite number"),
        ("sgd", {"lr": float("inf")}, r"lr must be a finite number"),
        ("sgd", {"lr": 2e6}, r"lr must be ≤ 1000000"),
        ("sgd", {"lr": "fast"}, r"lr must be a number"),
        ("sgd", {"lr": True}, r"lr must be a number"),
        ("sgd", {"momentum": 1.0}, r"momentum must be < 1"),
        ("rmsprop", {"momentum": -0.1}, r"momentum must be ≥ 0"),
        ("sgd", {"dampening": 1.5}, r"dampening must be ≤ 1"),
        ("rmsprop", {"alpha": 1.0}, r"alpha must be < 1"),
        ("adam", {"betas": (0.9, 1.0)}, r"betas\[1\] must be < 1"),
        ("adam", {"betas": (-0.1, 0.9)}, r"betas\[0\] must be ≥ 0"),
        ("adam", {"betas": 0.9}, r"betas must be a pair"),
        ("adam", {"eps": -1e-8}, r"eps must be ≥ 0"),
        ("adamw", {"weight_decay": -0.01}, r"weight_decay must be ≥ 0"),
        ("adagrad", {"lr_decay": -1}, r"lr_decay must be ≥ 0"),
        ("adagrad", {"initial_accumulator_value": -1}, r"initial_accumulator_value must be ≥ 0"),
        ("adagrad", {"eps": float("nan")}, r"eps must be a finite number"),
        ("sgd", {"nesterov": True}, r"nesterov=True requires momentum > 0 and dampening = 0"),
        ("nesterov", {"dampening": 0.1}, r"nesterov=True requires momentum > 0 and dampening = 0"),
        ("nesterov", {"momentum": [0.9, 0.0]}, r"requires momentum > 0"),
        ("adam", {"amsgrad": "yes"}, r"amsgrad must be True or False"),
        ("sgd", {"lr": [0.1, float("nan")]}, r"lr\[1\] must be a finite number"),
        ("sgd", {"lr": [0.1, -1.0]}, r"lr\[1\] must be > 0"),
        ("adam", {"betas": ([0.9, 1.2], 0.999)}, r"betas\[0\]\[1\] must be < 1"),
        ("sgd", {"lr": [[0.1, 0.2]]}, r"lr must be a number or a 1-D array"),
        ("sgd", {"lr": []}, r"lr must be a number or a 1-D array"),
        ("sgd", {"lr": ["a", "b"]}, r"lr must be a number or a 1-D array"),
        ("sgd", {"lr": [True, False]}, r"lr must be a number or a 1-D array"),
        ("sgd", {"lr": [0.1, 0.2], "momentum": [0.1, 0.2, 0.3]}, r"same length.*lr: 2, momentum: 3"),
    ],
)
def test_validation_messages(name, hyper, match):
    with pytest.raises(ValueError, match=match):
        optimizer(name, **hyper)


def test_init_rejects_bad_param_shapes():
    opt = optimizer("adam")
    for bad in (np.zeros(0), np.zeros((2, 2, 2)), np.float64(1.0)):
        with pytest.raises(ValueError, match=r"params must have shape \(P,\) or \(R, P\)"):
            opt.init(bad)
