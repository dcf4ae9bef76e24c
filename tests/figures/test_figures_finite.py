"""Chart data never carries an infinity, and a surface with one still draws: formulas whose values
leave float32's range (x**-100 near 0, 1e15**(x + y)) give a race figure and a 3-D view without a
RuntimeWarning (the suite runs with -W error), without inf, and with a contour picture."""

from __future__ import annotations

import base64
import functools
import json

import numpy as np
import plotly.io as pio
import png_support
import pytest
from figure_support import english

import gdviz
from gdviz.figures import RunTrace, race, surface3d
from gdviz.figures.raster import contour_values
from gdviz.figures.spec import F32_MAX, f32
from gdviz.figures.style import PALETTE
from gdviz.geometry.projection import make_view

race_figure = functools.partial(race.race_figure, labels=english(race))
surface3d_figure = functools.partial(surface3d.surface3d_figure, labels=english(surface3d))


def _reject_constant(token: str):
    raise AssertionError(f"{token} in the figure JSON")


def typed_arrays(obj):
    """Every Plotly typed array of a spec, decoded."""
    if isinstance(obj, dict) and "bdata" in obj:
        yield np.frombuffer(base64.b64decode(obj["bdata"]), dtype="<" + obj["dtype"])
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from typed_arrays(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from typed_arrays(v)


def assert_no_infinity(fig) -> dict:
    spec = json.loads(pio.to_json(fig.to_dict(), validate=False), parse_constant=_reject_constant)
    arrays = list(typed_arrays(spec))
    assert arrays, "the figure should send typed arrays"
    bad = [a for a in arrays if np.isinf(a.astype(float)).any()]
    assert not bad, f"{len(bad)} typed arrays carry inf"
    return spec


def test_f32_keeps_what_float32_holds_and_never_an_infinity():
    small = f32([1.0, -2.5, np.nan, 3e38])
    assert small.dtype == np.float32 and np.isnan(small[2]) and small[3] == np.float32(3e38)
    # an infinity is a gap, as a non-finite loss is drawn
    gaps = f32([1.0, np.inf, -np.inf])
    assert gaps.dtype == np.float32 and np.isnan(gaps[1:]).all() and gaps[0] == 1
    # beyond float32: the array stays float64, exact (the hover says 1e+300, not inf or 3.4e38)
    big = f32([1.0, 1e300, -1e39, np.inf])
    assert big.dtype == np.float64 and big[1] == 1e300 and big[2] == -1e39 and np.isnan(big[3])
    assert f32(np.array([F32_MAX])).dtype == np.float32


def test_the_contour_of_a_surface_with_an_infinity_is_not_all_infinite():
    z = np.array([[1.0, 2.0], [np.inf, 1e300]])
    zt = contour_values(z, True)
    assert np.isfinite(zt[0]).all() and np.isfinite(zt[1, 1]) and np.isinf(zt[1, 0])
    assert zt[0, 0] <= zt[0, 1] < zt[1, 1]


@pytest.mark.parametrize("expr", ["x**-100", "1e15**(x + y)", "1e15*exp(40*x) + y**2"])
def test_a_formula_beyond_float32_draws_a_finite_figure(expr):
    p = gdviz.problem("formula", expr=expr)
    recs = [
        gdviz.run(p, gdviz.optimizer("gd", lr=0.01), steps=60),
        gdviz.run(p, gdviz.optimizer("adam", lr=0.1), steps=60),
    ]
    view = make_view(
        p, [r.params for r in recs], resolution=60, diverged=[r.diverged is not None for r in recs]
    )
    assert np.isfinite(view.surface.z).any() and (np.abs(view.surface.z) > F32_MAX).any()
    runs = [
        RunTrace(f"r{i}", PALETTE[i], xy, r.loss)
        for i, (r, xy) in enumerate(zip(recs, view.paths, strict=True))
    ]
    spec = assert_no_infinity(race_figure(view.surface, runs, window=view.window, frames=30))
    # the picture is drawn: one infinity made every pixel transparent (an empty chart area)
    (image,) = spec["layout"]["images"]
    alpha = png_support.decode_data_url(image["source"])[..., 3]
    assert (alpha == 255).mean() > 0.5
    # the hover says the loss as it is, beyond float32 too
    grid = next(d for d in spec["data"] if d.get("name") == race.CLICK_GRID_NAME)
    hover = next(typed_arrays(grid["customdata"]))
    assert np.isfinite(hover).all() and hover.max() > F32_MAX
    heights = [np.asarray(r.loss) for r in recs]
    paths = [(f"r{i}", PALETTE[i], xy, h) for i, (xy, h) in enumerate(zip(view.paths, heights, strict=True))]
    assert_no_infinity(surface3d_figure(view.surface, paths, window=view.window))


def test_a_loss_beyond_float32_is_drawn_where_it_is():
    # 1e39 … 1e40 on a log axis: clipped to float32's 3.4e38, the curve would lie flat below its axis
    p = gdviz.problem("rosenbrock")
    view = make_view(p, [p.start[None, :]], resolution=20, diverged=[False])
    xy = np.linspace(p.start, [1.0, 1.0], 40)
    loss = np.geomspace(1e40, 1e39, 40)
    spec = assert_no_infinity(
        race_figure(view.surface, [RunTrace("r", PALETTE[0], xy, loss)], window=view.window, frames=40)
    )
    on_loss_axis = {i for i, d in enumerate(spec["data"]) if d.get("yaxis") == "y2"}
    drawn = [
        a
        for f in spec["frames"]
        for i, d in zip(f["traces"], f["data"], strict=True)
        if i in on_loss_axis
        for a in typed_arrays(d.get("y", []))
    ]
    assert drawn and all(a.dtype == np.float64 for a in drawn)
    drawn = np.concatenate(drawn)
    assert drawn.max() == pytest.approx(1e40) and drawn.min() >= 1e39
    assert spec["layout"]["yaxis2"]["type"] == "log" and spec["layout"]["yaxis2"]["range"][1] > 40
