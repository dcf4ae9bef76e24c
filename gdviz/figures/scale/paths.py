"""The strategies' paths on the loss surface, animated in step: one update of every strategy per
frame, as the race page animates its runs.

The surface is a layout image drawn once (Plotly drops non-scatter traces when it animates); each
frame changes only the paths and their end markers (``traces``), by name, on fixed axis ranges.
A path is thinned to the states the page keeps (``analysis.scale.CURVE_POINTS``), so a frame
carries at most that many points per strategy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.figures.paths import frame_steps
from gdviz.figures.raster import contour_image, contour_values
from gdviz.figures.scale.charts import STRATEGY_COLORS
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
from gdviz.figures.style import CONTOUR_SCALE, HALO, INK, PATH_WIDTH, STAR, STAR_EDGE

LABEL_KEYS = ("play", "pause", "step", "minimum")
FRAMES = 60  # one frame per 1/60 of the updates: the payload stays ~ frames × points
FRAME_MS = 80


@dataclass(frozen=True)
class PathRun:
    """One strategy's path: ``step`` (the kept states' update numbers, rising) and ``xy``
    ((len(step), 2) in the view's coordinates); ``name`` its legend text."""

    strategy: str
    name: str
    step: np.ndarray
    xy: np.ndarray


def _upto(run: PathRun, s: int) -> np.ndarray:
    """The path's points of the states at or before update ``s``."""
    k = int(np.searchsorted(run.step, s, side="right"))
    return run.xy[: max(1, k)]


def paths_figure(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    runs: Sequence[PathRun],
    *,
    minima: np.ndarray,
    axis_titles: tuple[str, str],
    labels: Mapping[str, str],
    frames: int = FRAMES,
    height: int = 460,
) -> SpecFigure:
    """Paths of ``runs`` over the surface ``z`` (rows along ``y``) with the ``minima`` as stars,
    opening at update 0; Play reveals every strategy's path update by update."""
    lab = need_labels(labels, LABEL_KEYS, "paths_figure")
    last = max(int(r.step[-1]) for r in runs) if runs else 0
    steps = frame_steps(last, frames)
    data: list[dict] = []
    for r in runs:
        color = STRATEGY_COLORS[r.strategy]
        start = r.xy[0]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": r.name,
                "legendgroup": r.strategy,
                "x": f32(start[:1]),
                "y": f32(start[1:2]),
                "line": {"color": color, "width": PATH_WIDTH},
                "hoverinfo": "skip",
            }
        )
    for r in runs:
        color = STRATEGY_COLORS[r.strategy]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": r.name,
                "legendgroup": r.strategy,
                "showlegend": False,
                "x": f32(r.xy[:1, 0]),
                "y": f32(r.xy[:1, 1]),
                "marker": {"size": 12, "color": color, "line": {"color": HALO, "width": 2}},
                "hovertemplate": r.name + "<extra></extra>",
            }
        )
    moving = list(range(len(data)))
    mins = np.asarray(minima, dtype=float).reshape(-1, 2)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": lab["minimum"],
            "x": f32(mins[:, 0]),
            "y": f32(mins[:, 1]),
            "marker": {
                "symbol": "star",
                "size": 20,
                "color": STAR,
                "line": {"color": STAR_EDGE, "width": 1.5},
            },
            "hovertemplate": lab["minimum"] + "<extra></extra>",
        }
    )
    frame_list = []
    for s in steps:
        paths = [_upto(r, int(s)) for r in runs]
        frame_list.append(
            {
                "name": str(int(s)),
                "group": STEP_GROUP,
                "traces": moving,
                "data": [{"x": f32(p[:, 0]), "y": f32(p[:, 1])} for p in paths]
                + [{"x": f32(p[-1:, 0]), "y": f32(p[-1:, 1])} for p in paths],
            }
        )
    zt = contour_values(np.asarray(z, dtype=float), True)
    layout = base_layout(height, legend_y=1.02)
    below = -0.22  # under the x-axis title: the slider's current value sits above the slider
    layout |= {
        "margin": {"l": 70, "r": 20, "t": 40, "b": 130},
        "images": [contour_image(np.asarray(x), np.asarray(y), zt, CONTOUR_SCALE)],
        "xaxis": {
            "title": {"text": axis_titles[0]},
            "range": [float(x[0]), float(x[-1])],
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        },
        "yaxis": {
            "title": {"text": axis_titles[1]},
            "range": [float(y[0]), float(y[-1])],
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        "updatemenus": [
            play_pause_menu(
                lab["play"],
                lab["pause"],
                y=below,
                play=play_args(FRAME_MS, from_current=True),
                jump=jump_args(),
            )
        ],
    }
    slider = step_slider(
        [f["name"] for f in frame_list],
        prefix=f"{lab['step']} ",
        active=0,
        y=below,
        jump=jump_args(),
        value_font={"size": 15, "color": INK},
    )
    # at the slider's right end: on its left it would run into a Pause button wider in Chinese
    slider["currentvalue"]["xanchor"] = "right"
    layout["sliders"] = [slider]
    return SpecFigure({"data": data, "layout": layout, "frames": frame_list})


__all__ = ["FRAMES", "LABEL_KEYS", "PathRun", "paths_figure"]
