"""The learning-rate scrub figure: every rate's path and loss curve are in the figure, one pair shown,
and each slider step shows exactly its own pair — so the browser switches without the server."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gdviz
from gdviz.figures.scrub import CUT, _cut, _name, frame_name, scrub_figure, steps_within
from gdviz.figures.spec import SpecFigure, payload_bytes
from gdviz.geometry.surfaces import slice_grid
from gdviz.ui.i18n import figure_labels
from gdviz.ui.race.scrub import lr_grid

WINDOW = ((-2.0, 2.0), (-1.0, 3.0))


@pytest.fixture(scope="module")
def family():
    p = gdviz.problem("rosenbrock")
    lrs, active = lr_grid(3e-4)
    rec = gdviz.run_many(
        p, gdviz.optimizer("gd", lr=lrs), steps=120, runs=len(lrs), start=np.array([-1.5, 2.0])
    )
    surface = slice_grid(p, window=WINDOW, resolution=40)
    return p, lrs, active, rec, surface


def _fig(family, active=None):
    _, lrs, a, rec, surface = family
    return scrub_figure(
        surface,
        lrs,
        rec.params,
        rec.loss,
        window=WINDOW,
        active=a if active is None else active,
        color="#0072B2",
        diverged=rec.diverged,
        minima=np.array([[1.0, 1.0]]),
        labels=figure_labels("en"),
    ).spec


def test_the_grid_holds_the_pages_rate_exactly_and_spans_two_decades():
    lrs, i = lr_grid(0.0123)
    assert lrs[i] == 0.0123 and len(lrs) == 41
    assert np.isclose(lrs[0], 0.00123) and np.isclose(lrs[-1], 0.123) and np.all(np.diff(lrs) > 0)


def test_each_slider_step_shows_its_own_frame_without_a_redraw(family):
    spec = _fig(family)
    _, lrs, active, rec, _ = family
    steps, frames = spec["layout"]["sliders"][0]["steps"], spec["frames"]
    assert len(steps) == len(frames) == len(lrs) and spec["layout"]["sliders"][0]["active"] == active
    assert len({f["name"] for f in frames}) == len(lrs), "one frame per rate, names distinct"
    for k, (step, frame) in enumerate(zip(steps, frames, strict=True)):
        assert step["method"] == "animate" and step["args"][0] == [frame["name"]]
        assert step["args"][1]["frame"]["redraw"] is False
        assert step["label"] == f"{lrs[k]:.3g}" and f"{lrs[k]:.3g}" in frame["data"][2]["text"][0]
        x = np.asarray(frame["data"][0]["x"], dtype=float)
        assert np.allclose(x, _cut(rec.params[:, k], WINDOW)[:, 0], atol=1e-6, equal_nan=True), k
        assert np.allclose(
            np.asarray(frame["data"][1]["y"], dtype=float), rec.loss[:, k], rtol=1e-6, equal_nan=True
        )
    names = [d["name"] for d in spec["data"]]
    moving = [names.index(n) for n in ("path", "loss", "note")]
    assert all(f["traces"] == moving for f in frames)
    shown = spec["data"][moving[0]]
    assert np.array_equal(np.asarray(shown["x"]), np.asarray(frames[active]["data"][0]["x"])), "opens at α"
    assert "minimum" in names, "the star stays"


def test_a_diverging_rate_says_where_and_visibly_leaves(family):
    spec = _fig(family)
    rec = family[3]
    assert rec.diverged[-1] >= 0, "10× the page's rate diverges on Rosenbrock"
    last = spec["frames"][-1]["data"]
    assert f"diverged at step {rec.diverged[-1]}" in last[2]["text"][0]
    far = np.asarray(last[0]["x"], dtype=float)
    assert np.nanmax(np.abs(far)) > 2, "the diverging path visibly leaves the window"
    assert np.nanmax(np.abs(far)) <= 2 + CUT * 4, "and is cut before it costs bytes far outside"


def test_a_path_is_cut_from_where_it_runs_away():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [100.0, 1.0], [0.5, 0.5], [np.inf, 0.0]])
    cut = _cut(path, WINDOW)
    assert np.array_equal(cut[:2], path[:2]) and np.isnan(cut[2:]).all()


def test_axes_are_fixed_and_the_loss_axis_is_log_for_positive_losses(family):
    layout = _fig(family)["layout"]
    assert layout["xaxis"]["range"] == [-2.0, 2.0] and layout["yaxis"]["range"] == [-1.0, 3.0]
    assert layout["yaxis2"]["type"] == "log" and len(layout["yaxis2"]["range"]) == 2


# --- a second knob: momentum or β₁ ------------------------------------------------------------------
MUS = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]  # the page's grid (gdviz.ui.race.scrub.SECOND_VALUES)


def _fig2(lrs, active, params, loss, **kw) -> dict:
    """The rate × μ scrub figure of a family over MUS, opening at μ = 0.9."""
    return scrub_figure(
        slice_grid(gdviz.problem("rosenbrock"), window=WINDOW, resolution=30),
        lrs,
        params,
        loss,
        window=WINDOW,
        active=active,
        color="#0072B2",
        labels=figure_labels("en"),
        second=("μ", MUS, 3),
        **kw,
    ).spec


@pytest.fixture(scope="module")
def family2():
    from gdviz.serve.tasks import lr_family

    lrs, active = lr_grid(3e-4, per_decade=10)
    params, loss, diverged = lr_family(
        recipe=("named", "rosenbrock", {}),
        run={"rule": "momentum", "hyper": {"lr": 3e-4, "momentum": 0.9}, "steps": 300},
        lrs=lrs.tolist(),
        grid=("momentum", MUS),
        progress=lambda f: None,
    )
    spec = _fig2(lrs, active, params, loss, diverged=diverged)
    return lrs, active, params, loss, spec


def test_the_family_over_two_knobs_is_each_run_on_its_own():
    """Run j·L + i of the vectorized family is exactly gdviz.run at rate i and value j (momentum and
    Adam's β₁, the value a per-run array)."""
    from gdviz.serve.tasks import lr_family

    lrs = [1e-4, 3e-4]  # none diverges: gdviz.run would stop there
    for rule, name, hyper, key in (
        ("momentum", "momentum", {"lr": 1e-3, "momentum": 0.9}, "momentum"),
        ("adam", "beta1", {"lr": 1e-3, "betas": (0.9, 0.999)}, "betas"),
    ):
        params, loss, _ = lr_family(
            recipe=("named", "rosenbrock", {}),
            run={"rule": rule, "hyper": hyper, "steps": 50, "start": (-1.5, 2.0)},
            lrs=lrs,
            grid=(name, [0.0, 0.7]),
            progress=lambda f: None,
        )
        assert params.shape[1] == 4
        for j, v in enumerate([0.0, 0.7]):
            for i, lr in enumerate(lrs):
                h = dict(hyper, lr=lr, **({key: (v, 0.999)} if key == "betas" else {key: v}))
                one = gdviz.run(
                    gdviz.problem("rosenbrock"),
                    gdviz.optimizer(rule, **h),
                    steps=50,
                    start=np.array([-1.5, 2.0]),
                )
                got = params[:, j * len(lrs) + i]
                assert np.allclose(got, one.params.astype(np.float32), rtol=1e-6, atol=1e-7), (rule, lr, v)
                assert np.allclose(loss[:, j * len(lrs) + i], one.loss, rtol=1e-9), (rule, lr, v)
    with pytest.raises(ValueError, match="only momentum and beta1"):
        lr_family(
            recipe=("named", "rosenbrock", {}),
            run={"rule": "gd", "hyper": {"lr": 1e-3}, "steps": 5},
            lrs=lrs,
            grid=("eps", [0.1]),
            progress=lambda f: None,
        )


def test_two_sliders_name_every_frame_of_the_grid_and_open_at_the_runs_own(family2):
    lrs, active, params, _, spec = family2
    s_lr, s_mu = spec["layout"]["sliders"]
    assert [st["value"] for st in s_lr["steps"]] == [_name(lr) for lr in lrs]
    assert [st["value"] for st in s_mu["steps"]] == [f"{v:g}" for v in MUS]
    assert all(st["method"] == "skip" for st in s_lr["steps"] + s_mu["steps"]), "the listener joins them"
    assert s_lr["active"] == active and s_mu["active"] == 3
    names = [f["name"] for f in spec["frames"]]
    assert len(names) == len(set(names)) == len(lrs) * len(MUS)
    L = len(lrs)
    for j, mu in enumerate(MUS):
        for i in (0, active, L - 1):
            frame = spec["frames"][j * L + i]
            assert (
                frame["name"]
                == frame_name(lrs[i], mu)
                == f"{s_lr['steps'][i]['value']}|{s_mu['steps'][j]['value']}"
            )
            note = frame["data"][2]["text"][0]
            assert f"α = {lrs[i]:.3g}" in note and f"μ = {mu:g}" in note
            x = np.asarray(frame["data"][0]["x"], dtype=float)
            assert np.allclose(
                x, _cut(params[:, j * L + i].astype(float), WINDOW)[:, 0], atol=1e-6, equal_nan=True
            )
            assert list(frame["data"][1]) == ["y"], "the loss curve's steps are sent once, in the trace"
    shown = spec["data"][[d["name"] for d in spec["data"]].index("path")]
    assert np.array_equal(np.asarray(shown["x"]), np.asarray(spec["frames"][3 * L + active]["data"][0]["x"]))
    # the sliders sit side by side under the two panels, not on top of each other
    assert s_lr["x"] + s_lr["len"] <= s_mu["x"] and s_lr["y"] == s_mu["y"]


def test_momentum_changes_what_the_path_does(family2):
    """What the caption says, on the paths the frames draw (Rosenbrock from its start, α = 3e-4,
    300 steps): raising μ carries the path further down the valley, until 0.99 overshoots and
    swings back and forth."""
    lrs, active, _, _, spec = family2
    L = len(lrs)
    path = next(i for i, d in enumerate(spec["data"]) if d["name"] == "path")
    drawn = []
    for j in range(len(MUS)):
        frame = spec["frames"][j * L + active]
        k = frame["traces"].index(path)
        drawn.append(np.column_stack([frame["data"][k]["x"], frame["data"][k]["y"]]).astype(float))
    ends = [np.linalg.norm(p[np.isfinite(p).all(1)][-1] - 1.0) for p in drawn]  # to the minimum (1, 1)
    assert all(a > b for a, b in itertools.pairwise(ends[:5])), ends  # 0 … 0.95: ever closer
    steps = np.diff(drawn[-1][np.isfinite(drawn[-1]).all(1)], axis=0)
    reversals = int(((steps[1:] * steps[:-1]).sum(1) < 0).sum())
    assert ends[-1] > ends[4] and reversals > 50, (ends, reversals)  # 0.99: overshoots, swings


def test_a_long_family_is_cut_to_what_one_chart_may_weigh():
    from gdviz.figures.scrub import FRAMES_BYTES

    assert steps_within(41, 300) == 300 and steps_within(21 * 6, 300) == 300, "the defaults fit whole"
    k = steps_within(41, 3000)
    assert 300 < k < 3000
    lrs, active = lr_grid(3e-4)
    rec = gdviz.run_many(gdviz.problem("rosenbrock"), gdviz.optimizer("gd", lr=lrs), steps=k, runs=len(lrs))
    surface = slice_grid(gdviz.problem("rosenbrock"), window=WINDOW, resolution=40)
    fig = scrub_figure(
        surface,
        lrs,
        rec.params,
        rec.loss,
        window=WINDOW,
        active=active,
        color="#000",
        labels=figure_labels("en"),
    )
    whole = payload_bytes(fig)
    frames = whole - payload_bytes(SpecFigure({**fig.spec, "frames": []}))
    assert frames <= FRAMES_BYTES * 1.05 and whole < 1_000_000, (frames, whole)


def test_on_a_phone_the_loss_curve_and_the_sliders_stack_under_the_contour(family2):
    lrs, active, params, loss, _ = family2
    spec = _fig2(lrs, active, params, loss, stacked=True)
    lay = spec["layout"]
    assert lay["xaxis"]["domain"] == [0, 1] == lay["xaxis2"]["domain"], "each the whole width"
    assert lay["yaxis2"]["domain"][1] < lay["yaxis"]["domain"][0], "the loss panel under the contour"
    s_lr, s_mu = lay["sliders"]
    assert s_lr["len"] == s_mu["len"] == 1.0 and s_lr["x"] == s_mu["x"] == 0.0
    assert 0 > s_lr["y"] > s_mu["y"], "one row each, the rate's first, below the plots"
    plot_px = lay["height"] - lay["margin"]["t"] - lay["margin"]["b"]
    assert (s_lr["y"] - s_mu["y"]) * plot_px >= 100, "a slider's row holds its value, rail and ticks"
    assert -s_mu["y"] * plot_px + 100 <= lay["margin"]["b"], "the sliders fit in the bottom margin"


@pytest.mark.parametrize(
    ("problem", "mom_lr", "adam_lr"), [("rosenbrock", 3e-4, 0.05), ("beale", 0.003, 0.05)]
)
def test_beta1_changes_the_drawn_path_far_less_than_mu(problem, mom_lr, adam_lr):
    """What the β₁ caption says, on the paths the frames draw at the page's grid (300 steps, the
    problem's start): over β₁ the paths' ends spread far less than over μ."""
    from gdviz.serve.tasks import lr_family
    from gdviz.ui.race.scrub import SECOND_VALUES

    p = gdviz.problem(problem)
    window = p.window
    surface = slice_grid(p, window=window, resolution=20)
    spread = {}
    for rule, lr, name, hyper in (
        ("momentum", mom_lr, "momentum", {"momentum": 0.9}),
        ("adam", adam_lr, "beta1", {"betas": (0.9, 0.999)}),
    ):
        lrs, active = lr_grid(lr, per_decade=10)
        params, loss, _ = lr_family(
            recipe=("named", problem, {}),
            run={"rule": rule, "hyper": dict(hyper, lr=lr), "steps": 300},
            lrs=lrs.tolist(),
            grid=(name, list(SECOND_VALUES)),
            progress=lambda f: None,
        )
        spec = scrub_figure(
            surface,
            lrs,
            params,
            loss,
            window=window,
            active=active,
            color="#000",
            labels=figure_labels("en"),
            second=("s", list(SECOND_VALUES), 3),
        ).spec
        path = next(i for i, d in enumerate(spec["data"]) if d["name"] == "path")
        ends = []
        for j in range(len(SECOND_VALUES)):
            frame = spec["frames"][j * len(lrs) + active]
            k = frame["traces"].index(path)
            xy = np.column_stack([frame["data"][k]["x"], frame["data"][k]["y"]]).astype(float)
            ends.append(xy[np.isfinite(xy).all(1)][-1])
        ends = np.asarray(ends)
        spread[rule] = float(np.max(np.linalg.norm(ends[:, None] - ends[None], axis=-1)))
    assert spread["adam"] < 0.25 * spread["momentum"], spread
