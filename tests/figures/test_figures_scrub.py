"""The learning-rate scrub figure: every rate's path and loss curve are in the figure, one pair shown,
and each slider step shows exactly its own pair — so the browser switches without the server."""

from __future__ import annotations

import numpy as np
import pytest

import gdviz
from gdviz.figures.scrub import CUT, _cut, scrub_figure
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
