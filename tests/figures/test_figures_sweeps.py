"""Sweep figures: valid Plotly (every property checked by Plotly's own validator), strict JSON (no NaN
or infinity), and they show what they claim: the unstable region, the limit line, the best value, a
clickable cell per heatmap cell, a band per stochastic configuration."""

from __future__ import annotations

import functools
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from figure_support import english

import gdviz
from gdviz.analysis import sweeps
from gdviz.figures import sweeps as sweep_figures
from gdviz.figures.sweeps import CELL_GRID_NAME

# The figures as the page builds them: with its English texts.
LAB = english(sweep_figures)
sweep_figure = functools.partial(sweep_figures.sweep_figure, labels=LAB)
range_test_figure = functools.partial(sweep_figures.range_test_figure, labels=LAB)
heatmap_figure = functools.partial(sweep_figures.heatmap_figure, labels=LAB)
comparison_figure = functools.partial(sweep_figures.comparison_figure, labels=LAB)


def strict_json(fig) -> dict:
    spec = fig.to_dict()
    text = json.dumps(spec, allow_nan=False)  # raises on NaN / inf
    go.Figure(spec)  # Plotly validates every property name and value
    return json.loads(text)


@pytest.fixture(scope="module")
def quad():
    return gdviz.problem("quadratic", condition=10)


@pytest.fixture(scope="module")
def sweep(quad):
    return sweeps.lr_sweep(quad, "gd", steps=200)


def test_sweep_figure_marks_divergence_limit_and_best(sweep):
    spec = strict_json(sweep_figure(sweep, min_loss=0.0))
    shapes = spec["layout"]["shapes"]
    rects = [s for s in shapes if s["type"] == "rect"]
    lines = [s for s in shapes if s["type"] == "line"]
    assert rects, "the unstable region is shaded"
    # the shading starts between the last stable and the first unstable learning rate
    lo, hi = sweep.boundary
    assert lo < rects[-1]["x0"] < hi and rects[-1]["x1"] >= sweep.lrs[-1]
    assert len(lines) == 1 and lines[0]["x0"] == pytest.approx(0.2, rel=1e-5)
    names = [d.get("name") for d in spec["data"]]
    assert LAB["best"].format(lr=f"{sweep.best_lr:.3g}") in names
    star = next(d for d in spec["data"] if d.get("name", "").startswith("best"))
    assert star["x"] == [pytest.approx(sweep.best_lr, rel=1e-5)]
    # steps to threshold sit on the lower panel
    assert any(d.get("yaxis") == "y2" for d in spec["data"])
    assert spec["layout"]["xaxis"]["type"] == spec["layout"]["yaxis"]["type"] == "log"


def test_sweep_figure_without_limit_or_best():
    p = gdviz.problem("quadratic", condition=10)
    res = sweeps.lr_sweep(p, "gd", lrs=[1.0, 2.0], steps=30)  # every run diverges
    spec = strict_json(sweep_figure(res, min_loss=0.0))
    assert not any(d.get("name", "").startswith("best") for d in spec["data"])
    adam = sweeps.lr_sweep(p, "adam", lrs=np.geomspace(1e-3, 1, 8), steps=30)
    spec = strict_json(sweep_figure(adam))
    assert not [s for s in spec["layout"]["shapes"] if s["type"] == "line"]


def test_sweep_figure_uses_the_labels_it_is_given(sweep):
    spec = strict_json(sweep_figure(sweep, labels={**LAB, "lr": "学习率 α"}, limit_label="2/λ_max ≈ 0.2"))
    assert spec["layout"]["xaxis2"]["title"]["text"] == "学习率 α"
    assert spec["layout"]["annotations"][0]["text"] == "2/λ_max ≈ 0.2"


def test_range_test_figure(quad):
    rt = sweeps.lr_range_test(quad, "gd")
    spec = strict_json(range_test_figure(rt, min_loss=0.0, limit=0.2))
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert LAB["suggested"].format(lr=f"{rt.suggested_lr:.3g}") in texts
    assert len(spec["layout"]["shapes"]) == 4  # suggested, lowest, steepest, limit
    assert len(spec["data"][0]["x"]) == rt.lrs.size


def test_range_test_figure_on_negative_losses():
    rt = sweeps.lr_range_test(gdviz.problem("six_hump_camel"), "adam", lr_min=1e-4, lr_max=1.0, steps=100)
    strict_json(range_test_figure(rt))


@pytest.mark.parametrize("metric", ["final_loss", "steps", "diverged"])
def test_heatmap_has_one_clickable_marker_per_cell(quad, metric):
    g = sweeps.grid_sweep(
        quad, "momentum", x=("lr", np.geomspace(1e-3, 3, 12)), y=("momentum", [0, 0.5, 0.9]), steps=80
    )
    spec = strict_json(heatmap_figure(g, metric=metric, min_loss=0.0))
    cells = next(d for d in spec["data"] if d.get("name") == CELL_GRID_NAME)
    assert len(cells["x"]) == 36
    assert {(x, y) for x, y in zip(cells["x"], cells["y"], strict=True)} == {
        (c, r) for r in range(3) for c in range(12)
    }
    heat = spec["data"][0]
    assert heat["type"] == "heatmap" and len(heat["z"]) == 3 and len(heat["z"][0]) == 12
    if metric != "diverged":
        # unstable cells are blank and carry a ×
        r, c = np.argwhere(g.unstable)[0]
        assert heat["z"][r][c] is None
        assert any(d.get("name") == LAB["unstable"] for d in spec["data"])
    best = next(d for d in spec["data"] if d.get("name", "").startswith("best"))
    assert (best["y"][0], best["x"][0]) == g.best
    # decade ticks between cells on the log-spaced lr axis
    assert spec["layout"]["xaxis"]["ticktext"][0] == "10⁻³"


def test_heatmap_batch_size_axis():
    p = gdviz.problem("linear_regression")
    g = sweeps.grid_sweep(p, "gd", x=("lr", np.geomspace(1e-3, 1, 5)), y=("batch_size", [1, 2, 4]), steps=30)
    spec = strict_json(heatmap_figure(g, metric="steps", min_loss=p.min_loss))
    assert spec["layout"]["yaxis"]["ticktext"] == ["1", "2", "4"]


def test_heatmap_rejects_unknown_metric(quad):
    g = sweeps.grid_sweep(quad, "momentum", x=("lr", [0.1]), y=("momentum", [0.5]), steps=5)
    with pytest.raises(ValueError, match="unknown metric 'loss'; allowed: final_loss, steps, diverged"):
        heatmap_figure(g, metric="loss")


def test_comparison_figure_bands_and_gaps():
    p = gdviz.problem("linear_regression")
    cfgs = [
        {"rule": "gd", "lr": 0.05},
        {"rule": "gd", "lr": 0.05, "batch_size": 1},
        {"rule": "gd", "lr": 2.0},
    ]
    c = sweeps.compare(p, cfgs, steps=60, x_axis="epoch", seeds=[0, 1, 2])
    spec = strict_json(comparison_figure(c, min_loss=p.min_loss))
    bands = [d for d in spec["data"] if d.get("fill") == "toself"]
    lines = [d for d in spec["data"] if d.get("fill") is None]
    assert [d["name"] for d in lines] == list(c.labels)
    assert len(bands) == 3
    # the stochastic run stops at 15 epochs, the diverged one where it blew up
    assert max(lines[1]["x"]) <= 15.0
    assert len(lines[2]["x"]) < len(lines[0]["x"])
    assert spec["layout"]["yaxis"]["type"] == "log"
    one = sweeps.compare(p, cfgs[:1], steps=10)
    spec = strict_json(comparison_figure(one, log_y=False))
    assert not [d for d in spec["data"] if d.get("fill") == "toself"], "no band for a single seed"
    assert spec["layout"]["yaxis"].get("type") is None
