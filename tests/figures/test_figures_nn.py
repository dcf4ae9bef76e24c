"""Figures of the neural-network page, read as Plotly.js receives them (serialized JSON): the animated
decision boundary (its PNG frames decoded pixel by pixel against the network's own predictions),
the 0.5 level line, the learning curves and the loss landscapes.
"""

from __future__ import annotations

import base64
import functools
import json
import math

import numpy as np
import plotly.io as pio
import pytest
from figure_support import english
from png_support import decode_data_url

import gdviz
from gdviz.figures import network
from gdviz.figures.network import (
    CLASS_COLORS,
    LEVELS,
    RUN_COLORS,
    BoundaryRun,
    CurveRun,
    LandscapePanel,
    diverging_scale,
    level_lines,
    output_color,
    output_rgba,
    signed_output,
)
from gdviz.geometry.landscape import pca_plane, random_plane
from gdviz.problems.mlp import mlp

STEP_GROUP = "steps"
# The figures as the page builds them: with its English texts.
LAB = english(network)
boundary_figure = functools.partial(network.boundary_figure, labels=LAB)
curves_figure = functools.partial(network.curves_figure, labels=LAB)
landscape_figure = functools.partial(network.landscape_figure, labels=LAB)
landscape3d_figure = functools.partial(network.landscape3d_figure, labels=LAB)


# --- helpers --------------------------------------------------------------------------------------------
def _reject_constant(token: str):
    raise AssertionError(f"non-finite number {token} in the figure JSON")


def spec_of(fig) -> dict:
    return json.loads(pio.to_json(fig.to_dict(), validate=False), parse_constant=_reject_constant)


_DTYPES = {"f4": "<f4", "f8": "<f8", "i1": "i1", "u1": "u1", "i2": "<i2", "i4": "<i4"}


def arr(v) -> np.ndarray:
    """A data array from the spec: a JSON list (None → NaN) or a Plotly typed array {dtype, bdata}."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=_DTYPES[v["dtype"]]).astype(float)
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.array([math.nan if a is None else a for a in v], dtype=float)


@pytest.fixture(scope="module")
def trained():
    """A small trained network, its frames on a grid, and the figure built from them."""
    p = mlp(dataset="moons", n=200, hidden=(8, 8), activation="tanh")
    rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.02), steps=300, batch_size=32)
    steps = np.array([0, 10, 50, 150, 300])
    gx = np.linspace(-2.8, 2.9, 40)
    gy = np.linspace(-1.9, 1.7, 31)
    xy = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    grids = p.predict(rec.params[steps], xy).reshape(len(steps), len(gy), len(gx))
    return p, rec, steps, gx, gy, grids


def _boundary(p, steps, gx, gy, grids, n_runs=1, task=None, **kw):
    runs = [BoundaryRun(f"run {k}", grids, [f"step {s}" for s in steps]) for k in range(n_runs)]
    return boundary_figure(
        runs,
        x=gx,
        y=gy,
        steps=steps,
        task=task or p.task,
        X_train=p.X_train,
        y_train=p.y_train,
        X_test=p.X_test,
        y_test=p.y_test,
        **kw,
    )


# --- colours and images -----------------------------------------------------------------------------------
def test_output_colors_are_white_at_even_odds_and_the_class_colours_towards_certainty():
    white = output_color(0.0)
    assert np.allclose(white, 255)
    c0 = np.array([int(CLASS_COLORS[0][i : i + 2], 16) for i in (1, 3, 5)])
    c1 = np.array([int(CLASS_COLORS[1][i : i + 2], 16) for i in (1, 3, 5)])
    # full certainty moves 60 % of the way from white to the class colour, in the class's direction
    for t, c in ((-1.0, c0), (1.0, c1)):
        d = output_color(t) - white
        assert np.allclose(d / np.linalg.norm(d), (c - 255) / np.linalg.norm(c - 255))
    assert np.allclose(output_color(5.0), output_color(1.0)), "outputs beyond the scale are clipped"
    assert np.allclose(signed_output(np.array([0.0, 0.5, 1.0]), "classification"), [-1, 0, 1])
    assert np.allclose(signed_output(np.array([-2.0, 1.0]), "regression", vmax=2.0), [-1, 0.5])


def test_diverging_scale_matches_the_image_colours():
    scale = diverging_scale(11)
    assert scale[0][0] == 0.0 and scale[-1][0] == 1.0 and len(scale) == 11
    for pos, rgb in scale:
        expect = np.round(output_color(2 * pos - 1)).astype(int)
        assert rgb == f"rgb({expect[0]},{expect[1]},{expect[2]})"


def test_output_rgba_puts_the_largest_y_on_top_and_nan_transparent():
    z = np.array([[0.0, 0.0], [1.0, np.nan]])  # row 0 is the smallest y
    img = output_rgba(z, "classification")
    assert img.shape == (2, 2, 4)
    assert np.array_equal(img[1, 0, :3], np.round(output_color(-1.0)).astype(np.uint8)), "bottom row = y[0]"
    assert np.array_equal(img[0, 0, :3], np.round(output_color(1.0)).astype(np.uint8))
    assert img[0, 1, 3] == 0 and (img[1, :, 3] == 255).all()


# --- the 0.5 level --------------------------------------------------------------------------------------------
def test_level_lines_of_a_circle_is_one_closed_loop_on_the_circle():
    g = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(g, g)
    xs, ys = level_lines(g, g, X**2 + Y**2, 1.0)
    assert not np.isnan(xs).any(), "one loop, no gaps"
    assert (xs[0], ys[0]) == (xs[-1], ys[-1]), "the loop closes"
    r = np.hypot(xs, ys)
    assert np.abs(r - 1).max() < 0.01
    # it goes round: every direction is covered
    ang = np.sort(np.arctan2(ys, xs))
    assert np.diff(ang).max() < 0.2


def test_level_lines_of_a_plane_is_exact_and_open():
    x = np.linspace(0, 1, 11)
    y = np.linspace(0, 2, 7)
    z = np.broadcast_to(x, (7, 11)) + 0.0
    xs, ys = level_lines(x, y, z, 0.437)
    assert np.allclose(xs, 0.437)
    assert np.allclose(np.sort(ys), y)


def test_level_lines_skips_nan_cells_and_splits_the_curve():
    g = np.linspace(-1, 1, 21)
    X, _ = np.meshgrid(g, g)
    z = X.copy()
    z[10, :] = np.nan  # a row of holes cuts the vertical line x = 0 in two
    xs, ys = level_lines(g, g, z, 0.0)
    gaps = np.isnan(xs)
    assert gaps.sum() == 1 and np.isnan(ys[gaps]).all()
    assert np.allclose(xs[~gaps], 0.0)
    assert level_lines(g, g, np.full((21, 21), np.nan), 0.0)[0].size == 0


def _polylines(xs, ys):
    cut = np.flatnonzero(np.isnan(xs))
    return [np.column_stack(p) for p in zip(np.split(xs, cut), np.split(ys, cut), strict=True)]


def test_level_lines_lie_on_the_level_set_and_end_on_the_border_or_close():
    # a wavy surface: several open and closed pieces of one level
    gx, gy = np.linspace(-3, 3, 31), np.linspace(-2, 2.5, 24)
    X, Y = np.meshgrid(gx, gy)
    z = np.sin(1.7 * X) * np.cos(1.3 * Y) + 0.2 * X
    level = 0.6  # five pieces, one of them closed
    xs, ys = level_lines(gx, gy, z, level)
    assert np.array_equal(np.isnan(xs), np.isnan(ys))
    lines = [line[~np.isnan(line[:, 0])] for line in _polylines(xs, ys)]
    assert len(lines) >= 3 and all(len(line) >= 2 for line in lines)
    pts = np.vstack(lines)
    # every vertex is where the grid's linear interpolation along an edge crosses the level
    for px, py in pts:
        j, i = np.abs(gx - px).argmin(), np.abs(gy - py).argmin()
        on_col = np.isclose(gx[j], px, rtol=0, atol=1e-12)
        on_row = np.isclose(gy[i], py, rtol=0, atol=1e-12)
        assert on_col or on_row, (px, py)
        if on_row:
            z_at = np.interp(px, gx, z[i])
        else:
            z_at = np.interp(py, gy, z[:, j])
        assert z_at == pytest.approx(level, abs=1e-9)
    # consecutive vertices share a cell: the curve never jumps
    cell = np.array([gx[1] - gx[0], gy[1] - gy[0]])
    for line in lines:
        assert (np.abs(np.diff(line, axis=0)) <= cell * (1 + 1e-9)).all()
        # a piece either closes on itself or ends on the grid's border at both ends
        closed = np.array_equal(line[0], line[-1])
        ends = line[[0, -1]]
        on_border = np.isclose(ends[:, 0], gx[[0, -1]][:, None]).any(axis=0) | np.isclose(
            ends[:, 1], gy[[0, -1]][:, None]
        ).any(axis=0)
        assert closed or on_border.all()
    assert any(np.array_equal(line[0], line[-1]) for line in lines), "this level has a closed piece"


def test_level_lines_resolves_saddles_without_crossing_lines():
    # z = x·y: the level 0.01 is two hyperbola branches that must not be joined through the saddle
    g = np.linspace(-1, 1, 20)  # even count: the saddle point falls inside a cell
    X, Y = np.meshgrid(g, g)
    xs, ys = level_lines(g, g, X * Y, 0.01)
    ok = ~np.isnan(xs)
    assert (xs[ok] * ys[ok] > 0).all(), "every point on the curve x·y = 0.01 has x, y of one sign"
    assert np.isnan(xs).sum() == 1, "two branches"


# --- the boundary figure ---------------------------------------------------------------------------------------
def test_boundary_image_matches_predict_at_sample_pixels(trained):
    p, rec, steps, gx, gy, grids = trained
    spec = spec_of(_boundary(p, steps, gx, gy, grids))
    rng = np.random.default_rng(1)
    for f, frame in enumerate(spec["frames"]):
        (image,) = frame["layout"]["images"]
        img = decode_data_url(image["source"])
        assert img.shape == (len(gy), len(gx), 4)
        # pixel centres sit on the grid points
        w, h = image["sizex"] / len(gx), image["sizey"] / len(gy)
        assert np.allclose(image["x"] + (np.arange(len(gx)) + 0.5) * w, gx)
        assert np.allclose(image["y"] - (np.arange(len(gy)) + 0.5) * h, gy[::-1])
        for _ in range(25):
            i, j = rng.integers(len(gy)), rng.integers(len(gx))
            point = np.array([[image["x"] + (j + 0.5) * w, image["y"] - (i + 0.5) * h]])
            prob = p.predict(rec.params[steps[f]], point)[0]
            t = np.round((2 * prob - 1) * LEVELS) / LEVELS
            assert np.abs(img[i, j, :3].astype(float) - output_color(t)).max() <= 1.0, (f, i, j)
            assert img[i, j, 3] == 255


def test_boundary_line_lies_where_the_network_says_one_half(trained):
    p, rec, steps, gx, gy, grids = trained
    spec = spec_of(_boundary(p, steps, gx, gy, grids))
    last = spec["frames"][-1]
    line = last["data"][0]
    xs, ys = arr(line["x"]), arr(line["y"])
    ok = ~np.isnan(xs)
    assert ok.sum() > 20
    prob = p.predict(rec.params[steps[-1]], np.stack([xs[ok], ys[ok]], axis=1))
    # crossings interpolated on the logit: within a few hundredths even on this coarse 40 × 31 grid
    assert np.abs(prob - 0.5).max() < 0.08
    assert np.median(np.abs(prob - 0.5)) < 0.005


def test_boundary_frames_slider_and_opening_state(trained):
    p, _, steps, gx, gy, grids = trained
    spec = spec_of(_boundary(p, steps, gx, gy, grids, n_runs=2))
    frames = spec["frames"]
    assert [f["name"] for f in frames] == [str(s) for s in steps]
    assert all(f["group"] == STEP_GROUP for f in frames)
    assert all(len(f["layout"]["images"]) == 2 for f in frames), "one image per run in every frame"
    assert {im["xref"] for im in frames[0]["layout"]["images"]} == {"x", "x2"}
    # only scatter traces move (anything else would vanish on Play)
    moving = frames[0]["traces"]
    assert all(spec["data"][i]["type"] == "scatter" for i in moving)
    # the figure opens on the trained network: the last frame's data and images
    assert spec["layout"]["images"] == frames[-1]["layout"]["images"]
    for i, d in zip(moving, frames[-1]["data"], strict=True):
        for k, v in d.items():
            assert spec["data"][i][k] == v
    slider = spec["layout"]["sliders"][0]
    assert slider["active"] == len(steps) - 1
    assert [s["args"][0][0] for s in slider["steps"]] == [str(s) for s in steps]
    play = spec["layout"]["updatemenus"][0]["buttons"][0]
    assert play["args"][0] == STEP_GROUP and play["args"][1]["frame"]["redraw"] is False
    captions = [d["text"][0] for d in frames[2]["data"] if "text" in d]
    assert captions == [f"<b>run {k}</b><br>step {steps[2]}" for k in range(2)]


def test_boundary_under_a_lesson_opens_on_step_0_not_on_the_answer(trained):
    p, _, steps, gx, gy, grids = trained
    spec = spec_of(_boundary(p, steps, gx, gy, grids, n_runs=2, open_at_start=True))
    frames = spec["frames"]
    assert spec["layout"]["images"] == frames[0]["layout"]["images"] != frames[-1]["layout"]["images"]
    for i, d in zip(frames[0]["traces"], frames[0]["data"], strict=True):
        for k, v in d.items():
            assert spec["data"][i][k] == v
    assert spec["layout"]["sliders"][0]["active"] == 0
    captions = [d["text"][0] for d in spec["data"] if "text" in d and isinstance(d["text"], list)]
    assert captions == [f"<b>run {k}</b><br>step 0" for k in range(2)]


def test_boundary_points_train_filled_test_hollow(trained):
    p, _, steps, gx, gy, grids = trained
    spec = spec_of(_boundary(p, steps, gx, gy, grids))
    pts = [d for d in spec["data"] if d.get("mode") == "markers"]
    assert len(pts) == 4
    n_train = sum(len(arr(d["x"])) for d in pts if d["marker"]["line"]["color"] == "white")
    n_test = sum(len(arr(d["x"])) for d in pts if d["marker"]["line"]["color"] != "white")
    assert (n_train, n_test) == (len(p.y_train), len(p.y_test))
    colors = {d["marker"]["color"] for d in pts if d["marker"]["line"]["color"] == "white"}
    assert colors == set(CLASS_COLORS)


def test_regression_fit_colours_points_by_target_and_draws_no_boundary():
    p = mlp(dataset="wave", n=150, hidden=(6,))
    gx = np.linspace(-3, 3, 20)
    xy = np.stack(np.meshgrid(gx, gx), axis=-1).reshape(-1, 2)
    grids = p.predict(p.start[None], xy).reshape(1, 20, 20)
    spec = spec_of(_boundary(p, [0], gx, gx, grids))
    assert not [d for d in spec["data"] if d.get("mode") == "lines"]
    pts = [d for d in spec["data"] if d.get("mode") == "markers"]
    vmax = float(np.abs(np.concatenate([p.y_train, p.y_test])).max())
    assert all(d["marker"]["cmax"] == pytest.approx(vmax) for d in pts)
    assert np.allclose(arr(pts[0]["marker"]["color"]), p.y_train, atol=1e-6)
    img = decode_data_url(spec["frames"][0]["layout"]["images"][0]["source"])
    # top-left pixel = the grid's first column, last row
    t = np.round(np.clip(grids[0, -1, 0] / vmax, -1, 1) * LEVELS) / LEVELS
    assert np.abs(img[0, 0, :3] - output_color(t)).max() <= 1.0


def test_boundary_figure_with_diverged_outputs_stays_finite(trained):
    p, _, steps, gx, gy, grids = trained
    bad = grids.copy()
    bad[-1, :5] = np.nan
    spec = spec_of(_boundary(p, steps, gx, gy, bad))
    img = decode_data_url(spec["frames"][-1]["layout"]["images"][0]["source"])
    assert (img[-5:, :, 3] == 0).all() and (img[:-5, :, 3] == 255).all()


def test_boundary_figure_rejects_mismatched_frames(trained):
    p, _, steps, gx, gy, grids = trained
    with pytest.raises(ValueError, match="grids must have shape"):
        _boundary(p, steps[:-1], gx, gy, grids)


def test_default_height_follows_the_data_aspect(trained):
    p, _, steps, gx, gy, grids = trained
    one = spec_of(_boundary(p, steps, gx, gy, grids, n_runs=1))["layout"]["height"]
    two = spec_of(_boundary(p, steps, gx, gy, grids, n_runs=2))["layout"]["height"]
    assert two < one, "two panels side by side are narrower, so shorter"


# --- curves -------------------------------------------------------------------------------------------------------
def _curve_runs(p, rec, n=2):
    idx = np.arange(0, len(rec.params), 10)
    m = p.metrics(rec.params[idx])
    return [
        CurveRun(
            f"run {k}",
            RUN_COLORS[k],
            idx,
            m.train_loss,
            m.test_loss,
            m.train_accuracy,
            m.test_accuracy,
            p.weight_norm(rec.params[idx]),
        )
        for k in range(n)
    ]


def test_curves_have_loss_accuracy_and_weight_norm_panels(trained):
    p, rec, *_ = trained
    runs = _curve_runs(p, rec)
    spec = spec_of(curves_figure(runs))
    assert [a["text"] for a in spec["layout"]["annotations"]] == [
        "Loss (solid: train, dotted: test)",
        "Accuracy (solid: train, dotted: test)",
        "Weight norm ‖W‖",
    ]
    by_axis = {}
    for d in spec["data"]:
        by_axis.setdefault(d["yaxis"], []).append(d)
    assert [len(by_axis[a]) for a in ("y", "y2", "y3")] == [4, 4, 2]
    assert np.allclose(arr(by_axis["y"][0]["y"]), runs[0].train_loss, rtol=1e-6)
    assert by_axis["y"][1]["line"]["dash"] == "dot"
    assert np.allclose(arr(by_axis["y3"][0]["y"]), runs[0].weight_norm, rtol=1e-6)
    ya = spec["layout"]["yaxis"]
    assert ya["type"] == "log"
    both = np.concatenate([runs[0].train_loss, runs[0].test_loss])
    lo, hi = both.min(), both.max()
    assert all(lo / 1.001 <= v <= hi * 1.001 for v in ya["tickvals"])
    assert spec["layout"]["yaxis2"]["range"] == [0.0, 1.02]


def test_curves_for_regression_without_test_set_have_two_panels():
    p = mlp(dataset="wave", n=60, test_fraction=0, hidden=(4,))
    rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.05), steps=30)
    m = p.metrics(rec.params)
    assert m.test_loss is None and m.train_accuracy is None
    run = CurveRun(
        "r", RUN_COLORS[0], np.arange(31), m.train_loss, None, None, None, p.weight_norm(rec.params)
    )
    spec = spec_of(curves_figure([run], log_loss=False))
    assert len(spec["layout"]["annotations"]) == 2 and len(spec["data"]) == 2
    assert "type" not in spec["layout"]["yaxis"]


def test_curves_drop_nonpositive_losses_on_a_log_axis():
    run = CurveRun("r", "#000", np.arange(3), np.array([1.0, 0.0, np.nan]), None, None, None, np.ones(3))
    spec = spec_of(curves_figure([run]))
    y = arr(spec["data"][0]["y"])
    assert y[0] == 1.0 and np.isnan(y[1:]).all()


# --- landscapes -----------------------------------------------------------------------------------------------------
def test_random_plane_figure_shows_the_loss_of_the_final_weights_at_its_centre(trained):
    p, rec, *_ = trained
    final = rec.params[-1]
    land = random_plane(p, final, resolution=21, span=0.5)
    panel = LandscapePanel(
        "A", RUN_COLORS[0], land.surface.x, land.surface.y, land.surface.z, float(p.loss(final))
    )
    spec = spec_of(landscape_figure([panel], kind="random"))
    contour = spec["data"][0]
    assert contour["type"] == "contour" and contour["coloraxis"] == "coloraxis"
    z = np.array([[math.nan if v is None else v for v in row] for row in contour["z"]])
    assert z.shape == (21, 21)
    assert z[10, 10] == pytest.approx(math.log10(p.loss(final)), abs=1e-4)
    assert float(contour["text"][10][10]) == pytest.approx(p.loss(final), rel=1e-3)
    star = next(d for d in spec["data"] if d.get("marker", {}).get("symbol") == "star")
    assert (star["x"], star["y"]) == ([0.0], [0.0])
    assert star["customdata"][0] == pytest.approx(p.loss(final), rel=1e-5)
    ca = spec["layout"]["coloraxis"]
    assert ca["cmin"] == pytest.approx(np.log10(np.nanmin(land.surface.z)), abs=1e-6)
    assert ca["cmax"] == pytest.approx(np.log10(np.nanmax(land.surface.z)), abs=1e-6)


def test_two_landscapes_share_one_colour_scale(trained):
    p, rec, *_ = trained
    panels = []
    for k, state in enumerate((rec.params[20], rec.params[-1])):
        land = random_plane(p, state, resolution=11)
        panels.append(
            LandscapePanel(f"{k}", RUN_COLORS[k], land.surface.x, land.surface.y, land.surface.z, 1.0)
        )
    spec = spec_of(landscape_figure(panels, kind="random", titles=["one", "two"]))
    contours = [d for d in spec["data"] if d["type"] == "contour"]
    assert [(c["xaxis"], c["yaxis"]) for c in contours] == [("x", "y"), ("x2", "y2")]
    assert all(c["coloraxis"] == "coloraxis" for c in contours)
    all_z = np.concatenate([p_.z.ravel() for p_ in panels])
    assert spec["layout"]["coloraxis"]["cmax"] == pytest.approx(np.log10(all_z.max()), abs=1e-6)
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["one", "two"]


def test_pca_figure_draws_the_projected_path_from_start_to_centre(trained):
    p, rec, *_ = trained
    land = pca_plane(p, rec.params, resolution=15)
    pts = land.surface.center + land.path[:, :1] * land.d1 + land.path[:, 1:] * land.d2
    panel = LandscapePanel(
        "A",
        RUN_COLORS[0],
        land.surface.x,
        land.surface.y,
        land.surface.z,
        float(p.loss(rec.params[-1])),
        land.path,
        p.loss(pts),
        land.explained,
    )
    spec = spec_of(landscape_figure([panel], kind="pca"))
    lines = [d for d in spec["data"] if d.get("mode") == "lines"]
    assert len(lines) == 2  # a white halo under the run's colour
    assert np.allclose(arr(lines[1]["x"]), land.path[:, 0], rtol=1e-5, atol=1e-6)
    assert np.allclose(arr(lines[1]["y"]), land.path[:, 1], rtol=1e-5, atol=1e-6)
    assert lines[1]["line"]["color"] == RUN_COLORS[0]
    assert abs(land.path[-1]).max() < 1e-9, "the path ends at the centre"
    assert spec["layout"]["xaxis"]["title"]["text"] == "PC1"
    spec3 = spec_of(landscape3d_figure([panel], kind="pca"))
    path3 = next(d for d in spec3["data"] if d["type"] == "scatter3d" and d["mode"] == "lines")
    surf = spec3["data"][0]
    assert surf["type"] == "surface" and surf["scene"] == "scene"
    # the path lies on the drawn surface: its height is log10 of the loss at the projected points
    lift = arr(path3["z"]) - np.log10(p.loss(pts))
    assert np.allclose(lift, lift[0], atol=1e-5) and 0 <= lift[0] < 0.1


def test_landscape3d_has_one_scene_per_panel_and_finite_json_with_nan_regions(trained):
    p, rec, *_ = trained
    land = random_plane(p, rec.params[-1], resolution=11)
    z = land.surface.z.copy()
    z[0, :4] = np.nan
    z[1, 1] = np.inf
    panels = [
        LandscapePanel(f"{k}", RUN_COLORS[k], land.surface.x, land.surface.y, z, np.nan) for k in range(2)
    ]
    spec = spec_of(landscape3d_figure(panels, kind="random"))
    assert [d["scene"] for d in spec["data"] if d["type"] == "surface"] == ["scene", "scene2"]
    assert "scene2" in spec["layout"]
    assert spec_of(landscape_figure(panels, kind="random"))["data"][0]["z"][0][0] is None
