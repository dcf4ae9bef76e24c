"""Learning-rate schedules: hand-computed values, torch.optim.lr_scheduler when installed, binding,
per-run base learning rates, the lr column of a run, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference_support import reference

from gdviz.optim import optimizer
from gdviz.optim.schedules import SCHEDULE_NAMES, Schedule, as_schedule, schedule
from gdviz.problems import problem
from gdviz.train import run

STEPS = np.arange(40)


# --- hand-computed values ------------------------------------------------------------------------
def test_constant():
    s = schedule("constant", lr=0.3)
    assert s(0) == 0.3 and s(1234) == 0.3 and isinstance(s(5), float)
    np.testing.assert_array_equal(s(STEPS), np.full(40, 0.3))


def test_step():
    s = schedule("step", lr=0.8, step_size=3, gamma=0.5)
    np.testing.assert_array_equal(s(np.arange(10)), [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1])
    # defaults: halve every 100 steps
    d = schedule("step", lr=1.0)
    assert d(99) == 1.0 and d(100) == 0.5 and d(250) == 0.25


def test_exponential():
    s = schedule("exponential", lr=2.0, gamma=0.5)
    np.testing.assert_array_equal(s(np.arange(5)), [2.0, 1.0, 0.5, 0.25, 0.125])
    assert schedule("exponential", lr=1.0)(10) == pytest.approx(0.99**10, rel=1e-15)


def test_cosine_closed_form_and_hold_after_t_max():
    lr, T, m = 0.2, 8, 0.25
    s = schedule("cosine", lr=lr, t_max=T, min_factor=m)
    t = np.arange(T + 1)
    expected = lr * (m + (1 - m) * 0.5 * (1 + np.cos(np.pi * t / T)))
    np.testing.assert_allclose(s(t), expected, rtol=1e-15)
    assert s(0) == pytest.approx(lr, rel=1e-15)
    assert s(T // 2) == pytest.approx(lr * (m + (1 - m) / 2), rel=1e-15)
    # after t_max the floor is held (torch's CosineAnnealingLR would climb back up)
    for k in (T, T + 1, 10 * T):
        assert s(k) == pytest.approx(lr * m, rel=1e-15)


def test_cosine_with_warmup():
    lr, T, w = 1.0, 10, 4
    s = schedule("cosine", lr=lr, t_max=T, warmup=w)
    got = s(np.arange(T + 1))
    np.testing.assert_allclose(got[:w], [0.25, 0.5, 0.75, 1.0], rtol=1e-15)
    # cosine from the end of the warm-up: full lr at t = w, zero at t = T
    tc = np.arange(T + 1 - w)
    np.testing.assert_allclose(got[w:], 0.5 * (1 + np.cos(np.pi * tc / (T - w))), rtol=1e-15, atol=1e-17)
    assert got[-1] == pytest.approx(0.0, abs=1e-17)


def test_inverse_time():
    s = schedule("inverse_time", lr=0.5, decay=0.25)
    np.testing.assert_allclose(s(np.arange(5)), 0.5 / (1 + 0.25 * np.arange(5)), rtol=1e-15)
    assert s(4) == 0.25
    assert schedule("inverse_time", lr=0.1)(100) == pytest.approx(0.1 / 2, rel=1e-15)
    # decay 0 is a constant
    np.testing.assert_array_equal(schedule("inverse_time", lr=0.1, decay=0)(STEPS), 0.1)
    # the 1/t decay satisfies Robbins–Monro: Σ αₜ diverges (grows like log t), Σ αₜ² stays bounded
    big = schedule("inverse_time", lr=1.0, decay=1.0)(np.arange(200_000))
    assert big.sum() > 12 and (big**2).sum() < math.pi**2 / 6 + 1e-9


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_every_schedule_starts_at_lr_and_never_increases_without_warmup(name):
    s = schedule(name, lr=0.1, **({"t_max": 30} if name == "cosine" else {}))
    values = s(np.arange(60))
    assert values[0] == pytest.approx(0.1, rel=1e-15)
    assert np.all(np.diff(values) <= 1e-18) and np.all(values >= 0)


def test_scalar_step_gives_a_float_array_step_an_array():
    s = schedule("exponential", lr=0.1, gamma=0.9)
    assert type(s(3)) is float
    assert s(np.arange(3)).shape == (3,)
    assert s(np.int64(3)) == s(3)


def test_per_run_base_lrs():
    lrs = np.array([0.1, 0.01, 1.0])
    s = schedule("step", lr=lrs, step_size=2, gamma=0.1)
    table = s(np.arange(5))
    assert table.shape == (5, 3)
    np.testing.assert_allclose(table, np.outer([1, 1, 0.1, 0.1, 0.01], lrs), rtol=1e-15)
    np.testing.assert_allclose(s(2), 0.1 * lrs, rtol=1e-15)
    assert schedule("constant", lr=[0.1, 0.2]).lr.tolist() == [0.1, 0.2]


# --- torch.optim.lr_scheduler --------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return reference("torch")


def _torch_lrs(torch, make, steps: int, lr: float) -> np.ndarray:
    """The lr torch's optimizer uses at update 0, 1, …: the scheduler stepped once after each update."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(torch.optim.lr_scheduler, opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


TORCH_CASES = {
    "step": (
        {"step_size": 7, "gamma": 0.3},
        lambda L, o: L.StepLR(o, step_size=7, gamma=0.3),
        50,
    ),
    "exponential": ({"gamma": 0.93}, lambda L, o: L.ExponentialLR(o, gamma=0.93), 50),
    "cosine": (
        {"t_max": 40, "min_factor": 0.1},
        lambda L, o: L.CosineAnnealingLR(o, T_max=40, eta_min=0.1 * 0.05),
        41,  # torch climbs back after T_max; gdviz holds the floor
    ),
    "cosine_warmup": (
        {"t_max": 40, "min_factor": 0.02, "warmup": 6},
        lambda L, o: L.SequentialLR(
            o,
            [
                # (t + 1)/w for t < w is LinearLR from 1/w reaching 1 after w − 1 steps
                L.LinearLR(o, start_factor=1 / 6, end_factor=1.0, total_iters=5),
                L.CosineAnnealingLR(o, T_max=40 - 6, eta_min=0.02 * 0.05),
            ],
            milestones=[6],
        ),
        41,
    ),
    "constant": ({}, lambda L, o: L.ConstantLR(o, factor=1.0, total_iters=0), 20),
}


@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_matches_torch_lr_scheduler(torch, case):
    options, make, steps = TORCH_CASES[case]
    lr = 0.05
    ours = schedule(case.removesuffix("_warmup"), lr=lr, **options)(np.arange(steps))
    # torch updates recursively (lr·γ·γ…), the closed form rounds once: equal to round-off
    np.testing.assert_allclose(ours, _torch_lrs(torch, make, steps, lr), rtol=1e-12, atol=1e-18)


# --- binding and use in a run --------------------------------------------------------------------
def test_bind_fills_lr_and_t_max_only_when_missing():
    s = schedule("cosine", warmup=3)
    b = s.bind(0.2, 50)
    assert b.lr == 0.2 and dict(b.params)["t_max"] == 50 and dict(b.params)["warmup"] == 3
    assert s.lr is None and dict(s.params)["t_max"] is None  # binding returns a new schedule
    own = schedule("cosine", lr=0.5, t_max=20).bind(0.2, 50)
    assert own.lr == 0.5 and dict(own.params)["t_max"] == 20
    # a run shorter than the warm-up still gets a valid cosine horizon
    assert dict(schedule("cosine", warmup=10).bind(0.1, 5).params)["t_max"] == 11


@pytest.mark.parametrize(
    "sched",
    [
        schedule("constant"),
        schedule("step", step_size=4, gamma=0.7),
        schedule("exponential", gamma=0.95),
        schedule("cosine"),
        schedule("cosine", warmup=5, min_factor=0.1),
        schedule("inverse_time", decay=0.2),
    ],
    ids=lambda s: f"{s.name}{dict(s.params)}",
)
def test_a_schedule_in_run_is_the_lr_column(sched):
    p = problem("rosenbrock")
    rec = run(p, optimizer("adam", lr=0.05), steps=30, schedule=sched)
    np.testing.assert_array_equal(rec.lr, sched.bind(0.05, 30)(np.arange(30)))
    if sched.name == "cosine" and dict(sched.params)["min_factor"] == 0:
        # the horizon defaults to the run's length: the last step's lr is the smallest, above 0
        assert 0 < rec.lr[-1] < rec.lr[-2]


def test_unbound_schedule_call_raises():
    with pytest.raises(ValueError, match="unbound: give it an lr"):
        schedule("step")(3)
    with pytest.raises(ValueError, match=r"unbound: give it an lr \(and t_max\)"):
        schedule("cosine", lr=0.1)(3)
    assert schedule("cosine", lr=0.1).bind(None, 10)(0) == pytest.approx(0.1)


def test_as_schedule():
    s = as_schedule(0.3)
    assert isinstance(s, Schedule) and s.name == "constant" and s(7) == 0.3

    def f(k):
        return 0.1

    assert as_schedule(f) is f
    with pytest.raises(ValueError, match="lr must be > 0"):
        as_schedule(0.0)


# --- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: schedule("cosin"),
            r"unknown schedule 'cosin'; allowed: constant, step, exponential, cosine",
        ),
        (lambda: schedule("step", gama=0.5), r"unknown option\(s\) \['gama'\]; allowed: step_size, gamma"),
        (lambda: schedule("constant", gamma=0.5), r"unknown option\(s\) \['gamma'\]; allowed: none"),
        (lambda: schedule("step", step_size=0), r"step_size must be ≥ 1"),
        (lambda: schedule("step", step_size=2.5), r"step_size must be a whole number"),
        (lambda: schedule("step", gamma=0.0), r"gamma must be > 0"),
        (lambda: schedule("exponential", gamma=1.5), r"gamma must be ≤ 1"),
        (lambda: schedule("exponential", gamma=np.nan), r"gamma must be a finite number"),
        (lambda: schedule("cosine", t_max=0), r"t_max must be ≥ 1"),
        (lambda: schedule("cosine", min_factor=1.5), r"min_factor must be ≤ 1"),
        (lambda: schedule("cosine", warmup=-1), r"warmup must be ≥ 0"),
        (
            lambda: schedule("cosine", t_max=10, warmup=10),
            r"warmup must be smaller than t_max \(10\), got 10",
        ),
        (lambda: schedule("inverse_time", decay=-0.1), r"decay must be ≥ 0"),
        (lambda: schedule("constant", lr=0.0), r"lr must be > 0"),
        (lambda: schedule("constant", lr=np.inf), r"lr must be a finite number"),
        (lambda: schedule("constant", lr="0.1"), r"lr must be a number"),
        (lambda: schedule("constant", lr=[0.1, 0.0]), r"lr\[1\] must be > 0"),
        (lambda: schedule("constant", lr=np.ones((2, 2))), r"lr must be a number or a 1-D array"),
    ],
)
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()
