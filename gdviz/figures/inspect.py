"""Figures of the step inspector: the arrows of one update on the loss surface, the cloud of
mini-batch gradients, and the per-coordinate step sizes of adaptive rules.

Everything is drawn in the two plotted coordinates of the page's view: two parameters (a full or
sliced view) or the plane of run 1's trajectory (PCA), onto which vectors are projected. Arrows are
scatter lines ending in an ``arrow`` marker, so they are clipped to the axes like any trace.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gdviz.analysis.noise import GradientNoise
from gdviz.analysis.step import StepInfo
from gdviz.figures.raster import contour_image, contour_values
from gdviz.figures.spec import need_labels
from gdviz.figures.style import (
    ARROW_COLORS,
    CONTOUR_SCALE,
    FONT,
    INSPECTOR_BG,
    INSPECTOR_GRID,
    PALETTE,
    PAPER,
    POINT_EDGE,
    POINT_FILL,
)
from gdviz.geometry.projection import View, fit_aspect
from gdviz.geometry.surfaces import Surface, plane_grid, slice_grid
from gdviz.problems.base import Problem

# The texts these figures read from their ``labels`` (the page passes them from gdviz.ui.i18n,
# "insp.fig.*").
LABEL_KEYS = (
    "step_title",
    "full_step",
    "batch_step",
    "memory",
    "fresh",
    "update",
    "theta_k",
    "theta_next",
    "path",
    "noise_title",
    "cloud",
    "spread_circle",
    "noise_x",
    "noise_y",
    "eff_title",
    "effective",
    "plain_lr",
)

PANEL_ASPECT = 1.35
PATH_CONTEXT = 12  # states drawn on each side of the inspected one


@dataclass(frozen=True, eq=False)
class Plane:
    """How a parameter vector maps to the two plotted coordinates: two of its entries (``axes``),
    or its coordinates along ``d1``, ``d2`` relative to ``center`` (a PCA view)."""

    axes: tuple[int, int] | None = (0, 1)
    center: np.ndarray | None = None
    d1: np.ndarray | None = None
    d2: np.ndarray | None = None

    @property
    def is_pca(self) -> bool:
        return self.axes is None

    def point(self, theta) -> np.ndarray:
        """Plotted coordinates of points ``(..., P)`` → ``(..., 2)``."""
        theta = np.asarray(theta, dtype=float)
        if self.axes is not None:
            return theta[..., list(self.axes)]
        return self.vector(theta - self.center)

    def vector(self, v) -> np.ndarray:
        """Plotted components of displacements ``(..., P)`` → ``(..., 2)`` (projection on the plane)."""
        v = np.asarray(v, dtype=float)
        if self.axes is not None:
            return v[..., list(self.axes)]
        return np.stack([v @ self.d1, v @ self.d2], axis=-1)


def reference_run(paths, diverged) -> int:
    """Index of the run the page's view is built on (as ``gdviz.geometry.projection.make_view`` picks it)."""
    for i, (p, d) in enumerate(zip(paths, diverged, strict=True)):
        if not d and len(p):
            return i
    return 0


def plane_for_view(view: View, ref_params=None) -> Plane:
    """The projection behind ``view``. A PCA view keeps only its centre, so its directions are
    recomputed from the reference run's parameters ``ref_params`` exactly as ``make_view`` did."""
    if view.kind != "pca":
        return Plane(axes=tuple(int(a) for a in view.surface.axes))
    if ref_params is None:
        raise ValueError("a PCA view needs the parameters of the run it was built on (ref_params)")
    from gdviz.geometry.landscape import trajectory_pca

    pca = trajectory_pca(np.asarray(ref_params, dtype=float))
    if not np.allclose(pca.center, view.center, rtol=0, atol=1e-12 * (1 + np.abs(view.center).max())):
        raise ValueError("ref_params is not the run this PCA view was built on")
    return Plane(axes=None, center=np.asarray(pca.center), d1=np.asarray(pca.d1), d2=np.asarray(pca.d2))


def step_window(points, extra=(), *, reach: float = 4.0, margin: float = 0.3, aspect: float = PANEL_ASPECT):
    """A window around the plotted points of a step (θ_k, θ_k+1 and the momentum's tail), with room
    around them, stretched to the panel's aspect so that equal axis scales show true angles.

    Points in ``extra`` (the gradient arrows' tips) are included when they lie within ``reach``
    times the step's own size: a gradient step 1000 times longer than the actual (adaptive) step
    would otherwise shrink the step to a dot. Those arrows then run out of the panel.
    """
    pts = _finite(points)
    more = _finite(extra)
    if not len(pts):
        pts, more = more, np.zeros((0, 2))
    if not len(pts):
        return (-1.0, 1.0), (-1.0, 1.0)
    floor = 1e-6 * (1.0 + float(np.abs(pts).max()))
    size = max(float(np.max(pts.max(axis=0) - pts.min(axis=0))), floor)
    if len(more):
        mid = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
        near = np.max(np.abs(more - mid), axis=1) <= reach * size
        pts = np.vstack([pts, more[near]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = max(float(np.max(hi - lo)), floor)
    mid = 0.5 * (lo + hi)
    half = (0.5 + margin) * span
    window = ((float(mid[0] - half), float(mid[0] + half)), (float(mid[1] - half), float(mid[1] + half)))
    return fit_aspect(window, aspect)


def step_arrow_window(info: StepInfo, plane: Plane):
    """The zoom of :func:`step_figure`: the actual step and its parts, and the gradient arrows
    when they are of comparable size."""
    p0 = plane.point(info.theta)
    p1 = p0 + plane.vector(info.update)
    own = [p0, p1] if info.memory is None else [p0, p1, p1 - plane.vector(info.memory)]
    grads = [p0 + plane.vector(info.full_step)]
    if info.stochastic:
        grads.append(p0 + plane.vector(info.batch_step))
    return step_window(own, grads)


def inside(window, point) -> bool:
    (x0, x1), (y0, y1) = window
    return bool(x0 <= point[0] <= x1 and y0 <= point[1] <= y1)


def _finite(points) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return pts[np.all(np.isfinite(pts), axis=1)]


def local_surface(problem: Problem, plane: Plane, theta, window, *, resolution: int = 50) -> Surface:
    """The loss around θ_k in the plotted coordinates: the slice (or plane) through θ_k itself, so
    the level lines under the arrows are the ones the step actually sees."""
    theta = np.asarray(theta, dtype=float)
    if plane.axes is not None:
        return slice_grid(problem, window=window, resolution=resolution, axes=plane.axes, center=theta)
    a, b = plane.point(theta)
    origin = theta - a * plane.d1 - b * plane.d2
    return plane_grid(problem, origin, plane.d1, plane.d2, window=window, resolution=resolution)


def _fmt(text: str, **kw) -> str:
    try:
        return text.format(**kw)
    except (KeyError, IndexError, ValueError):
        return text


def _arrow(start, end, name, color, *, width=3.0, dash="solid", size=13, opacity=1.0) -> go.Scatter:
    return go.Scatter(
        x=[start[0], end[0]],
        y=[start[1], end[1]],
        mode="lines+markers",
        name=name,
        line={"color": color, "width": width, "dash": dash},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, size], "color": color},
        opacity=opacity,
        hovertemplate=name + "<extra></extra>",
    )


def _long_enough(vec, scale) -> bool:
    return bool(np.all(np.isfinite(vec)) and np.hypot(*vec) > 1e-9 * max(scale, 1e-300))


def _layout(fig: go.Figure, window, axis_titles, title, *, height: int, equal: bool = True):
    (x0, x1), (y0, y1) = window
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        font=FONT,
        paper_bgcolor=PAPER,
        plot_bgcolor=INSPECTOR_BG,
        height=height,
        margin={"l": 60, "r": 10, "t": 44, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0.0, "font": {"size": 13}},
        hovermode="closest",
        xaxis={
            "range": [x0, x1],
            "title": {"text": axis_titles[0]},
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        },
        yaxis={
            "range": [y0, y1],
            "title": {"text": axis_titles[1]},
            "showgrid": False,
            "zeroline": False,
            # equal scales keep the gradient perpendicular to the level lines, as it is; the
            # plotting area shrinks to fit instead of the ranges growing past the surface
            **({"scaleanchor": "x", "scaleratio": 1, "constrain": "domain"} if equal else {}),
        },
    )


def step_figure(
    info: StepInfo,
    plane: Plane,
    *,
    surface: Surface | None = None,
    window=None,
    path=None,
    color: str = PALETTE[0],
    axis_titles=("x", "y"),
    labels: Mapping[str, str],
    height: int = 460,
) -> go.Figure:
    """θ_k with the step's arrows: −α∇L(θ_k), −α·g_k (mini-batch runs), Δ and, for rules with
    momentum, Δ split in two: this gradient's share (Δ minus the memory) and the momentum carried
    over, drawn head to tail so that they add up to Δ.

    ``surface`` (e.g. from :func:`local_surface`) is drawn under them; ``path`` ``(T+1, P)`` is the
    run's parameters, drawn for context around step k.
    """
    lab = need_labels(labels, LABEL_KEYS, "step_figure")
    p0 = plane.point(info.theta)
    tip = {
        "full_step": plane.vector(info.full_step),
        "batch_step": plane.vector(info.batch_step),
        "update": plane.vector(info.update),
    }
    memory = None if info.memory is None else plane.vector(info.memory)
    if window is None:
        window = step_arrow_window(info, plane)
    (x0, x1), (y0, y1) = window
    scale = max(x1 - x0, y1 - y0)
    fig = go.Figure()
    if surface is not None and np.isfinite(surface.z).any():
        zt = contour_values(surface.z, True)
        fig.add_layout_image(contour_image(surface.x, surface.y, zt, CONTOUR_SCALE, size=(360, 480)))
    if path is not None:
        path = np.asarray(path, dtype=float)
        a, b = max(0, info.k - PATH_CONTEXT), min(len(path), info.k + PATH_CONTEXT + 2)
        xy = plane.point(path[a:b])
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="lines+markers",
                name=lab["path"],
                line={"color": color, "width": 1.5},
                marker={"size": 5, "color": color},
                opacity=0.4,
                customdata=np.arange(a, b),
                hovertemplate="k = %{customdata}<extra></extra>",
            )
        )
    # the actual step goes under the others: they start where it starts and often lie along it
    if _long_enough(tip["update"], scale):
        fig.add_trace(
            _arrow(
                p0, p0 + tip["update"], lab["update"], ARROW_COLORS["update"], width=5, size=16, opacity=0.8
            )
        )
    if _long_enough(tip["full_step"], scale):
        fig.add_trace(
            _arrow(
                p0, p0 + tip["full_step"], lab["full_step"], ARROW_COLORS["full_step"], width=2.5, dash="dash"
            )
        )
    if info.stochastic and _long_enough(tip["batch_step"], scale):
        fig.add_trace(
            _arrow(p0, p0 + tip["batch_step"], lab["batch_step"], ARROW_COLORS["batch_step"], width=2.5)
        )
    if memory is not None and _long_enough(memory, scale):
        end = p0 + tip["update"]
        fresh = tip["update"] - memory
        # The rest of the step comes from this step's gradient as the rule scales it; for classic
        # momentum that is −α·g itself, already drawn.
        if _long_enough(fresh, scale) and not np.allclose(fresh, tip["batch_step"], rtol=1e-9, atol=0):
            fig.add_trace(_arrow(p0, p0 + fresh, lab["fresh"], ARROW_COLORS["fresh"], width=2.5))
        fig.add_trace(_arrow(end - memory, end, lab["memory"], ARROW_COLORS["memory"], width=2.5))
    p1 = p0 + tip["update"]
    fig.add_trace(
        go.Scatter(
            x=[p0[0], p1[0]],
            y=[p0[1], p1[1]],
            mode="markers+text",
            text=[lab["theta_k"], lab["theta_next"]],
            textposition=["bottom left", "top right"],
            textfont={"size": 13},
            marker={
                "size": [10, 7],
                "color": [POINT_FILL, ARROW_COLORS["update"]],
                "line": {"width": 2, "color": POINT_EDGE},
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    _layout(fig, window, axis_titles, _fmt(lab["step_title"], k=info.k), height=height)
    return fig


def noise_figure(
    noise: GradientNoise,
    lr: float,
    plane: Plane,
    *,
    half_width: float | None = None,
    axis_titles=("x", "y"),
    labels: Mapping[str, str],
    height: int = 420,
) -> go.Figure:
    """The steps −α·g of ``noise``'s mini-batches, around the full-data step −α∇L, relative to θ_k.

    The panel is centred on the full-data step; ``half_width`` fixes its size (pass the same value
    for every batch size, e.g. from the per-sample spread, so the cloud is seen shrinking), by
    default it fits the cloud. The circle has the measured RMS spread α·s as radius (a distance in
    all P coordinates, so the projected cloud lies mostly inside it).
    """
    lab = need_labels(labels, LABEL_KEYS, "noise_figure")
    cloud = plane.vector(-lr * noise.samples)
    full = plane.vector(-lr * noise.full)
    radius = lr * noise.spread
    dev = cloud - full
    reach = float(np.abs(dev).max()) if dev.size else 0.0
    half = half_width if half_width is not None and half_width > 0 else max(1.15 * reach, 1.2 * radius)
    if not (half > 0 and math.isfinite(half)):
        half = 1e-6 * (1.0 + float(np.abs(full).max()))
    window = fit_aspect(((full[0] - half, full[0] + half), (full[1] - half, full[1] + half)), PANEL_ASPECT)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=cloud[:, 0],
            y=cloud[:, 1],
            mode="markers",
            name=lab["cloud"],
            marker={"size": 6, "color": ARROW_COLORS["cloud"], "opacity": 0.45},
            hoverinfo="skip",
        )
    )
    if radius > 0:
        angle = np.linspace(0, 2 * np.pi, 97)
        fig.add_trace(
            go.Scatter(
                x=full[0] + radius * np.cos(angle),
                y=full[1] + radius * np.sin(angle),
                mode="lines",
                name=lab["spread_circle"],
                line={"color": ARROW_COLORS["cloud"], "width": 1.5, "dash": "dot"},
                hoverinfo="skip",
            )
        )
    if _long_enough(full, 2 * half):
        fig.add_trace(
            _arrow((0.0, 0.0), full, lab["full_step"], ARROW_COLORS["full_step"], width=2.5, dash="dash")
        )
    fig.add_trace(
        go.Scatter(
            x=[0.0, full[0]],
            y=[0.0, full[1]],
            mode="markers+text",
            text=[lab["theta_k"], ""],
            textposition="bottom left",
            marker={
                "size": [10, 9],
                "color": [POINT_FILL, ARROW_COLORS["full_step"]],
                "line": {"width": 2, "color": POINT_EDGE},
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    titles = (_fmt(lab["noise_x"], x=axis_titles[0]), _fmt(lab["noise_y"], y=axis_titles[1]))
    _layout(fig, window, titles, _fmt(lab["noise_title"], b=noise.batch_size), height=height)
    return fig


def effective_lr_figure(
    info: StepInfo, param_names, *, labels: Mapping[str, str], height: int = 320, max_bars: int = 400
) -> go.Figure | None:
    """Bars of the per-coordinate effective step size of an adaptive rule, against α (plain GD).
    None for rules without one. Beyond ``max_bars`` coordinates only the first ones are drawn."""
    if info.effective_lr is None:
        return None
    lab = need_labels(labels, LABEL_KEYS, "effective_lr_figure")
    eff = np.asarray(info.effective_lr, dtype=float)[:max_bars]
    names = [str(n) for n in list(param_names)[: eff.size]]
    values = np.append(eff, info.lr)
    positive = values[np.isfinite(values) & (values > 0)]
    log = positive.size == values.size and positive.max() / positive.min() > 30
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=names,
            y=eff,
            name=lab["effective"],
            marker={"color": ARROW_COLORS["cloud"]},
            hovertemplate="%{x}: %{y:.4g}<extra></extra>",
        )
    )
    # α as a line across the whole panel, with a legend entry from an empty trace of the same look
    line = {"color": ARROW_COLORS["full_step"], "dash": "dash", "width": 2}
    fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=info.lr, y1=info.lr, line=line)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=lab["plain_lr"], line=line))
    fig.update_layout(
        title={"text": lab["eff_title"], "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        font=FONT,
        paper_bgcolor=PAPER,
        plot_bgcolor=INSPECTOR_BG,
        height=height,
        margin={"l": 60, "r": 10, "t": 44, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0.0, "font": {"size": 13}},
        xaxis={"showticklabels": len(names) <= 40},
        yaxis={"type": "log" if log else "linear", "exponentformat": "power", "gridcolor": INSPECTOR_GRID},
        bargap=0.35,
    )
    return fig
