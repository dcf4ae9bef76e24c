"""The run loop: the Record contract, replay of every step, full batch vs mini-batch sampling,
determinism, vectorized runs, divergence on every problem × rule, stop_loss, validation."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import gdviz
from gdviz import limits
from gdviz.optim import optimizer, registry
from gdviz.optim.schedules import schedule
from gdviz.problems import problem, problem_names
from gdviz.train import (
    LOSS_GROWTH,
    PARAM_BOUND,
    STOP_DIVERGED,
    STOP_LOSS,
    STOP_STEPS,
    Record,
    first_below,
    run,
    run_many,
    squeeze,
)

RULES = registry.menu()  # every rule the pages offer
# those that step by lr × (a sum of) gradients: neither adaptive, sign-based nor second-order
PLAIN = tuple(
    r
    for r in RULES
    if not any(getattr(registry.entry(r).family, f) for f in ("adaptive", "sign", "second_order"))
)
STATE_COLUMNS = ("params", "loss", "samples_seen", "grad_evals", "epoch")
STEP_COLUMNS = ("grad", "batch_loss", "lr")


@functools.cache
def prob(name: str, **options):
    return problem(name, **options)


def small_linear():
    # 10 samples: batches of 3 leave a partial batch of 1 at the end of every epoch.
    return prob("linear_regression", data="synthetic", n=10, seed=3)


def small_logistic():
    return prob("logistic_regression", n=12, seed=1)


# A data problem's full loss over R rows is one matrix product (R, P)·(P, n); BLAS picks a different
# kernel for R = 1, so a sweep row and a single run may differ in the loss's last bits (observed
# ≤ 2e-15 relative) although their parameters agree bit for bit.
DATA_LOSS_RTOL = 1e-14


def assert_same_record(a: Record, b: Record, loss_rtol: float = 0.0):
    """Equal in every column except the wall clock: bitwise, but for the loss within ``loss_rtol``."""
    for col in (*STATE_COLUMNS, *STEP_COLUMNS):
        if col in ("loss", "batch_loss") and loss_rtol:
            np.testing.assert_allclose(getattr(a, col), getattr(b, col), rtol=loss_rtol, err_msg=col)
        else:
            np.testing.assert_array_equal(getattr(a, col), getattr(b, col), err_msg=col)
    assert a.steps_done == b.steps_done and a.diverged == b.diverged and a.stop_reason == b.stop_reason


def replay(opt, rec: Record):
    """Feed the recorded gradients through the rule by hand; every state must be θₖ + update.

    Returns the optimizer state after the last recorded step.
    """
    theta = rec.params[0][None]
    state = opt.init(theta)
    for k in range(rec.steps_done):
        upd, state = opt.update(rec.grad[k][None], state, theta)
        np.testing.assert_array_equal(theta + upd, rec.params[k + 1][None], err_msg=f"step {k}")
        theta = rec.params[k + 1][None]
    return state


# --- the Record contract -------------------------------------------------------------------------
CONTRACT_CASES = [
    ("rosenbrock", {}, "adam", {"lr": 0.05}),
    ("quadratic", {"condition": 30.0, "angle": 20.0}, "momentum", {"lr": 0.02}),
    ("linear_regression", {}, "gd", {"lr": 0.01}),
    ("logistic_regression", {"n": 12, "seed": 1}, "rmsprop", {"lr": 0.01}),
    ("himmelblau", {}, "nesterov", {"lr": 0.005}),
    ("saddle", {}, "adagrad", {"lr": 0.3}),
]


@pytest.mark.parametrize(("name", "options", "rule", "hyper"), CONTRACT_CASES)
def test_full_batch_record_contract(name, options, rule, hyper):
    p = prob(name, **options)
    opt = optimizer(rule, **hyper)
    steps = 40
    rec = run(p, opt, steps=steps)
    P = p.n_params
    assert rec.params.shape == (steps + 1, P) and rec.params.dtype == np.float64
    np.testing.assert_array_equal(rec.params[0], p.start)
    assert rec.loss.shape == (steps + 1,)
    assert rec.grad.shape == (steps, P)
    assert rec.batch_loss.shape == rec.lr.shape == (steps,)
    for k in range(steps + 1):
        # the full objective at each state, in the shape the loop evaluates it: bit for bit
        assert rec.loss[k] == p.loss(rec.params[k][None])[0]
    for k in range(steps):
        np.testing.assert_array_equal(rec.grad[k], p.grad(rec.params[k][None])[0])
    # full batch: the "batch" loss of step k is the full loss at the state the step starts from
    np.testing.assert_array_equal(rec.batch_loss, rec.loss[:-1])
    np.testing.assert_array_equal(rec.lr, np.full(steps, hyper["lr"]))
    np.testing.assert_array_equal(rec.grad_evals, np.arange(steps + 1))
    if p.has_data:
        np.testing.assert_array_equal(rec.samples_seen, p.n_samples * np.arange(steps + 1))
    else:
        np.testing.assert_array_equal(rec.samples_seen, 0)
    np.testing.assert_array_equal(rec.epoch, np.arange(steps + 1))
    assert rec.time.shape == (steps + 1,) and rec.time[0] == 0.0 and np.all(np.diff(rec.time) >= 0)
    assert rec.steps_done == steps and rec.diverged is None and rec.stop_reason == STOP_STEPS
    assert rec.problem == name and rec.optimizer == rule and rec.batch_size is None
    np.testing.assert_array_equal(rec.final_params, rec.params[-1])
    assert rec.final_loss == rec.loss[-1]
    replay(opt, rec)


@pytest.mark.parametrize(
    ("rule", "hyper"),
    [("gd", {"lr": 1e-3}), ("momentum", {"lr": 5e-4}), ("adam", {"lr": 0.1}), ("adamw", {"lr": 0.1})],
)
def test_replay_by_hand_with_a_given_start(rule, hyper):
    p = prob("rosenbrock")
    start = np.array([-1.2, 1.0])
    opt = optimizer(rule, **hyper)
    rec = run(p, opt, steps=60, start=start)
    assert rec.steps_done == 60
    np.testing.assert_array_equal(rec.params[0], start)
    # replayed without the record's gradients: the loop adds nothing of its own to θ + update
    theta, state = start.copy(), opt.init(start[None])
    for k in range(60):
        upd, state = opt.update(p.grad(theta[None]), state, theta[None])
        theta = theta + upd[0]
        np.testing.assert_array_equal(theta, rec.params[k + 1])


def test_inputs_are_not_mutated():
    p = prob("rosenbrock")
    start = np.array([-1.0, 1.5])
    before_start, before_default = start.copy(), p.start.copy()
    run(p, optimizer("adam", lr=0.1), steps=20, start=start)
    np.testing.assert_array_equal(start, before_start)
    np.testing.assert_array_equal(p.start, before_default)


# --- full batch, mini-batches, SGD ---------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: prob("linear_regression"), small_linear, small_logistic])
def test_batch_size_n_is_full_batch(make):
    p = make()
    opt = optimizer("momentum", lr=0.05)
    full = run(p, opt, steps=30)
    same = run(p, opt, steps=30, batch_size=p.n_samples, seed=7)
    assert same.batch_size is None
    assert_same_record(full, same)


def _spy(monkeypatch, p):
    """Record every (params, idx) the loop asks the problem's mini-batch gradient for."""
    calls = []
    original = type(p).batch_loss_and_grad

    def spy(self, params, idx):
        calls.append((np.array(params, copy=True), np.array(idx, copy=True)))
        return original(self, params, idx)

    monkeypatch.setattr(type(p), "batch_loss_and_grad", spy)
    return calls


@pytest.mark.parametrize(("b", "steps"), [(3, 12), (1, 25), (4, 9)])
def test_mini_batches_reshuffle_every_epoch_and_keep_the_partial_batch(monkeypatch, b, steps):
    p = small_linear()
    n = p.n_samples
    rule = optimizer("adam", lr=0.05)
    calls = _spy(monkeypatch, p)
    rec = run(p, rule, steps=steps, batch_size=b, seed=11)
    monkeypatch.undo()
    assert rec.batch_size == b and len(calls) == steps
    sizes = [idx.shape[1] for _, idx in calls]
    per_epoch = [b] * (n // b) + ([n % b] if n % b else [])
    assert sizes == (per_epoch * steps)[:steps]
    np.testing.assert_array_equal(rec.samples_seen, np.concatenate([[0], np.cumsum(sizes)]))
    np.testing.assert_array_equal(rec.epoch, rec.samples_seen / n)
    np.testing.assert_array_equal(rec.grad_evals, np.arange(steps + 1))
    # every sample exactly once per epoch, in a fresh order each epoch
    order = np.concatenate([idx[0] for _, idx in calls])
    epochs = [order[i : i + n] for i in range(0, len(order) - n + 1, n)]
    assert len(epochs) >= 2
    for e in epochs:
        np.testing.assert_array_equal(np.sort(e), np.arange(n))
    assert not np.array_equal(epochs[0], epochs[1])
    # the recorded gradient and mini-batch loss are those of the batch, at the state the step starts from
    for k, (params, idx) in enumerate(calls):
        np.testing.assert_array_equal(params[0], rec.params[k])
        bl, g = p.batch_loss_and_grad(rec.params[k][None], idx)
        np.testing.assert_array_equal(rec.grad[k], g[0])
        assert rec.batch_loss[k] == bl[0]
    # the loss column stays the full objective, not the batch's
    for k in range(steps + 1):
        assert rec.loss[k] == p.loss(rec.params[k][None])[0]
    assert not np.array_equal(rec.batch_loss, rec.loss[:-1])
    replay(rule, rec)


def test_shuffle_false_keeps_the_data_order(monkeypatch):
    p = small_logistic()
    calls = _spy(monkeypatch, p)
    rec = run(p, optimizer("gd", lr=0.1), steps=10, batch_size=5, shuffle=False, seed=4)
    order = np.concatenate([idx[0] for _, idx in calls])
    np.testing.assert_array_equal(order, np.tile(np.arange(12), 4)[:41])
    assert [idx.shape[1] for _, idx in calls] == [5, 5, 2] * 3 + [5]
    np.testing.assert_array_equal(rec.samples_seen[[3, 6, 9]], [12, 24, 36])


def test_sampling_with_replacement(monkeypatch):
    p = small_linear()
    calls = _spy(monkeypatch, p)
    rec = run(p, optimizer("gd", lr=0.05), steps=30, batch_size=4, replacement=True, seed=2)
    monkeypatch.undo()
    idx = np.stack([i[0] for _, i in calls])
    # full batches every step (no epoch boundaries), indices drawn independently: some repeat
    assert idx.shape == (30, 4) and idx.min() >= 0 and idx.max() < p.n_samples
    np.testing.assert_array_equal(rec.samples_seen, 4 * np.arange(31))
    windows = idx.reshape(-1)[: 10 * 12].reshape(12, 10)
    assert not all(np.array_equal(np.sort(w), np.arange(10)) for w in windows)
    assert any(len(set(row)) < 4 for row in idx)
    for k in range(30):
        bl, g = p.batch_loss_and_grad(rec.params[k][None], idx[k][None])
        np.testing.assert_array_equal(rec.grad[k], g[0])
        assert rec.batch_loss[k] == bl[0]


def test_sgd_batch_of_one_is_a_permutation_per_epoch(monkeypatch):
    p = small_logistic()
    calls = _spy(monkeypatch, p)
    run(p, optimizer("gd", lr=0.1), steps=36, batch_size=1, seed=5)
    order = np.concatenate([idx[0] for _, idx in calls]).reshape(3, 12)
    for e in order:
        np.testing.assert_array_equal(np.sort(e), np.arange(12))
    assert len({tuple(e) for e in order}) == 3


# --- determinism ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{"batch_size": 3}, {"batch_size": 1}, {"batch_size": 4, "replacement": True}])
def test_same_seed_same_run_different_seed_different_path(kw):
    p = small_linear()
    opt = optimizer("adam", lr=0.05)
    a = run(p, opt, steps=40, seed=123, **kw)
    assert_same_record(a, run(p, opt, steps=40, seed=123, **kw))
    c = run(p, opt, steps=40, seed=124, **kw)
    assert not np.array_equal(a.params, c.params)
    np.testing.assert_array_equal(a.params[0], c.params[0])


def test_full_batch_ignores_the_seed():
    p = prob("linear_regression")
    opt = optimizer("gd", lr=0.05)
    assert_same_record(run(p, opt, steps=20, seed=1), run(p, opt, steps=20, seed=2))


# --- run_many ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "rule", "lrs"),
    [
        ("rosenbrock", "adam", [0.01, 0.05, 0.2, 0.5]),
        ("rosenbrock", "nesterov", [1e-4, 2e-4, 5e-4]),
        ("linear_regression", "rmsprop", [0.003, 0.01, 0.03]),
        ("quadratic", "adagrad", [0.1, 0.5, 1.0]),
    ],
)
def test_per_run_lr_equals_separate_runs(name, rule, lrs):
    p = prob(name)
    many = run_many(p, optimizer(rule, lr=np.array(lrs)), steps=80)
    assert many.params.shape == (81, len(lrs), p.n_params) and many.loss.shape == (81, len(lrs))
    assert many.grad.shape == (80, len(lrs), p.n_params) and many.lr.shape == (80, len(lrs))
    for r, lr in enumerate(lrs):
        one = run(p, optimizer(rule, lr=lr), steps=80)
        if p.has_data:
            # the full-batch gradient is a matrix product too (see DATA_LOSS_RTOL)
            np.testing.assert_allclose(many.params[:, r], one.params, rtol=1e-15, atol=1e-15)
            np.testing.assert_allclose(many.loss[:, r], one.loss, rtol=DATA_LOSS_RTOL)
        else:
            np.testing.assert_array_equal(many.params[:, r], one.params)
            np.testing.assert_array_equal(many.loss[:, r], one.loss)
        np.testing.assert_array_equal(many.lr[:, r], lr)
        sq = squeeze(many, r)
        assert sq.hyper["lr"] == lr and sq.steps_done == 80 and sq.diverged is None


def test_per_run_arrays_inside_betas_set_the_number_of_runs():
    p = prob("rosenbrock")
    b1 = np.array([0.5, 0.8, 0.95])
    many = run_many(p, optimizer("adam", lr=0.05, betas=(b1, 0.999)), steps=40)
    assert many.params.shape == (41, 3, 2)
    for r in range(3):
        one = run(p, optimizer("adam", lr=0.05, betas=(float(b1[r]), 0.999)), steps=40)
        assert_same_record(squeeze(many, r), one)
        assert squeeze(many, r).hyper["betas"] == (b1[r], 0.999)


def test_array_seed_gives_each_run_its_own_sample_order():
    p = small_linear()
    seeds = np.array([3, 9, 3, 40])
    opt = optimizer("momentum", lr=0.02)
    many = run_many(p, opt, steps=25, batch_size=3, seed=seeds)
    for r, s in enumerate(seeds):
        one = run(p, opt, steps=25, batch_size=3, seed=int(s))
        assert_same_record(squeeze(many, r), one, DATA_LOSS_RTOL)
        assert squeeze(many, r).seed == s
    np.testing.assert_array_equal(many.params[:, 0], many.params[:, 2])
    assert not np.array_equal(many.params[:, 0], many.params[:, 1])


def test_int_seed_shares_the_sample_order_across_runs():
    p = small_linear()
    many = run_many(p, optimizer("gd", lr=np.array([0.01, 0.02])), steps=12, batch_size=2, seed=8)
    for r, lr in enumerate([0.01, 0.02]):
        one = run(p, optimizer("gd", lr=lr), steps=12, batch_size=2, seed=8)
        assert_same_record(squeeze(many, r), one, DATA_LOSS_RTOL)


def test_per_run_start_points():
    p = prob("himmelblau")
    starts = np.array([[0.0, 0.0], [-4.0, 4.0], [-4.0, -4.0], [4.0, -4.0]])
    many = run_many(p, optimizer("adam", lr=0.1), steps=300, start=starts)
    np.testing.assert_array_equal(many.params[0], starts)
    for r in range(4):
        assert_same_record(squeeze(many, r), run(p, optimizer("adam", lr=0.1), steps=300, start=starts[r]))
    # four starts, four different minima: the point of the problem
    ends = many.params[-1]
    assert len({tuple(np.round(e, 3)) for e in ends}) == 4


def test_stop_loss_per_run():
    p = prob("quadratic")
    lrs = np.array([0.01, 0.05, 0.15])
    many = run_many(p, optimizer("gd", lr=lrs), steps=500, stop_loss=1e-4)
    assert list(many.stop_reason) == [STOP_STEPS, STOP_LOSS, STOP_LOSS]
    assert many.steps_done[1] > many.steps_done[2]
    # the loop ran until the last run stopped: the slow run keeps going to the end
    assert many.params.shape[0] == 501
    for r, lr in enumerate(lrs):
        s = many.steps_done[r]
        one = run(p, optimizer("gd", lr=lr), steps=500, stop_loss=1e-4)
        assert_same_record(squeeze(many, r), one)
        if many.stop_reason[r] == STOP_LOSS:
            assert many.loss[s, r] < 1e-4 <= many.loss[s - 1, r]
            # frozen after the stop, and the steps it did not take are not counted
            np.testing.assert_array_equal(
                many.params[s:, r], np.broadcast_to(many.params[s, r], (501 - s, 2))
            )
            assert np.all(np.isnan(many.grad[s:, r])) and np.all(np.isnan(many.batch_loss[s:, r]))
            assert np.all(np.isnan(many.lr[s:, r]))
            assert np.all(many.grad_evals[s:, r] == s)
            assert first_below(many, 1e-4)[r] == s
    assert first_below(many, 1e-4)[0] == -1


def test_all_runs_stopping_ends_the_loop_early():
    p = prob("quadratic")
    many = run_many(p, optimizer("gd", lr=np.array([0.1, 0.15])), steps=5000, stop_loss=1e-6)
    assert many.params.shape[0] == max(many.steps_done) + 1 < 5001
    assert list(many.stop_reason) == [STOP_LOSS, STOP_LOSS]


def test_a_diverging_run_does_not_disturb_the_others():
    p = prob("rosenbrock")
    lrs = np.array([1e-3, 0.01, 5e-4])  # 0.01 overshoots the valley walls and blows up
    many = run_many(p, optimizer("gd", lr=lrs), steps=200)
    assert many.diverged[1] >= 1 and many.diverged[0] == many.diverged[2] == -1
    assert list(many.stop_reason) == [STOP_STEPS, STOP_DIVERGED, STOP_STEPS]
    for r in (0, 2):
        assert_same_record(squeeze(many, r), run(p, optimizer("gd", lr=lrs[r]), steps=200))
    s = many.steps_done[1]
    assert many.diverged[1] == s + 1
    assert np.all(np.isfinite(many.params)) and np.all(np.isfinite(many.loss))
    np.testing.assert_array_equal(many.params[s:, 1], np.broadcast_to(many.params[s, 1], (201 - s, 2)))
    np.testing.assert_array_equal(many.loss[s:, 1], many.loss[s, 1])
    for col in STEP_COLUMNS:
        assert np.all(np.isnan(getattr(many, col)[s:, 1])), col
        assert np.all(np.isfinite(getattr(many, col)[:s, 1])), col
    one = run(p, optimizer("gd", lr=0.01), steps=200)
    assert_same_record(squeeze(many, 1), one)
    assert one.diverged == s + 1 and one.params.shape == (s + 1, 2)


def test_diverging_mini_batch_run_among_others():
    p = small_linear()
    lrs = np.array([0.01, 50.0])
    many = run_many(p, optimizer("gd", lr=lrs), steps=40, batch_size=3, seed=1)
    assert many.diverged[0] == -1 and many.diverged[1] >= 1
    s = many.steps_done[1]
    assert np.all(many.samples_seen[s:, 1] == many.samples_seen[s, 1])
    np.testing.assert_array_equal(many.epoch[:, 1], many.samples_seen[:, 1] / p.n_samples)
    one = run(p, optimizer("gd", lr=0.01), steps=40, batch_size=3, seed=1)
    assert_same_record(squeeze(many, 0), one, DATA_LOSS_RTOL)


def test_run_many_shape_rules():
    p = prob("rosenbrock")
    rec = run_many(p, optimizer("adam", lr=0.1), steps=5, runs=3)
    assert rec.params.shape == (6, 3, 2)
    np.testing.assert_array_equal(rec.params[:, 0], rec.params[:, 2])
    rec = run_many(p, optimizer("adam", lr=0.1), steps=5)
    assert rec.params.shape == (6, 1, 2) and rec.stop_reason.shape == (1,)


# --- divergence on every problem × rule ----------------------------------------------------------
# Plain-gradient rules step by lr·∇f. Where ∇f grows without bound (every polynomial-like surface,
# linear regression, the default formula x² + 10 sin y) lr = 1e3 overshoots and the state explodes:
# they must report divergence. Ackley's gradient is bounded (the cone contributes ≤ 2√2·e^0, the
# cosine term ≤ π·e), logistic regression's by max‖[x, 1]‖ (no L2), and the MLP's cross-entropy
# grows only linearly in the logits: there a huge lr wanders far but need not blow up within the
# run. Adaptive rules (adagrad, rmsprop, adam) move each coordinate by about lr per step; adamw's
# decoupled decay multiplies θ by 1 − lr·λ = −9 each step. Those get the weaker contract: no
# exception, no warning, a finite record that is consistent with its stop reason.
UNBOUNDED_GRADIENT = {
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "booth",
    "six_hump_camel",
    "formula",
    "linear_regression",
}
BOUNDED_GRADIENT = {"ackley", "logistic_regression", "mlp"}


def test_every_problem_is_classified_for_divergence():
    assert set(problem_names()) == UNBOUNDED_GRADIENT | BOUNDED_GRADIENT


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", sorted(UNBOUNDED_GRADIENT | BOUNDED_GRADIENT))
def test_divergence_at_lr_1e3(name, rule):
    p = prob(name)
    opt = optimizer(rule, lr=1e3)
    steps = 15 if name == "mlp" else 150
    rec = run(p, opt, steps=steps)  # warnings are errors: any leak fails here
    assert np.all(np.isfinite(rec.params)) and np.all(np.isfinite(rec.loss))
    assert np.all(np.abs(rec.params) < PARAM_BOUND)
    assert rec.params.shape == (rec.steps_done + 1, p.n_params)
    if name in UNBOUNDED_GRADIENT and rule in PLAIN:
        assert rec.diverged is not None and rec.diverged >= 1
    if rec.diverged is None:
        assert rec.stop_reason == STOP_STEPS and rec.steps_done == steps
        return
    assert rec.stop_reason == STOP_DIVERGED and rec.diverged == rec.steps_done + 1
    assert np.all(np.isfinite(rec.grad)) and np.all(np.isfinite(rec.batch_loss))
    # the record ends at the last sane state, and the next step from it does blow up
    state = replay(opt, rec)
    theta = rec.params[-1][None]
    with np.errstate(all="ignore"):
        upd, _ = opt.update(p.grad(theta), state, theta)
        nxt = theta + upd
        nxt_loss = p.loss(nxt)[0]
    exploded = not (nxt_loss < LOSS_GROWTH * (1 + abs(rec.loss[0]))) or not np.all(np.abs(nxt) < PARAM_BOUND)
    assert exploded


def test_parameters_running_away_with_a_bounded_loss_count_as_divergence():
    # sin(x²) stays in [−1, 1] while its gradient 2x·cos(x²) grows: only |θ| can tell the run has left.
    p = prob("formula", expr="sin(x**2) + sin(y**2)", start=(1.0, 0.5), window=((-3.0, 3.0), (-3.0, 3.0)))
    rec = run(p, optimizer("gd", lr=10.0), steps=2000)
    assert rec.diverged is not None and rec.stop_reason == STOP_DIVERGED
    assert np.all(np.abs(rec.params) < PARAM_BOUND) and np.all(np.abs(rec.loss) <= 2.0)
    assert rec.params.shape[0] == rec.steps_done + 1 == rec.diverged
    with np.errstate(all="ignore"):
        nxt = rec.params[-1] - 10.0 * p.grad(rec.params[-1])
    assert not np.all(np.abs(nxt) < PARAM_BOUND)
    many = run_many(p, optimizer("gd", lr=np.array([0.01, 10.0])), steps=2000)
    assert list(many.stop_reason) == [STOP_STEPS, STOP_DIVERGED]
    s = many.steps_done[1]
    assert s == rec.steps_done and np.all(np.isnan(many.grad[s:, 1])) and np.all(np.isnan(many.lr[s:, 1]))
    np.testing.assert_array_equal(many.params[s:, 1], np.broadcast_to(rec.params[-1], (2001 - s, 2)))


def test_non_finite_start_loss_is_refused():
    p = prob("formula", expr="log(x) + y**2", start=(1.0, 1.0), window=((0.1, 3), (-2, 2)))
    with pytest.raises(ValueError, match="not finite at the start"):
        run(p, optimizer("gd", lr=0.1), steps=5, start=[-1.0, 0.0])


# --- stop_loss and first_below -------------------------------------------------------------------
def test_stop_loss_stops_when_the_full_loss_falls_below():
    p = prob("booth")
    opt = optimizer("momentum", lr=0.01)
    full = run(p, opt, steps=1000)
    k = first_below(full, 1e-3)
    assert k is not None and full.loss[k] < 1e-3 and np.all(full.loss[:k] >= 1e-3)
    rec = run(p, opt, steps=1000, stop_loss=1e-3)
    assert rec.stop_reason == STOP_LOSS and rec.steps_done == k and rec.diverged is None
    np.testing.assert_array_equal(rec.params, full.params[: k + 1])
    assert first_below(rec, 1e-3) == k
    assert first_below(full, -1.0) is None
    assert first_below(full, np.inf) == 0


def test_stop_loss_uses_the_full_loss_not_the_batch_loss():
    p = small_linear()
    rec = run(p, optimizer("gd", lr=0.05), steps=2000, batch_size=2, stop_loss=p.min_loss + 0.05, seed=0)
    assert rec.stop_reason == STOP_LOSS
    assert rec.loss[-1] < p.min_loss + 0.05 <= rec.loss[-2]


# --- schedules inside runs -----------------------------------------------------------------------
def test_schedule_is_the_lr_column_and_drives_the_steps():
    p = prob("quadratic")
    sched = schedule("cosine", warmup=5, min_factor=0.1)
    opt = optimizer("gd", lr=0.1)
    rec = run(p, opt, steps=50, schedule=sched)
    expected = sched.bind(0.1, 50)(np.arange(50))
    np.testing.assert_array_equal(rec.lr, expected)
    assert rec.lr[0] == pytest.approx(0.1 / 5) and rec.lr[-1] > 0.01
    # plain GD with a schedule: θₖ₊₁ = θₖ − lrₖ·∇f(θₖ)
    np.testing.assert_array_equal(rec.params[1:], rec.params[:-1] - rec.lr[:, None] * rec.grad)


def test_schedule_as_the_optimizer_lr_and_per_run_base_lrs():
    p = prob("rosenbrock")
    a = run(p, optimizer("adam", lr=schedule("step", lr=0.1, step_size=10, gamma=0.5)), steps=30)
    b = run(p, optimizer("adam", lr=0.1), steps=30, schedule=schedule("step", step_size=10, gamma=0.5))
    assert_same_record(a, b)
    np.testing.assert_array_equal(a.lr, np.repeat([0.1, 0.05, 0.025], 10))
    lrs = np.array([0.05, 0.2])
    many = run_many(p, optimizer("adam", lr=lrs), steps=30, schedule=schedule("exponential", gamma=0.9))
    for r in range(2):
        np.testing.assert_allclose(many.lr[:, r], lrs[r] * 0.9 ** np.arange(30), rtol=1e-15)
        one = run(p, optimizer("adam", lr=lrs[r]), steps=30, schedule=schedule("exponential", gamma=0.9))
        np.testing.assert_allclose(many.params[:, r], one.params, rtol=1e-15)


def test_a_plain_float_schedule_is_a_constant_lr():
    p = prob("quadratic")
    rec = run(p, optimizer("gd", lr=0.1), steps=10, schedule=0.02)
    np.testing.assert_array_equal(rec.lr, 0.02)
    assert_same_record(rec, run(p, optimizer("gd", lr=0.02), steps=10))


def test_a_callable_schedule_and_a_bad_one():
    p = prob("quadratic")
    rec = run(p, optimizer("gd", lr=0.1), steps=10, schedule=lambda k: 0.1 / (1 + k))
    np.testing.assert_allclose(rec.lr, 0.1 / (1 + np.arange(10)), rtol=1e-15)
    with pytest.raises(ValueError, match=r"finite values in \(0, "):
        run(p, optimizer("gd", lr=0.1), steps=10, schedule=lambda k: 0.1 - 0.02 * k)


# --- validation ----------------------------------------------------------------------------------
def _quad():
    return prob("quadratic")


def _gd():
    return optimizer("gd", lr=0.1)


BAD_CALLS = [
    (lambda: problem("rosenbrok"), r"unknown problem 'rosenbrok'; allowed: .*rosenbrock"),
    (lambda: optimizer("adamm"), r"unknown optimizer 'adamm'; allowed: .*adam"),
    (lambda: optimizer("gd", lr=0.0), r"lr must be > 0"),
    (lambda: optimizer("adam", lr=-0.1), r"lr must be > 0"),
    (lambda: run(_quad(), optimizer("gd", lr=np.nan), steps=5), r"lr must be a finite number"),
    (lambda: run(small_linear(), _gd(), steps=5, batch_size=0), r"batch_size must be ≥ 1"),
    (lambda: run(small_linear(), _gd(), steps=5, batch_size=11), r"batch_size must be ≤ 10"),
    (lambda: run(small_linear(), _gd(), steps=5, batch_size=2.5), r"batch_size must be a whole number"),
    (lambda: run(_quad(), _gd(), steps=5, batch_size=2), r"has no data, so batch_size must be None"),
    (lambda: run(_quad(), _gd(), steps=0), r"steps must be ≥ 1"),
    (lambda: run(_quad(), _gd(), steps=-3), r"steps must be ≥ 1"),
    (lambda: run(_quad(), _gd(), steps=limits.MAX_STEPS + 1), rf"steps must be ≤ {limits.MAX_STEPS}"),
    (lambda: run(_quad(), _gd(), steps=10.5), r"steps must be a whole number"),
    (lambda: run(_quad(), _gd(), steps=5, start=[1.0, 2.0, 3.0]), r"start must have 2 values \(x, y\)"),
    (lambda: run(_quad(), _gd(), steps=5, start=[[1.0, 2.0]]), r"start must have shape \(2,\)"),
    (lambda: run(_quad(), _gd(), steps=5, start=[np.nan, 1.0]), r"start must be finite"),
    (lambda: run(_quad(), _gd(), steps=5, start=["a", "b"]), r"start must be numbers"),
    (lambda: run(_quad(), _gd(), steps=5, stop_loss=np.nan), r"stop_loss must be a finite number"),
    (lambda: run(_quad(), _gd(), steps=5, seed=-1), r"seed must be a whole number ≥ 0"),
    (lambda: run(_quad(), _gd(), steps=5, seed=[1, 2]), r"seed must be one whole number .* run_many"),
    (lambda: run(_quad(), _gd(), steps=5, schedule="cosine"), r"schedule must be"),
    (lambda: run("quadratic", _gd(), steps=5), r"problem must be a gdviz Problem"),
    (lambda: run(_quad(), "adam", steps=5), r"optimizer must be a gdviz Optimizer"),
    (lambda: problem("quadratic", condition=np.nan), r"condition must be a finite number"),
    (lambda: problem("rosenbrock", b=np.inf), r"b must be a finite number"),
    (lambda: optimizer("adam", eps=np.nan), r"eps must be a finite number"),
    (lambda: optimizer("momentum", momentum=np.nan), r"momentum must be a finite number"),
    (
        lambda: run_many(_quad(), optimizer("gd", lr=np.array([0.1, 0.2])), steps=5, seed=[1, 2, 3]),
        r"inconsistent number of runs: .*, got lr: 2, seed: 3",
    ),
    (
        lambda: run_many(_quad(), _gd(), steps=5, runs=limits.MAX_RUNS + 1),
        rf"runs must be ≤ {limits.MAX_RUNS}",
    ),
    (
        lambda: run_many(_quad(), _gd(), steps=limits.MAX_STEPS, runs=limits.MAX_RUNS),
        r"must be at most .* stored values, got .*; use fewer steps or runs",
    ),
    (lambda: run_many(_quad(), _gd(), steps=5, start=np.zeros((2, 2, 2))), r"start must have shape"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_start_already_below_stop_loss_takes_no_step():
    p = gdviz.problem("rosenbrock")
    rec = gdviz.run(p, gdviz.optimizer("gd", lr=1e-3), steps=10, stop_loss=1e6)
    assert rec.steps_done == 0 and rec.stop_reason == "stop_loss"
    assert rec.params.shape == (1, 2) and rec.grad.shape == (0, 2) and rec.lr.shape == (0,)
    many = gdviz.run_many(
        p, gdviz.optimizer("gd", lr=1e-3), steps=10, start=[[-2, 2], [1.0, 1.0]], stop_loss=1e-3
    )
    assert list(many.steps_done) == [10, 0]
    assert np.all(many.params[:, 1] == [1.0, 1.0])


# --- thinned records and progress --------------------------------------------------------------
THIN_CASES = [
    ("mlp", {"dataset": "moons", "n": 60, "hidden": (8,)}, "adam", {"lr": 0.01}, 16),
    ("linear_regression", {"data": "synthetic", "n": 50}, "momentum", {"lr": 0.05}, 5),
    ("rosenbrock", {}, "gd", {"lr": 1e-3}, None),
]


@pytest.mark.parametrize(("name", "options", "rule", "hyper", "b"), THIN_CASES)
@pytest.mark.parametrize("keep", [2, 7, 40, 1000])
def test_a_thinned_record_is_the_full_record_with_fewer_states(name, options, rule, hyper, b, keep):
    p = prob(name, **options)
    full = run(p, optimizer(rule, **hyper), steps=123, batch_size=b, seed=3)
    thin = run(p, optimizer(rule, **hyper), steps=123, batch_size=b, seed=3, keep=keep)
    for col in ("loss", "batch_loss", "lr", "samples_seen", "grad_evals", "epoch"):
        np.testing.assert_array_equal(getattr(thin, col), getattr(full, col), err_msg=col)
    assert thin.thinned and not full.thinned
    assert thin.params.dtype == np.float32 and thin.grad.shape == (0, p.n_params)
    steps = thin.param_steps
    assert len(steps) <= max(keep, 2) and steps[0] == 0 and steps[-1] == 123
    stride = steps[1] - steps[0]
    assert stride % 2 == 1 and np.all(np.diff(steps[:-1]) == stride)
    np.testing.assert_array_equal(thin.params, full.params[steps].astype(np.float32))
    np.testing.assert_array_equal(thin.final_params, full.final_params)
    np.testing.assert_array_equal(thin.steps_of_params, steps)
    np.testing.assert_array_equal(full.steps_of_params, np.arange(124))


def test_thinned_many_runs_stop_where_the_full_ones_do():
    p = prob("quadratic", condition=10)
    lrs = np.array([0.01, 0.1, 0.19, 0.3])  # the last diverges (2/λ_max = 0.2)
    kw = {"steps": 300, "stop_loss": 1e-6}
    full = run_many(p, optimizer("gd", lr=lrs), **kw)
    thin = run_many(p, optimizer("gd", lr=lrs), keep=20, **kw)
    np.testing.assert_array_equal(thin.steps_done, full.steps_done)
    np.testing.assert_array_equal(thin.diverged, full.diverged)
    np.testing.assert_array_equal(thin.loss, full.loss)
    for r in range(len(lrs)):
        one_full, one_thin = squeeze(full, r), squeeze(thin, r)
        assert one_thin.param_steps[-1] == one_full.steps_done
        np.testing.assert_array_equal(one_thin.final_params, one_full.final_params)
        np.testing.assert_array_equal(
            one_thin.params[:-1], one_full.params[one_thin.param_steps[:-1]].astype(np.float32)
        )
        np.testing.assert_array_equal(one_thin.loss, one_full.loss)


def test_a_thinned_run_finds_parameters_running_away_as_a_full_one_does():
    # the loss stays bounded while the parameters grow: found after the loop (full) or in it (thin)
    p = prob("formula", expr="sin(x**2) + sin(y**2)", start=(1.0, 0.5), window=((-3.0, 3.0), (-3.0, 3.0)))
    full = run(p, optimizer("gd", lr=10.0), steps=2000)
    thin = run(p, optimizer("gd", lr=10.0), steps=2000, keep=10)
    assert full.diverged is not None and full.diverged == thin.diverged
    assert full.steps_done == thin.steps_done
    np.testing.assert_array_equal(thin.final_params, full.final_params)


def test_progress_is_reported_and_can_stop_a_run(monkeypatch):
    import gdviz.train as train

    monkeypatch.setattr(train, "PROGRESS_SECONDS", 0.0)  # report after every step
    seen = []
    run(prob("rosenbrock"), optimizer("gd", lr=1e-4), steps=50, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(k, 50) for k in range(1, 51)]

    class Stop(Exception):
        pass

    def stop_at_ten(done, total):
        if done >= 10:
            raise Stop

    with pytest.raises(Stop):
        run(prob("rosenbrock"), optimizer("gd", lr=1e-4), steps=50, progress=stop_at_ten)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"keep": 1}, "keep must be ≥ 2"),
        ({"keep": 2.5}, "keep must be a whole number"),
        ({"progress": 3}, "progress must be a callable"),
    ],
)
def test_keep_and_progress_are_checked(kw, message):
    with pytest.raises(ValueError, match=message):
        run(prob("rosenbrock"), optimizer("gd"), steps=5, **kw)


def test_keep_lets_a_large_model_store_a_long_run():
    p = prob("mlp", dataset="moons", n=40, hidden=(32, 32, 32))
    steps = limits.MAX_RECORD_VALUES // p.n_params  # too many states to store in full
    with pytest.raises(ValueError, match="keep fewer states"):
        run(p, optimizer("gd"), steps=steps)
    thin_ok = run_many(p, optimizer("gd"), steps=10, keep=5)
    assert thin_ok.params.shape[0] <= 5 and thin_ok.params.shape[1:] == (1, p.n_params)
    assert thin_ok.param_steps[-1] == 10


def test_keep_can_name_the_steps_to_store():
    p = prob("mlp", dataset="moons", n=60, hidden=(8,))
    full = run(p, optimizer("adam", lr=0.01), steps=100, batch_size=16, seed=2)
    wanted = np.array([3, 1, 50, 1, 99])
    thin = run(p, optimizer("adam", lr=0.01), steps=100, batch_size=16, seed=2, keep=wanted)
    np.testing.assert_array_equal(thin.param_steps, [0, 1, 3, 50, 99, 100])
    np.testing.assert_array_equal(thin.params, full.params[thin.param_steps])  # named: float64
    for bad in (np.array([101]), np.array([-1]), np.array([[1]]), np.array([0.5]), np.array([], dtype=int)):
        with pytest.raises(ValueError, match="keep must be"):
            run(p, optimizer("gd"), steps=100, keep=bad)


def test_a_reporting_block_watches_every_run_loop_inside_it(monkeypatch):
    import gdviz.train as train

    monkeypatch.setattr(train, "PROGRESS_SECONDS", 0.0)
    seen = []
    with train.reporting(lambda d, t: seen.append(t)):
        run(prob("rosenbrock"), optimizer("gd", lr=1e-4), steps=5)
        run_many(prob("rosenbrock"), optimizer("gd", lr=np.array([1e-4, 2e-4])), steps=7)
    run(prob("rosenbrock"), optimizer("gd", lr=1e-4), steps=3)  # outside: not reported
    assert seen == [5] * 5 + [7] * 7
