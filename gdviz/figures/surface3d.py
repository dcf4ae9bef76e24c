"""The 3-D view: the loss surface with each run's path lying on it (static, no animation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from gdviz.figures.raster import contour_values, log_floor
from gdviz.figures.spec import f32, need_labels
from gdviz.figures.style import CONTOUR_SCALE, FONT, PAPER, SURFACE_LEVEL_LINES
from gdviz.geometry.surfaces import Surface

# The texts surface3d_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n, "fig.*").
LABEL_KEYS = ("loss", "start", "end", "surface3d_z")


def surface3d_figure(
    surface: Surface,
    paths: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
    *,
    window,
    log: bool = True,
    axis_titles: tuple[str, str] = ("x", "y"),
    labels: Mapping[str, str],
    height: int = 560,
) -> go.Figure:
    """``paths`` holds (label, colour, xy (T+1, 2), surface height along the path (T+1,)).

    Heights use the contour's transform (log of the height above the grid's lowest value when
    ``log``), so a path lies on the drawn surface; points outside the window are dropped.
    """
    lab = need_labels(labels, LABEL_KEYS, "surface3d_figure")
    (x0, x1), (y0, y1) = window
    z = surface.z
    zt = contour_values(z, log)
    fig = go.Figure()
    fig.add_trace(
        go.Surface(
            x=f32(surface.x),
            y=f32(surface.y),
            z=f32(zt),
            customdata=f32(z),
            colorscale=CONTOUR_SCALE,
            showscale=False,
            opacity=0.92,
            contours={"z": {"show": True, "usecolormap": False, "color": SURFACE_LEVEL_LINES, "width": 1}},
            hovertemplate=f"{axis_titles[0]}=%{{x:.4g}}<br>{axis_titles[1]}=%{{y:.4g}}<br>"
            f"{lab['loss']}=%{{customdata:.5g}}<extra></extra>",
        )
    )
    lo, shift = log_floor(z)  # the contour's own transform, so that a path lies on the surface
    for label, color, xy, h in paths:
        xy = np.asarray(xy, dtype=float)
        h = np.asarray(h, dtype=float)
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1) & np.isfinite(h)
        # cut at the first exit: a diverging path leaves for good
        k = int(np.argmin(inside)) if not inside.all() else len(inside)
        xy, h = xy[:k], h[:k]
        if not len(xy):
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            hz = np.log10(np.maximum(h - lo, 0) + shift) if log else h
        # lift the path a hair above the surface so it is not hidden inside it
        lift = 0.01 * (float(np.nanmax(zt)) - float(np.nanmin(zt)) or 1.0)
        fig.add_trace(
            go.Scatter3d(
                x=f32(xy[:, 0]),
                y=f32(xy[:, 1]),
                z=f32(hz + lift),
                mode="lines",
                line={"color": color, "width": 6},
                name=label,
                hovertemplate=f"{label}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter3d(
                x=[float(xy[0, 0]), float(xy[-1, 0])],
                y=[float(xy[0, 1]), float(xy[-1, 1])],
                z=[float(hz[0] + lift), float(hz[-1] + lift)],
                mode="markers",
                marker={"size": [6, 8], "color": color, "symbol": ["circle-open", "circle"]},
                showlegend=False,
                text=[lab["start"], lab["end"]],
                hovertemplate=f"{label} — %{{text}}<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        paper_bgcolor=PAPER,
        font=FONT,
        legend={"orientation": "h", "x": 0.0, "y": 1.02},
        scene={
            "xaxis": {"title": {"text": axis_titles[0]}, "range": [x0, x1]},
            "yaxis": {"title": {"text": axis_titles[1]}, "range": [y0, y1]},
            "zaxis": {"title": {"text": lab["surface3d_z"] if log else lab["loss"]}},
            "aspectmode": "manual",
            "aspectratio": {"x": 1.2, "y": 1.2, "z": 0.7},
            "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.1}},
        },
    )
    return fig
