"""gdviz.analysis.sweeps: sweep rows are the individual runs, the best learning rate on a quadratic is where
theory puts it, the range test suggests a sane value, comparisons aggregate seeds honestly, and bad
arguments are refused with a message."""

from __future__ import annotations

import numpy as np
import pytest

import gdviz
from gdviz import limits
from gdviz.analysis import sweeps
from gdviz.analysis.curvature import lr_limit, quadratic_theory

LRS = np.array([1e-3, 1e-2, 0.05, 0.1, 0.15, 0.3, 1.0, 3.0])


def _single(p, rule, lr, steps, **kw):
    hyper = kw.pop("hyper", {})
    return gdviz.run(p, gdviz.optimizer(rule, lr=lr, **hyper), steps=steps, **kw)


def _same(a, b, batch, msg=""):
    """Full batch: bit for bit. Mini-batches: a (R, b) batch product rounds differently from a (1, b)
    one (BLAS blocks by shape), so equal to round-off."""
    if batch is None:
        np.testing.assert_array_equal(a, b, err_msg=msg)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=msg)


def _padded(rec, steps):
    loss = np.asarray(rec.loss)
    return np.concatenate([loss, np.full(steps + 1 - loss.size, loss[-1])])


# --- sweep rows are runs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "options", "rule", "hyper", "batch"),
    [
        ("quadratic", {"condition": 10, "angle": 30}, "gd", {}, None),
        ("rosenbrock", {}, "adam", {"betas": (0.8, 0.99)}, None),
        ("linear_regression", {}, "momentum", {"momentum": 0.7}, 2),
        ("logistic_regression", {"n": 60}, "rmsprop", {}, 1),
    ],
)
def test_sweep_rows_equal_individual_runs(name, options, rule, hyper, batch):
    p = gdviz.problem(name, **options)
    steps = 80
    res = sweeps.lr_sweep(p, rule, lrs=LRS, steps=steps, batch_size=batch, seed=3, **hyper)
    assert res.loss.shape == (steps + 1, LRS.size)
    if rule == "gd":
        assert res.unstable.any() and (~res.unstable).any(), "the grid should cross the stability edge"
    for i, lr in enumerate(res.lrs):
        rec = _single(p, rule, lr, steps, batch_size=batch, seed=3, hyper=hyper)
        _same(res.loss[:, i], _padded(rec, steps), batch, f"lr={lr}")
        assert res.diverged[i] == (-1 if rec.diverged is None else rec.diverged)


def test_grid_cells_equal_individual_runs():
    p = gdviz.problem("linear_regression")
    lrs, mus = np.array([0.01, 0.05, 0.2]), np.array([0.0, 0.5, 0.9])
    g = sweeps.grid_sweep(p, "momentum", x=("lr", lrs), y=("momentum", mus), steps=60, batch_size=2, seed=5)
    assert g.final_loss.shape == (3, 3)
    for r, mu in enumerate(mus):
        for c, lr in enumerate(lrs):
            rec = _single(p, "momentum", lr, 60, batch_size=2, seed=5, hyper={"momentum": mu})
            _same(g.final_loss[r, c], rec.loss[-1], 2, f"{(mu, lr)}")
            assert g.config(r, c) == {"rule": "momentum", "lr": lr, "momentum": mu}


def test_grid_batch_size_axis_is_one_call_per_batch_size():
    p = gdviz.problem("linear_regression", data="synthetic", n=40, seed=1)
    g = sweeps.grid_sweep(p, "gd", x=("lr", [0.01, 0.1, 1.0]), y=("batch_size", [1, 8, 40]), steps=50, seed=2)
    for r, b in enumerate((1, 8, 40)):
        for c, lr in enumerate((0.01, 0.1, 1.0)):
            rec = _single(p, "gd", lr, 50, batch_size=b, seed=2)
            _same(g.final_loss[r, c], rec.loss[-1], b)
    assert g.config(0, 1) == {"rule": "gd", "lr": 0.1, "batch_size": 1}


def test_grid_beta1_axis():
    p = gdviz.problem("rosenbrock")
    g = sweeps.grid_sweep(p, "adam", x=("lr", [0.01, 0.1]), y=("beta1", [0.5, 0.9]), steps=40)
    rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.1, betas=(0.5, 0.999)), steps=40)
    assert g.final_loss[0, 1] == rec.loss[-1]


# --- what the sweep finds on a quadratic ---------------------------------------------------------------------
@pytest.mark.parametrize("kappa", [10.0, 100.0])
@pytest.mark.parametrize("angle", [0.0, 35.0])
def test_best_lr_on_a_quadratic_is_below_the_limit_and_near_the_optimum(kappa, angle):
    p = gdviz.problem("quadratic", condition=kappa, angle=angle)
    th = quadratic_theory(p)
    res = sweeps.lr_sweep(p, "gd", steps=300)
    assert res.best_lr < th.lr_limit
    # one grid step is a factor 10^(6/59) ≈ 1.26
    assert th.lr_best / 1.3 < res.best_lr <= th.lr_best * 1.3
    lo, hi = res.boundary
    assert lo < th.lr_limit < hi
    assert res.limit == pytest.approx(th.lr_limit, rel=1e-12)


def test_momentum_moves_the_divergence_boundary_as_theory_says():
    p = gdviz.problem("quadratic", condition=20)
    th = quadratic_theory(p)
    for rule, mu, edge in (
        ("momentum", 0.5, 2 * 1.5 / th.lam_max),
        ("nesterov", 0.5, 2 * 1.5 / (2.0 * th.lam_max)),
    ):
        res = sweeps.lr_sweep(p, rule, lrs=np.geomspace(edge / 3, edge * 3, 41), steps=400, momentum=mu)
        assert res.limit == pytest.approx(edge, rel=1e-12)
        lo, hi = res.boundary
        assert lo < edge < hi * 1.0001, (rule, res.boundary, edge)


def test_stability_limit_is_none_for_adaptive_rules_and_accounts_for_weight_decay():
    p = gdviz.problem("quadratic", condition=10)
    assert lr_limit(p, "adam") is None
    assert lr_limit(p, "rmsprop", momentum=0.5) is None
    assert lr_limit(p, "gd", weight_decay=1.0) == pytest.approx(2 / 11)
    assert lr_limit(p, gdviz.optimizer("momentum", lr=0.1, dampening=0.5)) == pytest.approx(
        2 * 1.9 / (0.5 * 10)
    )


def test_best_prefers_speed_among_converged_runs_and_refuses_unstable_ones():
    final = np.array([1e-30, 0.0, 5e-31, 3.0, 0.0])
    steps_to = np.array([90, 40, 20, -1, 5])
    unstable = np.array([False, False, False, False, True])
    lrs = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert sweeps.common._best(final, steps_to, unstable, lrs, start_loss=10.0) == 2
    assert sweeps.common._best(final, steps_to, np.ones(5, bool), lrs, start_loss=10.0) is None
    # nothing converged: the lowest final loss, ties to the larger learning rate
    assert (
        sweeps.common._best(
            np.array([2.0, 1.0, 1.0]), np.array([-1, -1, -1]), np.zeros(3, bool), lrs[:3], 10.0
        )
        == 2
    )


def test_everything_diverges_gives_no_best_and_a_boundary_from_the_start():
    p = gdviz.problem("quadratic", condition=10)
    res = sweeps.lr_sweep(p, "gd", lrs=[1.0, 2.0, 5.0], steps=100)
    assert res.best_lr is None and res.best_index is None
    assert res.boundary == (None, 1.0)
    assert res.boundary_lr is None
    assert (res.diverged > 0).all()


def test_slow_blow_up_counts_as_unstable():
    # just above 2/λ_max the error grows by 1.02 per step: no divergence in 50 steps, but worse than the start
    p = gdviz.problem("quadratic", condition=10)
    res = sweeps.lr_sweep(p, "gd", lrs=[0.1, 0.202], steps=50)
    assert res.diverged[1] == -1 and res.unstable[1] and not res.unstable[0]


def test_default_threshold_and_steps_to_threshold():
    p = gdviz.problem("quadratic", condition=10)
    res = sweeps.lr_sweep(p, "gd", lrs=[0.01, 0.1], steps=200)
    assert res.threshold == pytest.approx(1e-3 * res.start_loss)
    i = 1
    k = res.steps_to_threshold[i]
    assert res.loss[k, i] < res.threshold <= res.loss[k - 1, i]
    given = sweeps.lr_sweep(p, "gd", lrs=[0.01, 0.1], steps=200, threshold=1.0)
    assert given.threshold == 1.0 and given.steps_to_threshold[1] < k


def test_schedule_shapes_every_run_of_a_sweep():
    p = gdviz.problem("quadratic", condition=10)
    sched = gdviz.schedule("exponential", gamma=0.99)
    res = sweeps.lr_sweep(p, "gd", lrs=[0.05, 0.1], steps=50, schedule=sched)
    rec = gdviz.run(p, gdviz.optimizer("gd", lr=0.1), steps=50, schedule=sched)
    np.testing.assert_array_equal(res.loss[:, 1], rec.loss)


# --- range test -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_range_test_suggestion_is_sane_on_a_quadratic(kappa):
    p = gdviz.problem("quadratic", condition=kappa, angle=20)
    rt = sweeps.lr_range_test(p, "gd")
    lam_max = quadratic_theory(p).lam_max
    assert rt.exploded
    assert 0.1 / lam_max < rt.suggested_lr < 10 / lam_max
    assert rt.suggested_lr < 2 / lam_max, "the suggestion must be stable"
    assert rt.suggested_lr == pytest.approx(rt.min_lr / 10)
    assert rt.steepest_lr < rt.min_lr


def test_range_test_is_one_run_with_an_exponential_schedule():
    p = gdviz.problem("quadratic", condition=10)
    rt = sweeps.lr_range_test(p, "momentum", lr_min=1e-4, lr_max=1.0, steps=100)
    ratio = rt.lrs[1:] / rt.lrs[:-1]
    np.testing.assert_allclose(ratio, 10 ** (4 / 99), rtol=1e-12)
    assert rt.lrs[0] == pytest.approx(1e-4)
    rec = gdviz.run(
        p,
        gdviz.optimizer("momentum", lr=1e-4),
        steps=100,
        schedule=lambda k: 1e-4 * 1e4 ** (np.asarray(k) / 99),
    )
    np.testing.assert_array_equal(rt.loss, rec.loss[1 : rt.loss.size + 1])
    # the smoothing has no lag: a flat-then-falling curve is not shifted right
    assert rt.smoothed.shape == rt.loss.shape


def test_range_test_that_never_falls_suggests_nothing():
    p = gdviz.problem("quadratic", condition=10)
    rt = sweeps.lr_range_test(p, "gd", lr_min=5.0, lr_max=10.0, steps=20)
    assert rt.suggested_lr is None and rt.steepest_lr is None


def test_range_test_on_a_problem_with_negative_losses():
    p = gdviz.problem("six_hump_camel")
    rt = sweeps.lr_range_test(p, "adam", lr_min=1e-4, lr_max=1.0, steps=150)
    assert rt.loss.size > 10 and np.all(np.isfinite(rt.smoothed))


# --- comparison -----------------------------------------------------------------------------------------------
def test_compare_on_steps_is_the_mean_of_the_individual_runs():
    p = gdviz.problem("linear_regression")
    cfgs = [{"rule": "gd", "lr": 0.05}, {"rule": "gd", "lr": 0.05, "batch_size": 2, "label": "mini"}]
    c = sweeps.compare(p, cfgs, steps=40, seeds=[0, 1, 2])
    assert c.labels == ("gd lr=0.05", "mini")
    assert c.x.tolist() == list(range(41))
    # full batch: the seed does not matter, the band is a line
    np.testing.assert_array_equal(c.lo[0], c.hi[0])
    runs = np.stack(
        [gdviz.run(p, gdviz.optimizer("gd", lr=0.05), steps=40, batch_size=2, seed=s).loss for s in range(3)]
    )
    np.testing.assert_allclose(c.mean[1], runs.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(c.lo[1], runs.min(axis=0), rtol=1e-12)
    np.testing.assert_allclose(c.hi[1], runs.max(axis=0), rtol=1e-12)
    np.testing.assert_allclose(c.std[1], runs.std(axis=0), rtol=1e-9, atol=1e-300)
    assert (c.count == 3).all()
    assert c.final_loss.shape == (2, 3)


def test_compare_on_epochs_and_samples_puts_cheap_steps_where_they_belong():
    p = gdviz.problem("linear_regression")
    cfgs = [{"rule": "gd", "lr": 0.05}, {"rule": "gd", "lr": 0.05, "batch_size": 1}]
    c = sweeps.compare(p, cfgs, steps=40, x_axis="epoch", seeds=[0, 1])
    assert c.x[-1] == 40.0  # full batch: one epoch per step
    # stochastic GD saw 40 samples = 10 epochs: no values beyond
    last = np.flatnonzero(np.isfinite(c.mean[1]))[-1]
    assert c.x[last] <= 10.0 < c.x[last + 1]
    assert (c.count[1, last + 1 :] == 0).all()
    s = sweeps.compare(p, cfgs, steps=40, x_axis="samples", seeds=[0])
    assert s.x[-1] == 160.0


def test_compare_on_time_and_grad_evals():
    p = gdviz.problem("quadratic")
    c = sweeps.compare(
        p, [gdviz.optimizer("gd", lr=0.1), {"rule": "adam", "lr": 0.1}], steps=30, x_axis="time", seeds=[0, 1]
    )
    assert c.x[0] == 0.0 and c.x[-1] > 0 and np.all(np.diff(c.x) > 0)
    assert np.isfinite(c.mean[:, 0]).all()
    g = sweeps.compare(p, [{"rule": "gd", "lr": 0.1}], steps=30, x_axis="grad_evals")
    ref = gdviz.run(p, gdviz.optimizer("gd", lr=0.1), steps=30)
    np.testing.assert_allclose(np.interp(np.arange(31), g.x, g.mean[0]), ref.loss, rtol=1e-9)


def test_compare_cuts_diverged_seeds():
    p = gdviz.problem("quadratic", condition=10)
    c = sweeps.compare(p, [{"rule": "gd", "lr": 1.0}], steps=50)
    k = int(c.diverged[0, 0])
    assert k > 0
    assert np.isfinite(c.mean[0, :k]).all() and np.isnan(c.mean[0, k:]).all()


def test_tune_each_gives_each_rule_its_sweep_best_under_one_threshold():
    p = gdviz.problem("quadratic", condition=10)
    tuned = sweeps.tune_each(p, ["gd", {"rule": "momentum", "momentum": 0.5}, "adam"], steps=150)
    assert len({s.threshold for s in tuned.sweeps}) == 1
    for cfg, sw in zip(tuned.configs, tuned.sweeps, strict=True):
        assert cfg["lr"] == sw.best_lr
        alone = sweeps.lr_sweep(
            p,
            cfg["rule"],
            lrs=sweeps.QUICK_LRS,
            steps=150,
            threshold=sw.threshold,
            **({"momentum": 0.5} if cfg["rule"] == "momentum" else {}),
        )
        assert alone.best_lr == sw.best_lr
    assert tuned.configs[1]["momentum"] == 0.5 and tuned.untuned == ()


def test_tune_each_keeps_a_configuration_whose_every_lr_diverges():
    p = gdviz.problem("quadratic", condition=10)
    tuned = sweeps.tune_each(p, [{"rule": "gd", "lr": 0.7}], lrs=[1.0, 2.0], steps=50)
    assert tuned.untuned == (0,) and tuned.configs[0]["lr"] == 0.7


# --- validation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: sweeps.lr_sweep("nope"), "problem must be a gdviz Problem"),
        (lambda p: sweeps.lr_sweep(p, "sgdd"), "unknown optimizer 'sgdd'"),
        (lambda p: sweeps.lr_sweep(p, 3), "rule must be an update-rule name"),
        (lambda p: sweeps.lr_sweep(p, lrs=[0.1, -1]), "finite number > 0"),
        (lambda p: sweeps.lr_sweep(p, lrs=[[0.1]]), "1-D sequence"),
        (lambda p: sweeps.lr_sweep(p, lrs=[]), "1-D sequence of 1 to"),
        (lambda p: sweeps.lr_sweep(p, lrs=["a"]), "lrs must be numbers"),
        (lambda p: sweeps.lr_sweep(p, steps=0), "steps must be ≥ 1"),
        (lambda p: sweeps.lr_sweep(p, steps=10**6), f"steps must be ≤ {limits.MAX_STEPS}"),
        (lambda p: sweeps.lr_sweep(p, seed=-1), "seed must be ≥ 0"),
        (lambda p: sweeps.lr_sweep(p, threshold=float("nan")), "threshold must be a finite number"),
        (lambda p: sweeps.lr_sweep(p, batch_size=2), "has no data"),
        (lambda p: sweeps.lr_sweep(p, "adam", momentum=0.9), "unknown hyperparameter(s) 'momentum'"),
        (
            lambda p: sweeps.lr_sweep(p, gdviz.optimizer("gd", lr=gdviz.schedule("cosine"))),
            "must be a number here",
        ),
        (
            lambda p: sweeps.lr_sweep(p, lrs=np.geomspace(1e-4, 1, 4000), steps=3000),
            "above the limit",
        ),
        (lambda p: sweeps.lr_range_test(p, lr_min=1.0, lr_max=0.5), "lr_max must be > 1.0"),
        (lambda p: sweeps.lr_range_test(p, steps=5), "steps must be ≥ 10"),
        (lambda p: sweeps.lr_range_test(p, smoothing=1.0), "smoothing must be < 1"),
        (lambda p: sweeps.grid_sweep(p, x=("lr", [0.1]), y=("lr", [0.2])), "different axes"),
        (lambda p: sweeps.grid_sweep(p, x=("speed", [1])), "unknown x axis 'speed'; allowed: lr"),
        (lambda p: sweeps.grid_sweep(p, x=("lr",)), "pair (name, values)"),
        (
            lambda p: sweeps.grid_sweep(p, y=("batch_size", [1, 2])),
            "has no data, so batch_size cannot be an axis",
        ),
        (lambda p: sweeps.grid_sweep(p, x=("lr", [0.0, 1.0])), "every learning rate must be > 0"),
        (
            lambda p: sweeps.grid_sweep(p, "nesterov", y=("momentum", [0.0, 0.5])),
            "nesterov=True requires momentum > 0",
        ),
        (
            lambda p: sweeps.grid_sweep(
                p, x=("lr", np.geomspace(1e-3, 1, 100)), y=("momentum", np.linspace(0, 0.9, 60))
            ),
            f"at most {limits.MAX_RUNS:,} are allowed",
        ),
        (
            lambda p: sweeps.compare(p, [{"lr": 0.1}]),
            "must be an Optimizer or a mapping with at least 'rule'",
        ),
        (lambda p: sweeps.compare(p, {"rule": "gd"}), "must be a list of configurations"),
        (lambda p: sweeps.compare(p, []), "1 to 12 configurations"),
        (lambda p: sweeps.compare(p, ["gd"]), "mapping with at least 'rule'"),
        (lambda p: sweeps.compare(p, [{"rule": "gd"}], x_axis="wall"), "unknown x_axis 'wall'"),
        (lambda p: sweeps.compare(p, [{"rule": "gd"}], x_axis="epoch"), "needs a problem with data"),
        (lambda p: sweeps.compare(p, [{"rule": "gd"}], seeds=[-1]), "seeds must be a non-empty sequence"),
        (lambda p: sweeps.compare(p, [{"rule": "gd"}], seeds=[]), "seeds must be a non-empty sequence"),
        (lambda p: sweeps.compare(p, [{"rule": "gd", "lr": -1}]), "lr must be > 0"),
        (lambda p: sweeps.tune_each(p, []), "1 to 12 configurations"),
        (lambda p: sweeps.tune_each(p, {"rule": "gd"}), "list of rule names"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call, message):
    p = gdviz.problem("quadratic")
    with pytest.raises(ValueError) as err:
        call(p)
    assert message in str(err.value)


def test_batch_axis_and_batch_size_together_are_refused():
    p = gdviz.problem("linear_regression")
    with pytest.raises(ValueError, match="do not pass batch_size= as well"):
        sweeps.grid_sweep(p, "gd", y=("batch_size", [1, 2]), batch_size=2)
    with pytest.raises(ValueError, match="batch sizes must be whole numbers from 1 to n = 4"):
        sweeps.grid_sweep(p, "gd", y=("batch_size", [1, 5]))


def test_inputs_are_not_mutated():
    p = gdviz.problem("quadratic")
    lrs = np.array([0.3, 0.01, 0.1])
    start = np.array([1.0, 1.0])
    res = sweeps.lr_sweep(p, "gd", lrs=lrs, steps=10, start=start)
    assert lrs.tolist() == [0.3, 0.01, 0.1] and start.tolist() == [1.0, 1.0]
    assert res.lrs.tolist() == [0.01, 0.1, 0.3]
