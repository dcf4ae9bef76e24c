"""The step inspector's arithmetic (gdviz.analysis.step) and its figures (gdviz.figures.inspect).

The central property: the numbers the inspector shows reproduce the run. θ_k + Δ is the record's row
k + 1 bit for bit, every line of the update equation evaluated on its displayed values gives its
result, and the lines chain (a value named like an earlier line's left side is that line's result).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from figure_support import english

import gdviz
from gdviz.analysis import noise as insp
from gdviz.analysis.noise import expected_spread, gradient_noise
from gdviz.analysis.step import equation_latex, format_number, inspect_step
from gdviz.figures import inspect as inspect_figures
from gdviz.figures.inspect import (
    Plane,
    local_surface,
    plane_for_view,
    reference_run,
    step_arrow_window,
    step_window,
)
from gdviz.geometry.projection import make_view
from gdviz.optim import registry

STEPS = 24
# The figures as the page builds them: with its English texts.
LAB = english(inspect_figures)
step_figure = functools.partial(inspect_figures.step_figure, labels=LAB)
noise_figure = functools.partial(inspect_figures.noise_figure, labels=LAB)
effective_lr_figure = functools.partial(inspect_figures.effective_lr_figure, labels=LAB)

# (rule, hyperparameters): every branch of every update rule
CONFIGS = [
    ("gd", {}),
    ("gd", {"weight_decay": 0.05}),
    ("momentum", {}),
    ("momentum", {"momentum": 0.7, "dampening": 0.3, "weight_decay": 0.02}),
    ("nesterov", {}),
    ("nesterov", {"momentum": 0.5, "weight_decay": 0.1}),
    ("adagrad", {}),
    ("adagrad", {"lr_decay": 0.05, "weight_decay": 0.01, "initial_accumulator_value": 0.3}),
    ("rmsprop", {}),
    ("rmsprop", {"alpha": 0.3, "weight_decay": 0.01}),  # 1 − ρ ≥ 0.5: the other lerp formula
    ("rmsprop", {"momentum": 0.6, "centered": True}),
    ("rmsprop", {"alpha": 0.2, "centered": True}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "weight_decay": 0.05}),
    ("adam", {"betas": (0.3, 0.9)}),  # 1 − β₁ ≥ 0.5: torch's other lerp formula
    ("adamw", {}),
    ("adamw", {"amsgrad": True, "weight_decay": 0.3}),
]
# and every registered name the list above leaves out, at its defaults
CONFIGS += [(n, {}) for n in registry.names() if n not in {r for r, _ in CONFIGS}]
LR = {
    "gd": 0.05,
    "momentum": 0.02,
    "nesterov": 0.02,
    "adagrad": 0.2,
    "rmsprop": 0.01,
    "adam": 0.05,
    "adamw": 0.05,
}


@pytest.fixture(scope="module")
def linreg():
    return gdviz.problem("linear_regression")


@pytest.fixture(scope="module")
def synthetic():
    return gdviz.problem("linear_regression", data="synthetic", n=400, noise=1.0, seed=3)


def _run(problem, rule, hyper, *, batch=None, schedule=None, steps=STEPS, seed=1):
    opt = gdviz.optimizer(rule, lr=LR.get(rule, 0.05), **hyper)
    return opt, gdviz.run(problem, opt, steps=steps, batch_size=batch, seed=seed, schedule=schedule)


def _same(a, b) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def _check_lines(info):
    """Every line reproduces its result from its displayed values, and the lines chain."""
    assert info.lines, "an update has at least one line"
    results = {}
    for line in info.lines:
        got = line.evaluate(**line.values)
        if line.lhs == r"\theta_{k+1}" and info.rule == "adamw" and info.hyper["weight_decay"] != 0:
            # θ(1 − αλ) + step, where the optimizer returns Δ = that − θ and the run adds θ back
            np.testing.assert_allclose(got, line.result, rtol=2e-16 * 8, atol=0)
        else:
            assert _same(got, line.result), f"{info.label} k={info.k}: {line.lhs} does not reproduce"
        for name, value in line.values.items():
            sym = line.symbols[name]
            if sym in results:
                assert _same(value, results[sym]), f"{line.lhs} uses {sym} but not the line's result"
            if sym == r"\theta_k":
                assert _same(value, info.theta)
            if sym == "g_k":
                assert _same(value, info.grad)
            if sym == r"\alpha_k":
                assert value == info.lr
        results[line.lhs] = line.result
    last = info.lines[-1]
    assert last.lhs == r"\theta_{k+1}"
    assert _same(last.result, info.theta_next)


# --- arithmetic: the shown numbers reproduce θ_{k+1} -----------------------------------------------
@pytest.mark.parametrize(("rule", "hyper"), CONFIGS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CONFIGS)])
@pytest.mark.parametrize("batch", [None, 2], ids=["full", "mini"])
def test_every_step_reproduces_the_record(linreg, rule, hyper, batch):
    opt, rec = _run(linreg, rule, hyper, batch=batch, schedule=gdviz.schedule("cosine", warmup=3))
    assert rec.steps_done == STEPS
    for k in range(STEPS):
        info = inspect_step(linreg, opt, rec, k)
        assert info.matches_record, f"{rule} {hyper} k={k}"
        assert _same(info.theta_next, rec.params[k + 1])
        assert _same(info.theta + info.update, rec.params[k + 1])
        assert _same(info.grad, rec.grad[k])
        assert info.lr == rec.lr[k]
        assert info.loss == rec.loss[k] and info.batch_loss == rec.batch_loss[k]
        _check_lines(info)


@pytest.mark.parametrize(("rule", "hyper"), CONFIGS[::3])
def test_plain_functions_and_step_schedules(rule, hyper):
    p = gdviz.problem("rosenbrock")
    opt = gdviz.optimizer(rule, lr=LR.get(rule, 0.05) / 50, **hyper)
    rec = gdviz.run(p, opt, steps=STEPS, schedule=gdviz.schedule("step", step_size=5, gamma=0.5))
    assert len(set(rec.lr.tolist())) > 1, "the schedule changes the lr"
    for k in range(rec.steps_done):
        info = inspect_step(p, opt, rec, k)
        assert info.matches_record and not info.stochastic
        assert _same(info.full_grad, info.grad), "a plain function's step uses the full gradient"
        _check_lines(info)


def test_stochastic_step_uses_the_minibatch_gradient(synthetic):
    opt, rec = _run(synthetic, "momentum", {}, batch=8)
    info = inspect_step(synthetic, opt, rec, 5)
    assert info.stochastic and info.batch_size == 8
    assert not np.allclose(info.grad, info.full_grad), "a mini-batch gradient differs from the full one"
    np.testing.assert_allclose(info.full_grad, synthetic.grad(rec.params[5]), rtol=0, atol=0)
    np.testing.assert_array_equal(info.batch_step, -info.lr * info.grad)
    np.testing.assert_array_equal(info.full_step, -info.lr * info.full_grad)


def test_optimizer_may_be_rebuilt_from_the_record(linreg):
    opt, rec = _run(linreg, "rmsprop", {"momentum": 0.6, "centered": True}, batch=2)
    a = inspect_step(linreg, opt, rec, 7)
    b = inspect_step(linreg, None, rec, 7)
    assert b.matches_record and _same(a.update, b.update) and b.label == "rmsprop"


def test_run_many_rows_inspect_after_squeeze(linreg):
    opt = gdviz.optimizer("adam", lr=np.array([0.01, 0.05, 0.2]))
    many = gdviz.run_many(linreg, opt, steps=12, batch_size=2, seed=np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="squeeze"):
        inspect_step(linreg, opt, many, 3)
    for r, lr in enumerate((0.01, 0.05, 0.2)):
        one = gdviz.squeeze(many, r)
        info = inspect_step(linreg, gdviz.optimizer("adam", lr=lr), one, 11)
        assert info.matches_record and info.lr == lr
    with pytest.raises(ValueError, match="one value per run"):
        inspect_step(linreg, opt, gdviz.squeeze(many, 0), 3)


# --- states match a replay by hand from the documented formulas ---------------------------------
def test_momentum_state_by_hand(linreg):
    mu, tau, lr = 0.7, 0.3, LR["momentum"]
    opt, rec = _run(linreg, "momentum", {"momentum": mu, "dampening": tau}, batch=2)
    v = None
    for k in range(STEPS):
        g = rec.grad[k]
        info = inspect_step(linreg, opt, rec, k)
        if v is None:
            assert (
                "momentum_buffer" not in info.state_before or not info.state_before["momentum_buffer"].any()
            )
            v_new = g.copy()
            assert not info.memory.any(), "nothing is carried over at the first step"
        else:
            np.testing.assert_allclose(info.state_before["momentum_buffer"], v, rtol=1e-13)
            v_new = mu * v + (1 - tau) * g
            np.testing.assert_allclose(info.memory, -lr * mu * v, rtol=1e-13)
        np.testing.assert_allclose(info.state_after["momentum_buffer"], v_new, rtol=1e-13)
        np.testing.assert_allclose(info.update, -lr * v_new, rtol=1e-13)
        v = v_new


def test_nesterov_memory_and_share_add_up(linreg):
    opt, rec = _run(linreg, "nesterov", {"momentum": 0.8}, batch=2)
    for k in (0, 1, 9):
        info = inspect_step(linreg, opt, rec, k)
        share = info.update - info.memory
        # Δ = −α(g + μ(μv + g)): the fresh share is −α(1 + μ)g
        np.testing.assert_allclose(share, -info.lr * 1.8 * info.grad, rtol=1e-12)


def test_adam_state_bias_corrections_and_effective_step_by_hand(linreg):
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, LR["adam"]
    opt, rec = _run(linreg, "adam", {"amsgrad": True}, batch=2)
    m = np.zeros(3)
    v = np.zeros(3)
    vmax = np.zeros(3)
    for k in range(STEPS):
        g = rec.grad[k]
        info = inspect_step(linreg, opt, rec, k)
        for name, want in (("exp_avg", m), ("exp_avg_sq", v), ("max_exp_avg_sq", vmax)):
            np.testing.assert_allclose(info.state_before[name], want, rtol=1e-13, atol=1e-300)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        t = k + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        assert math.isclose(info.scalars["bias_correction1"], c1, rel_tol=1e-15)
        assert math.isclose(info.scalars["bias_correction2"], c2, rel_tol=1e-15)
        eff = lr / (np.sqrt(vmax / c2) + eps)
        np.testing.assert_allclose(info.effective_lr, eff, rtol=1e-12)
        np.testing.assert_allclose(info.update, -eff * m / c1, rtol=1e-12)
        np.testing.assert_allclose(info.state_after["exp_avg"], m, rtol=1e-13)


def test_adagrad_and_rmsprop_effective_steps(linreg):
    for rule, hyper in (("adagrad", {"lr_decay": 0.1}), ("rmsprop", {"centered": True})):
        opt, rec = _run(linreg, rule, hyper, batch=2)
        for k in (0, 5, STEPS - 1):
            info = inspect_step(linreg, opt, rec, k)
            assert info.memory is None
            np.testing.assert_allclose(info.update, -info.effective_lr * info.grad, rtol=1e-13)
    opt, rec = _run(linreg, "adagrad", {"lr_decay": 0.1})
    info = inspect_step(linreg, opt, rec, 4)
    assert math.isclose(info.scalars["lr_decayed"], info.lr / 1.4, rel_tol=1e-15)
    s = 0.0
    for j in range(5):
        s = s + rec.grad[j] ** 2
    np.testing.assert_allclose(info.state_after["sum"], s, rtol=1e-13)


def test_gd_has_no_state_memory_or_effective_step(linreg):
    opt, rec = _run(linreg, "gd", {})
    info = inspect_step(linreg, opt, rec, 3)
    assert info.state_before == {} and info.state_after == {}
    assert info.memory is None and info.effective_lr is None
    np.testing.assert_array_equal(info.update, -info.lr * info.grad)


# --- validation ------------------------------------------------------------------------------------
def test_k_out_of_range_and_other_bad_arguments(linreg):
    opt, rec = _run(linreg, "gd", {}, steps=5)
    for k in (-1, 5, 100):
        with pytest.raises(ValueError, match=r"0 … 4"):
            inspect_step(linreg, opt, rec, k)
    for k in (1.5, "2", None, True):
        with pytest.raises(ValueError, match="k must be"):
            inspect_step(linreg, opt, rec, k)
    with pytest.raises(ValueError, match="does not match"):
        inspect_step(linreg, gdviz.optimizer("gd", lr=0.05, weight_decay=0.1), rec, 1)
    with pytest.raises(ValueError, match="not on"):
        inspect_step(gdviz.problem("logistic_regression"), opt, rec, 1)
    with pytest.raises(ValueError, match="Record"):
        inspect_step(linreg, opt, rec.params, 1)
    with pytest.raises(ValueError, match="Optimizer"):
        inspect_step(linreg, "gd", rec, 1)
    start_loss = float(linreg.loss(linreg.start))
    still = gdviz.run(linreg, opt, steps=5, stop_loss=start_loss + 1)
    assert still.steps_done == 0
    with pytest.raises(ValueError, match="no update"):
        inspect_step(linreg, opt, still, 0)


def test_diverged_run_inspects_up_to_its_last_step():
    p = gdviz.problem("quadratic")
    opt = gdviz.optimizer("gd", lr=3.0)
    rec = gdviz.run(p, opt, steps=500)
    assert rec.diverged is not None
    info = inspect_step(p, opt, rec, rec.steps_done - 1)
    assert info.matches_record
    with pytest.raises(ValueError, match="k must be"):
        inspect_step(p, opt, rec, rec.steps_done)


# --- LaTeX -----------------------------------------------------------------------------------------
def test_equation_latex_substitutes_the_numbers(linreg):
    opt, rec = _run(linreg, "momentum", {"weight_decay": 0.02}, batch=2)
    info = inspect_step(linreg, opt, rec, 4)
    blocks = equation_latex(info)
    assert len(blocks) == len(info.lines) == 3
    assert all(b.startswith(r"\begin{aligned}") and b.endswith(r"\end{aligned}") for b in blocks)
    assert blocks[-1].startswith(r"\begin{aligned}\theta_{5} &= \theta_{4}")
    for x in info.theta_next:
        assert format_number(x) in blocks[-1]
    assert r"0.02 \cdot" in blocks[0], "a product of numbers shows its sign"
    assert r"\theta_{k+1}" in equation_latex(info, numbered=False)[-1]
    with pytest.raises(ValueError, match="digits"):
        equation_latex(info, digits=0)


def test_long_vectors_are_cut_with_vdots():
    p = gdviz.problem("mlp", hidden=(3,), n=40)
    opt = gdviz.optimizer("adam", lr=0.01)
    rec = gdviz.run(p, opt, steps=3, batch_size=8)
    info = inspect_step(p, opt, rec, 2)
    assert info.matches_record and p.n_params > 6
    block = equation_latex(info, max_coords=6)[-1]
    assert r"\vdots" in block and block.count(r"\begin{pmatrix}") >= 1


def test_format_number():
    assert format_number(0.0) == "0"
    assert format_number(1e-8) == r"1\times 10^{-8}"
    assert format_number(-2.5e12) == r"-2.5\times 10^{12}"
    assert format_number(0.123456789) == "0.123457"
    assert format_number(math.inf) == r"\infty" and format_number(-math.inf) == r"-\infty"
    assert format_number(math.nan) == r"\mathrm{NaN}"


# --- gradient noise ---------------------------------------------------------------------------------
def test_noise_shrinks_like_one_over_root_b(synthetic):
    theta = np.array([0.3, -0.2, 0.1])
    n = synthetic.n_samples
    measured = {}
    for b in (1, 4, 16, 64):
        noise = gradient_noise(synthetic, theta, b, samples=3000, seed=5)
        assert noise.samples.shape == (3000, 3)
        assert noise.expected == pytest.approx(expected_spread(noise.per_sample_spread, n, b))
        assert noise.spread == pytest.approx(noise.expected, rel=0.08), f"b={b}"
        measured[b] = noise.spread
    # four times the batch, about half the spread (with the finite-population correction)
    for a, b in ((1, 4), (4, 16), (16, 64)):
        want = math.sqrt((n - b) / (b * (n - 1))) / math.sqrt((n - a) / (a * (n - 1)))
        assert measured[b] / measured[a] == pytest.approx(want, rel=0.12)
    full = gradient_noise(synthetic, theta, n, samples=20)
    assert full.expected == 0.0 and full.spread <= 1e-12 * full.per_sample_spread


def test_per_sample_spread_is_exact_and_batches_have_distinct_samples(linreg):
    theta = np.array([0.2, 0.5, -0.1])
    n = linreg.n_samples
    per = linreg.batch_loss_and_grad(np.tile(theta, (n, 1)), np.arange(n)[:, None])[1]
    full = linreg.grad(theta)
    sigma = math.sqrt(np.mean(np.sum((per - full) ** 2, axis=1)))
    noise = gradient_noise(linreg, theta, 3, samples=300, seed=2)
    assert noise.per_sample_exact and noise.per_sample_spread == pytest.approx(sigma, rel=1e-12)
    # with n = 4 and b = 3 there are 4 batches of distinct samples; drawing with replacement would
    # also give batches with a repeated sample, whose gradients are none of these
    subsets = [np.delete(np.arange(n), i) for i in range(n)]
    allowed = linreg.batch_loss_and_grad(np.tile(theta, (n, 1)), np.stack(subsets))[1]
    dist = np.abs(noise.samples[:, None, :] - allowed[None]).max(axis=2).min(axis=1)
    assert dist.max() < 1e-12


def test_noise_is_reproducible_and_bounded(synthetic, monkeypatch):
    theta = np.zeros(3)
    a = gradient_noise(synthetic, theta, 8, samples=50, seed=1)
    b = gradient_noise(synthetic, theta, 8, samples=50, seed=1)
    c = gradient_noise(synthetic, theta, 8, samples=50, seed=2)
    assert _same(a.samples, b.samples) and not _same(a.samples, c.samples)
    monkeypatch.setattr(insp, "NOISE_BUDGET", 8 * 3 * 30)
    assert len(gradient_noise(synthetic, theta, 8, samples=200).samples) == 30
    monkeypatch.setattr(insp, "NOISE_BUDGET", 1)
    assert len(gradient_noise(synthetic, theta, 8, samples=200).samples) == insp.MIN_NOISE_SAMPLES
    monkeypatch.setattr(insp, "PER_SAMPLE_MAX", 100)
    est = gradient_noise(synthetic, theta, 8, samples=20)
    assert not est.per_sample_exact
    assert est.per_sample_spread == pytest.approx(a.per_sample_spread, rel=0.3)


def test_noise_validation(synthetic):
    theta = np.zeros(3)
    with pytest.raises(ValueError, match="no data"):
        gradient_noise(gdviz.problem("rosenbrock"), np.zeros(2), 1)
    for b in (0, 401, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            gradient_noise(synthetic, theta, b)
    with pytest.raises(ValueError, match="samples"):
        gradient_noise(synthetic, theta, 2, samples=1)
    with pytest.raises(ValueError, match="theta"):
        gradient_noise(synthetic, np.zeros(2), 2)
    with pytest.raises(ValueError, match="theta"):
        gradient_noise(synthetic, [np.nan, 0, 0], 2)
    with pytest.raises(ValueError, match="seed"):
        gradient_noise(synthetic, theta, 2, seed=-1)
    assert expected_spread(2.0, 100, 100) == 0.0 and expected_spread(2.0, 1, 1) == 0.0
    assert expected_spread(2.0, 101, 1) == pytest.approx(2.0)


# --- figures ------------------------------------------------------------------------------------------
def _trace(fig, name):
    return next(d for d in fig.data if d.name == name)


def test_plane_projects_like_the_view(linreg):
    recs = [_run(linreg, r, {}, batch=2)[1] for r in ("gd", "adam")]
    paths = [r.params for r in recs]
    for kind in ("slice", "pca"):
        view = make_view(linreg, paths, kind=kind, resolution=20)
        ref = reference_run(paths, [False, False])
        plane = plane_for_view(view, paths[ref])
        for path, xy in zip(paths, view.paths, strict=True):
            np.testing.assert_allclose(plane.point(path), xy, rtol=0, atol=1e-12)
        assert plane.is_pca == (kind == "pca")
        if kind == "pca":
            with pytest.raises(ValueError, match="ref_params"):
                plane_for_view(view)
            with pytest.raises(ValueError, match="not the run"):
                plane_for_view(view, paths[1])
    assert reference_run(paths, [True, False]) == 1


def test_step_figure_arrows_add_up(linreg):
    opt, rec = _run(linreg, "momentum", {"momentum": 0.9, "weight_decay": 0.1}, batch=2)
    info = inspect_step(linreg, opt, rec, 6)
    plane = Plane(axes=(0, 1))
    window = step_arrow_window(info, plane)
    surf = local_surface(linreg, plane, info.theta, window, resolution=12)
    np.testing.assert_array_equal(surf.center, info.theta)
    fig = step_figure(info, plane, surface=surf, window=window, path=rec.params)
    p0 = info.theta[:2]
    update = _trace(fig, LAB["update"])
    memory = _trace(fig, LAB["memory"])
    fresh = _trace(fig, LAB["fresh"])
    np.testing.assert_allclose([update.x[1], update.y[1]], info.theta_next[:2], atol=1e-12)
    np.testing.assert_allclose([memory.x[1], memory.y[1]], info.theta_next[:2], atol=1e-12)
    np.testing.assert_allclose([fresh.x[0], fresh.y[0]], p0)
    np.testing.assert_allclose([fresh.x[1], fresh.y[1]], [memory.x[0], memory.y[0]], atol=1e-12)
    assert _trace(fig, LAB["batch_step"]).x[0] == p0[0]
    assert len(fig.layout.images) == 1 and fig.layout.yaxis.scaleanchor == "x"
    gd = inspect_step(linreg, *_run(linreg, "gd", {}), 2)
    names = {d.name for d in step_figure(gd, plane).data}
    assert LAB["memory"] not in names and LAB["batch_step"] not in names


def test_step_window_keeps_a_small_step_visible():
    p0, p1 = np.zeros(2), np.array([1e-3, 0.0])
    far = np.array([50.0, 0.0])
    (x0, x1), _ = step_window([p0, p1], [far])
    assert x1 - x0 < 0.01, "a gradient arrow 5e4 times longer does not shrink the step to a dot"
    (x0, x1), _ = step_window([p0, p1], [np.array([2e-3, 0.0])])
    assert x1 >= 2e-3, "a comparable arrow is included"
    assert step_window([[np.nan, 0.0]]) == ((-1.0, 1.0), (-1.0, 1.0))


def test_noise_figure_keeps_its_size_and_effective_bars(synthetic):
    theta = np.zeros(3)
    plane = Plane(axes=(0, 1))
    ranges = []
    for b in (1, 32):
        noise = gradient_noise(synthetic, theta, b, samples=40)
        fig = noise_figure(noise, 0.1, plane, half_width=0.5)
        ranges.append(tuple(fig.layout.yaxis.range))
        cloud = _trace(fig, LAB["cloud"])
        np.testing.assert_allclose(np.column_stack([cloud.x, cloud.y]), -0.1 * noise.samples[:, :2])
    assert ranges[0] == ranges[1]
    opt, rec = _run(synthetic, "adam", {}, batch=8)
    info = inspect_step(synthetic, opt, rec, 3)
    fig = effective_lr_figure(info, synthetic.param_names)
    assert list(fig.data[0].y) == list(info.effective_lr) and fig.layout.shapes[0].y0 == info.lr
    gd = inspect_step(synthetic, *_run(synthetic, "gd", {}), 1)
    assert effective_lr_figure(gd, synthetic.param_names) is None
