"""The network's output over the data plane, animated over training: the decision boundary of a
classifier (a two-colour tint and the p = 0.5 line) or the fit of a regression.

The figure animates with Plotly frames without redraws, which only scatter traces and layout images
survive (a heatmap or contour trace would vanish on Play, see ``figures.raster``). So each frame
carries the network's output as a small PNG layout image, one pixel per grid point that the browser
smooths when it scales it up, the 0.5 level as a scatter line (contourpy), and its caption as a text trace
(frame annotations are not applied without a redraw).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import contourpy
import numpy as np

from gdviz.figures.network.panels import axis_ids, layout_axis, side_by_side
from gdviz.figures.raster import png_data_url
from gdviz.figures.spec import (
    STEP_GROUP,
    SpecFigure,
    base_layout,
    f32,
    jump_args,
    need_labels,
    play_args,
    play_pause_menu,
    step_slider,
)
from gdviz.figures.style import CLASS_COLORS, CLASS_TINT, FIT_POINT_EDGE, HALO, HOLLOW_FILL, INK, hex_rgb
from gdviz.problems.data.toy import CLASSIFICATION
from gdviz.serve import meter

# Colour steps per class side: 32 are below what the eye separates in a tint this light (and the
# browser smooths the image as it scales it up), and they halve a frame's PNG against full 8-bit colour.
LEVELS = 32
# The texts boundary_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n, "net.fig.*").
LABEL_KEYS = (
    "class",
    "train",
    "test",
    "test_points",
    "test_points_fit",
    "boundary",
    "target",
    "step",
    "play",
    "pause",
    "x1",
    "x2",
)


# --- colours ----------------------------------------------------------------------------------------
def output_color(t: np.ndarray, tint: float = CLASS_TINT) -> np.ndarray:
    """RGB floats ``(…, 3)`` for signed certainties ``t`` in [-1, 1]: white at 0, towards class 0's
    colour for t < 0 and class 1's for t > 0, reaching ``tint`` of the way at ±1 (NaN stays NaN)."""
    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)[..., None]
    white = np.full(3, 255.0)
    c0, c1 = hex_rgb(CLASS_COLORS[0]), hex_rgb(CLASS_COLORS[1])
    target = np.where(t < 0, c0, c1)
    return white + tint * np.abs(t) * (target - white)


def signed_output(z: np.ndarray, task: str, vmax: float = 1.0) -> np.ndarray:
    """Where an output sits on the two-sided colour scale: ``2p − 1`` for a class-1 probability p,
    ``y / vmax`` for a regression value."""
    z = np.asarray(z, dtype=float)
    with np.errstate(invalid="ignore"):
        return 2.0 * z - 1.0 if task == CLASSIFICATION else z / vmax


def diverging_scale(stops: int = 11, tint: float = CLASS_TINT) -> list[list]:
    """The same colours as a Plotly colorscale over [-1, 1] (for data points coloured by value)."""
    ts = np.linspace(-1.0, 1.0, stops)
    rgb = np.round(output_color(ts, tint)).astype(int)
    return [[float((t + 1) / 2), f"rgb({r},{g},{b})"] for t, (r, g, b) in zip(ts, rgb, strict=True)]


def output_rgba(z: np.ndarray, task: str, vmax: float = 1.0) -> np.ndarray:
    """The output grid ``z[iy, ix]`` (y increasing) as an RGBA image with row 0 at the top, its signed
    output rounded to ``1/LEVELS``; pixels where the output is not finite are transparent."""
    t = signed_output(z, task, vmax)[::-1]
    ok = np.isfinite(t)
    t = np.round(np.where(ok, t, 0.0) * LEVELS) / LEVELS
    rgba = np.zeros((*t.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.round(output_color(np.where(ok, t, 0.0))).astype(np.uint8)
    rgba[..., 3] = np.where(ok, 255, 0)
    return rgba


def grid_image(x: np.ndarray, y: np.ndarray, rgba: np.ndarray, axes: tuple[str, str]) -> dict:
    """A layout image whose pixel centres sit on the grid points ``x[j], y[i]``."""
    dx = (x[-1] - x[0]) / max(1, len(x) - 1)
    dy = (y[-1] - y[0]) / max(1, len(y) - 1)
    return {
        "source": png_data_url(rgba),
        "xref": axes[0],
        "yref": axes[1],
        "x": float(x[0] - dx / 2),
        "y": float(y[-1] + dy / 2),
        "sizex": float(x[-1] - x[0] + dx),
        "sizey": float(y[-1] - y[0] + dy),
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
    }


# --- the 0.5 level ----------------------------------------------------------------------------------------
def level_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve ``z = level`` on the grid ``z[iy, ix]`` as polylines joined end to end, separated by
    NaN (a gap in a Plotly line): ``(xs, ys)``; a closed curve ends on its first point. Cells touching
    a non-finite value are left out (contourpy's serial algorithm without corner masking; it resolves
    a saddle cell by the value at its centre)."""
    z = np.asarray(z, dtype=float)
    ny, nx = z.shape
    if nx < 2 or ny < 2:
        return np.zeros(0), np.zeros(0)
    gen = contourpy.contour_generator(
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        z,
        corner_mask=False,
        line_type=contourpy.LineType.ChunkCombinedNan,
    )
    ((points,),) = gen.lines(level)  # one chunk: an (n, 2) array, NaN rows between lines, or None
    if points is None:
        return np.zeros(0), np.zeros(0)
    return points[:, 0], points[:, 1]


def _logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 − p)): the network's output before the sigmoid, nearly linear between grid points, so
    the p = 0.5 crossings interpolated on it are much closer to the true boundary than on p."""
    q = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    with np.errstate(invalid="ignore"):
        return np.log(q) - np.log1p(-q)


def _rounded(a, span: float) -> list:
    """Coordinates as a JSON list rounded to a thousandth of ``span`` (below a pixel), NaN as null."""
    dec = max(0, 3 - math.floor(math.log10(span))) if span > 0 and math.isfinite(span) else 6
    return [v if math.isfinite(v) else None for v in np.round(np.asarray(a, dtype=float), dec).tolist()]


# --- decision boundary / regression fit, animated ------------------------------------------------------
@dataclass(frozen=True)
class BoundaryRun:
    """One trained network as the boundary figure shows it: the output on the grid at every frame
    ``grids`` ``(F, ny, nx)`` (class-1 probability or regression value) and one caption per frame."""

    label: str
    grids: np.ndarray
    captions: Sequence[str]


def boundary_figure(
    runs: Sequence[BoundaryRun],
    *,
    x: np.ndarray,
    y: np.ndarray,
    steps: Sequence[int],
    task: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    labels: Mapping[str, str],
    frame_ms: int = 90,
    height: int | None = None,
    open_at_start: bool = False,
) -> SpecFigure:
    """The output of each run over the data (one subplot per run), animated over training.

    Frames are named by the step they show and form the group ``"steps"``; the figure opens on the
    last frame (the trained network), or on step 0 with ``open_at_start`` (a lesson's question must
    not be answered by the opening picture), and Play replays training from step 0. Classification draws
    the class-1 probability as a two-colour tint with the p = 0.5 boundary; regression draws the
    prediction on the same two-sided scale as the points, which are coloured by their target.
    """
    meter.charge("figure")
    lab = need_labels(labels, LABEL_KEYS, "boundary_figure")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    steps = [int(s) for s in steps]
    n_frames = len(steps)
    for r in runs:
        if r.grids.shape != (n_frames, len(y), len(x)) or len(r.captions) != n_frames:
            raise ValueError(
                f"run {r.label!r}: grids must have shape ({n_frames}, {len(y)}, {len(x)}) and one caption "
                f"per frame; got {r.grids.shape} and {len(r.captions)} captions"
            )
    classify = task == CLASSIFICATION
    margin = {"l": 50, "r": 20, "t": 100, "b": 120}
    if height is None:
        # Equal axes: a panel about 800/n px wide is as tall as the data's aspect makes it.
        aspect = float((y[-1] - y[0]) / (x[-1] - x[0])) if x[-1] > x[0] else 1.0
        height = margin["t"] + margin["b"] + int(min(420, 800 / max(1, len(runs)) * aspect))
    vmax = 1.0
    if not classify:
        ys = np.concatenate([np.asarray(y_train, float), np.asarray(y_test, float)])
        vmax = float(np.max(np.abs(ys[np.isfinite(ys)]), initial=0.0)) or 1.0
    n = max(1, len(runs))
    domains = side_by_side(n, gap=0.06)
    data: list[dict] = []
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = margin
    plot_h = max(1, height - margin["t"] - margin["b"])
    # Play and the slider sit a fixed distance below the plot, under the axis title, and the legend
    # above the two-line captions, whatever the height.
    below = -66 / plot_h
    layout["legend"]["y"] = 1 + 52 / plot_h
    frame_traces: list[int] = []
    frame_data: list[list[dict]] = [[] for _ in range(n_frames)]
    frame_images: list[list[dict]] = [[] for _ in range(n_frames)]
    span = float(max(x[-1] - x[0], y[-1] - y[0]))
    ytop = float(y[-1])
    xmid = float((x[0] + x[-1]) / 2)

    def add(trace: dict, k: int) -> int:
        trace.setdefault("type", "scatter")
        trace["xaxis"], trace["yaxis"] = axis_ids(k)
        data.append(trace)
        return len(data) - 1

    for k, r in enumerate(runs):
        axes = axis_ids(k)
        for f in range(n_frames):
            frame_images[f].append(grid_image(x, y, output_rgba(r.grids[f], task, vmax), axes))
        if classify:
            line_id = add(
                {
                    "x": [],
                    "y": [],
                    "mode": "lines",
                    "line": {"color": INK, "width": 2.5},
                    "name": lab["boundary"],
                    "legendgroup": "boundary",
                    "showlegend": k == 0,
                    "hoverinfo": "skip",
                },
                k,
            )
            frame_traces.append(line_id)
            for f in range(n_frames):
                xs, ys_ = level_lines(x, y, _logit(r.grids[f]), 0.0)
                frame_data[f].append({"x": _rounded(xs, span), "y": _rounded(ys_, span)})
        caption_id = add(
            {
                "x": [xmid],
                "y": [ytop],
                "mode": "text",
                "text": [""],
                "textposition": "top center",
                "textfont": {"size": 14, "color": INK},
                "cliponaxis": False,
                "showlegend": False,
                "hoverinfo": "skip",
            },
            k,
        )
        frame_traces.append(caption_id)
        for f in range(n_frames):
            # the run's name rides in the same text trace: it then sits on the plot however the
            # equal-aspect axes shrink inside their domain
            frame_data[f].append({"text": [f"<b>{r.label}</b><br>{r.captions[f]}"]})
        # data points: drawn once, on top of the animated layers
        for split, split_name, X_, y_ in (
            ("train", lab["train"], X_train, y_train),
            ("test", lab["test"], X_test, y_test),
        ):
            X_ = np.asarray(X_, dtype=float).reshape(-1, 2)
            y_ = np.asarray(y_, dtype=float).ravel()
            if not len(y_):
                continue
            hollow = split == "test"
            if classify:
                for cls in (0, 1):
                    m = y_ == cls
                    color = CLASS_COLORS[cls]
                    add(
                        {
                            "x": f32(X_[m, 0]),
                            "y": f32(X_[m, 1]),
                            "mode": "markers",
                            "marker": {
                                "size": 8 if hollow else 7,
                                "color": HOLLOW_FILL if hollow else color,
                                "symbol": "circle",
                                "line": {"color": color if hollow else HALO, "width": 2 if hollow else 1},
                            },
                            "name": lab["class"].format(k=cls) if not hollow else lab["test_points"],
                            "legendgroup": f"{split}{cls if not hollow else ''}",
                            "showlegend": k == 0 and (not hollow or cls == 0),
                            "hovertemplate": f"{lab['class'].format(k=cls)} ({split_name})<br>"
                            "(%{x:.3g}, %{y:.3g})<extra></extra>",
                        },
                        k,
                    )
            else:
                add(
                    {
                        "x": f32(X_[:, 0]),
                        "y": f32(X_[:, 1]),
                        "mode": "markers",
                        # the full-strength version of the background's scale: a point's hue
                        # against its surroundings shows the fit, and the point stays visible
                        "marker": {
                            "size": 8,
                            "color": f32(y_),
                            "colorscale": diverging_scale(tint=1.0),
                            "cmin": -vmax,
                            "cmax": vmax,
                            "symbol": "diamond" if hollow else "circle",
                            "line": {
                                "color": INK if hollow else FIT_POINT_EDGE,
                                "width": 1.2 if hollow else 0.6,
                            },
                        },
                        "customdata": f32(y_),
                        "name": lab["test_points_fit"] if hollow else lab["train"],
                        "showlegend": k == 0,
                        "hovertemplate": f"{lab['target']} = %{{customdata:.3g}} ({split_name})<br>"
                        "(%{x:.3g}, %{y:.3g})<extra></extra>",
                    },
                    k,
                )
        xa, ya = layout_axis("x", k), layout_axis("y", k)
        layout[xa] = {
            "domain": domains[k],
            "anchor": axes[1],
            "range": [float(x[0]), float(x[-1])],
            "title": {"text": lab["x1"]},
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        }
        layout[ya] = {
            "domain": [0.0, 1.0],
            "anchor": axes[0],
            "range": [float(y[0]), float(y[-1])],
            "title": {"text": lab["x2"] if k == 0 else ""},
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": axes[0],
            "scaleratio": 1,
            "constrain": "domain",
        }
    last = 0 if open_at_start else n_frames - 1
    layout["images"] = frame_images[last] if n_frames else []
    for tid, d in zip(frame_traces, frame_data[last] if n_frames else [], strict=True):
        data[tid].update(d)
    names = [str(s) for s in steps]
    frames = [
        {
            "name": names[f],
            "group": STEP_GROUP,
            "data": frame_data[f],
            "traces": frame_traces,
            "layout": {"images": frame_images[f]},
        }
        for f in range(n_frames)
    ]
    jump = jump_args()
    play = play_args(frame_ms, from_current=False)
    layout["updatemenus"] = [play_pause_menu(lab["play"], lab["pause"], y=below, play=play, jump=jump)]
    layout["sliders"] = [
        step_slider(names, prefix=f"{lab['step']} ", active=last, y=below, jump=jump, value_font={"size": 15})
    ]
    return SpecFigure({"data": data, "layout": layout, "frames": frames})
