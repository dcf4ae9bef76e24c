"""The learning-rate scrub: one run at a whole grid of learning rates, all shipped in one figure, and
an in-chart slider that shows one of them — the path and its loss curve switch in the browser, with
no server round trip, as the student drags from crawling to zigzagging to diverging.

Every learning rate's path and loss curve are a named frame (typed arrays, float32); a slider step
shows its frame without a redraw, so dragging moves three traces and sends nothing. Axis ranges are
fixed: the window does not jump while dragging, and a diverging path leaves it.

For a rule with momentum (μ) or Adam's β₁, a second slider picks that value: the frames are then the
grid of both, named ``"<lr>|<value>"``, and both sliders' steps are ``"skip"`` steps whose ``value``
is their half of the name; the page's listener (``gdviz.ui.scrubsync``) joins the two halves and
shows that frame, as Plotly's own sliders cannot know each other's position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gdviz.figures.race import STACKED_PLOT_WIDTH
from gdviz.figures.raster import contour_image, contour_values
from gdviz.figures.spec import SpecFigure, base_layout, f32, jump_args, need_labels
from gdviz.figures.style import CONTOUR_SCALE, GRID_LINE, INK, PATH_WIDTH, STAR, STAR_EDGE
from gdviz.geometry.surfaces import Surface

LABEL_KEYS = ("loss", "step_word", "minimum", "lr_word", "diverged")
# What the frames may weigh: the figure with its frames stays under 1 MB (issue 16); a family
# longer than this allows is drawn over its first steps (``steps_within``).
FRAMES_BYTES = 850_000
# per frame and per state: the path's x and y and the loss, 12 bytes of float32, 16 in base64, and
# 20 on the wire (Plotly's JSON writer escapes each "/" as \u002f, frequent in float32's exponent
# bytes; measured on Rosenbrock's family)
BYTES_PER_STATE = 21
META = "gdviz-scrub"  # layout.meta: how the page's release listener (gdviz.ui.scrubsync) finds the chart
# Beyond this multiple of the window's size a path is cut: it diverged, and its huge coordinates
# would only cost bytes.
CUT = 3.0


def _cut(path: np.ndarray, window) -> np.ndarray:
    (x0, x1), (y0, y1) = window
    w, h = x1 - x0, y1 - y0
    out = np.asarray(path, dtype=float).copy()
    far = ~np.isfinite(out).all(axis=1)
    far |= (out[:, 0] < x0 - CUT * w) | (out[:, 0] > x1 + CUT * w)
    far |= (out[:, 1] < y0 - CUT * h) | (out[:, 1] > y1 + CUT * h)
    if far.any():
        first = int(np.argmax(far))
        out[first:] = np.nan
    return out


def _loss_range(loss: np.ndarray, log: bool) -> list[float]:
    v = loss[np.isfinite(loss)]
    if log:
        v = v[v > 0]
    if v.size == 0:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(min(v.max(), loss[0][np.isfinite(loss[0])].max() * 10))
    if log:
        return [np.log10(lo) - 0.2, np.log10(max(hi, lo * 10)) + 0.2]
    pad = 0.05 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def value_name(value: float) -> str:
    """The second hyperparameter's half of a frame name (and its slider step's ``value``)."""
    return f"{float(value):g}"


def frame_name(lr: float, value: float | None = None) -> str:
    """A frame's name: the rate (and the second hyperparameter's value, after a "|")."""
    return _name(lr) if value is None else f"{_name(lr)}|{value_name(value)}"


def split_frame(name) -> tuple[str, str] | None:
    """The (rate, value) halves of a two-slider frame's name; None for anything else."""
    if not isinstance(name, str) or name.count("|") != 1:
        return None
    lr, value = name.split("|")
    return lr, value


def steps_within(n_frames: int, steps: int) -> int:
    """How many steps of a family of ``n_frames`` runs the figure can hold within FRAMES_BYTES."""
    per_frame = FRAMES_BYTES / max(1, n_frames) - 200  # the note and the frame's own keys
    return int(max(10, min(steps, per_frame // BYTES_PER_STATE - 1)))


def scrub_figure(
    surface: Surface,
    lrs: Sequence[float],
    paths: np.ndarray,
    loss: np.ndarray,
    *,
    window,
    active: int,
    color: str,
    diverged: Sequence[int] | None = None,
    minima: np.ndarray | None = None,
    axis_titles: tuple[str, str] = ("x", "y"),
    labels: Mapping[str, str],
    second: tuple[str, Sequence[float], int] | None = None,
    stacked: bool = False,
    height: int = 460,
) -> SpecFigure:
    """``paths`` (T+1, R, 2) and ``loss`` (T+1, R) of R runs at learning rates ``lrs``; the slider
    starts at ``active`` (the page's own learning rate).

    ``second`` = (symbol, values, active value) adds a slider for a second hyperparameter: then
    R = len(lrs) × len(values), run j·len(lrs) + i at rate i and value j.

    ``stacked`` (a phone): the loss curve under the contour and the sliders under both, each the
    chart's whole width; side by side at 356 px the loss panel's axis sat on the contour."""
    lab = need_labels(labels, LABEL_KEYS, "scrub_figure")
    lrs = np.asarray(lrs, dtype=float)
    L = len(lrs)
    symbol, values, active2 = second if second is not None else ("", [None], 0)
    values = list(values)
    M = len(values)
    R = L * M
    paths = np.asarray(paths, dtype=float)
    loss = np.asarray(loss, dtype=float)
    if paths.shape[1] != R or loss.shape[1] != R or not 0 <= active < L or not 0 <= active2 < M:
        raise ValueError(
            f"paths and loss must hold one run per learning rate and value ({R}), got {paths.shape}"
        )
    diverged = [-1] * R if diverged is None else [int(d) for d in diverged]
    steps = np.arange(loss.shape[0])
    finite = loss[np.isfinite(loss)]
    log = bool(finite.size) and bool(np.all(finite > 0))  # a negative loss has no place on a log axis
    (x0, x1), (y0, y1) = window
    data: list[dict] = []
    if minima is not None and len(minima):
        m = np.asarray(minima, dtype=float)
        data.append(
            {
                "type": "scatter",
                "x": m[:, 0].tolist(),
                "y": m[:, 1].tolist(),
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 16,
                    "color": STAR,
                    "line": {"color": STAR_EDGE, "width": 1},
                },
                "name": lab["minimum"],
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    # Three traces move: the path, its loss curve (its steps stay) and a note saying the rate (and
    # where it diverged). Each grid point is a named frame updating only them; a slider jumps with
    # Plotly.animate without a redraw, the fast path the race's step slider uses (a restyle or
    # update replots the subplot).
    moving = [len(data), len(data) + 1, len(data) + 2]
    frames = []
    for j in range(M):
        for i in range(L):
            r = j * L + i
            p = _cut(paths[:, r], window)
            title = f"{lab['lr_word']} α = {lrs[i]:.3g}"
            if second is not None:
                title += f" · {symbol} = {values[j]:g}"
            if diverged[r] >= 0:
                title += f" · {lab['diverged']} {diverged[r]}"
            curve = np.where(np.isfinite(loss[:, r]), loss[:, r], np.nan)
            frames.append(
                {
                    "name": frame_name(lrs[i], values[j]),
                    "data": [{"x": f32(p[:, 0]), "y": f32(p[:, 1])}, {"y": f32(curve)}, {"text": [title]}],
                    "traces": moving,
                }
            )
    start = frames[active2 * L + active]["data"]
    data.append(
        {
            "type": "scatter",
            **start[0],
            "mode": "lines+markers",
            "line": {"color": color, "width": PATH_WIDTH},
            "marker": {"size": 4, "color": color},
            "name": "path",
            "showlegend": False,
            "hoverinfo": "skip",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": f32(steps),
            **start[1],
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "lines",
            "line": {"color": color, "width": 2.5},
            "name": "loss",
            "showlegend": False,
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": [x0 + 0.02 * (x1 - x0)],
            "y": [y1 - 0.02 * (y1 - y0)],
            "text": start[2]["text"],
            "mode": "text",
            "textposition": "bottom right",
            "textfont": {"size": 13 if stacked else 16, "color": INK},
            "name": "note",
            "showlegend": False,
            "hoverinfo": "skip",
        }
    )
    jump = jump_args()
    slider = {
        "x": 0.0,
        "len": 1.0,
        "y": -0.12,
        "yanchor": "top",
        "transition": {"duration": 0},
        "pad": {"t": 30},
    }
    # Two sliders take "skip" steps: the listener joins their values into a frame name (module
    # docstring). Side by side, the rate under the contour and the second knob under the loss curve:
    # stacked, the sliders' own margins would squeeze the plots.
    rate_steps = [
        {"label": f"{lr:.3g}", "method": "animate", "args": [[_name(lr)], jump]}
        if second is None
        else {"label": f"{lr:.3g}", "method": "skip", "value": _name(lr), "args": []}
        for lr in lrs
    ]
    sliders = [
        {
            **slider,
            "len": 1.0 if second is None else 0.58,
            "active": int(active),
            "steps": rate_steps,
            "currentvalue": {"prefix": f"{lab['lr_word']} α = ", "font": {"size": 16}},
        }
    ]
    if second is not None:
        sliders.append(
            {
                **slider,
                "x": 0.65,
                "len": 0.35,
                "active": int(active2),
                "steps": [
                    {"label": f"{v:g}", "method": "skip", "value": value_name(v), "args": []} for v in values
                ],
                "currentvalue": {"prefix": f"{symbol} = ", "font": {"size": 16}},
            }
        )
    bottom = 90
    panes = (([0, 0.55], [0, 1]), ([0.65, 1], [0, 1]))
    if stacked:
        # in pixels for a phone's plot (race.STACKED_PLOT_WIDTH wide): the contour as tall as its
        # window's shape needs, room for its x-axis, the loss panel; under it its axis, then each
        # slider on a row of its own, placed in the bottom margin so that Plotly does not grow it
        ratio = min(max((y1 - y0) / (x1 - x0), 1 / 3), 3)
        contour_px = int(min(max(STACKED_PLOT_WIDTH * ratio, 120), 320))
        gap_px, loss_px, axis_px, slider_px = 70, 170, 60, 105
        plot_px = contour_px + gap_px + loss_px
        bottom = axis_px + slider_px * len(sliders)
        height = 20 + plot_px + bottom
        panes = (([0, 1], [(loss_px + gap_px) / plot_px, 1]), ([0, 1], [0, loss_px / plot_px]))
        for k, sl in enumerate(sliders):
            sl.update(x=0.0, len=1.0, y=-(axis_px + k * slider_px) / plot_px, pad={"t": 10})
    layout = base_layout(height, legend_y=1.02)
    layout.update(
        {
            "margin": {"l": 60, "r": 20, "t": 20, "b": bottom},
            "images": [contour_image(surface.x, surface.y, contour_values(surface.z, True), CONTOUR_SCALE)],
            "xaxis": {
                "domain": panes[0][0],
                "range": [x0, x1],
                "title": {"text": axis_titles[0]},
                "showgrid": False,
            },
            "yaxis": {
                "domain": panes[0][1],
                "range": [y0, y1],
                "title": {"text": axis_titles[1]},
                "showgrid": False,
            },
            "xaxis2": {
                "domain": panes[1][0],
                "anchor": "y2",
                "range": [0, int(steps[-1])],
                "title": {"text": lab["step_word"]},
                "gridcolor": GRID_LINE,
            },
            "yaxis2": {
                "domain": panes[1][1],
                "anchor": "x2",
                "type": "log" if log else "linear",
                "range": _loss_range(loss, log),
                "title": {"text": lab["loss"]},
                "gridcolor": GRID_LINE,
                "exponentformat": "power",  # 10⁻⁴, as on the race chart, not SI's "100μ"
            },
            "sliders": sliders,
        }
    )
    layout["meta"] = META
    return SpecFigure({"data": data, "layout": layout, "frames": frames})


def _name(lr: float) -> str:
    """A frame's name: the rate, exactly enough digits to tell the grid's neighbours apart."""
    return f"{lr:.6g}"
