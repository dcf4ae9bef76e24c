"""Figures of the neural-network page: the decision boundary (or regression fit) over training, the
learning curves, and loss landscapes (Li et al., 2018) as contour and 3-D.

The boundary animates with Plotly frames without redraws, which only scatter traces and layout images
survive (a heatmap or contour trace would vanish on Play, see ``figures.raster``). So each frame
carries the network's output as a small PNG layout image, one pixel per grid point that the browser
smooths when it scales it up, the 0.5 level as a scatter line (marching squares), and its caption
as a text trace (frame annotations are not applied without a redraw). All figures are built as plain
JSON dicts (``SpecFigure``): they are generated from arrays, so Plotly's validation is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.figures.raster import png_data_url
from gdviz.figures.spec import (
    STEP_GROUP,
    SpecFigure,
    base_layout,
    f32,
    finite_list,
    jump_args,
    play_args,
    play_pause_menu,
    step_slider,
)
from gdviz.figures.style import (
    CLASS_COLORS,
    CLASS_TINT,
    FIT_POINT_EDGE,
    HALO,
    HOLLOW_FILL,
    INK,
    LANDSCAPE3D_LINES,
    LANDSCAPE_LINES,
    LANDSCAPE_SCALE,
    RUN_COLORS,
    STAR,
    STAR_EDGE,
    hex_rgb,
)

CLASSIFICATION = "classification"
REGRESSION = "regression"

# Colour steps per class side: 32 are below what the eye separates in a tint this light (and the
# browser smooths the image as it scales it up), and they halve a frame's PNG against full 8-bit colour.
LEVELS = 32

LABELS_EN = {
    "class": "class {k}",
    "train": "train",
    "test": "test",
    "test_points": "test points (hollow)",
    "test_points_fit": "test points (diamonds)",
    "boundary": "p = 0.5",
    "step": "step",
    "play": "▶ Play",
    "pause": "❚❚ Pause",
    "loss": "loss",
    "accuracy": "accuracy",
    "weight_norm": "weight norm ‖W‖",
    "loss_title": "Loss (solid: train, dotted: test)",
    "accuracy_title": "Accuracy (solid: train, dotted: test)",
    "weight_norm_title": "Weight norm ‖W‖",
    "x1": "x₁",
    "x2": "x₂",
    "output": "output",
    "target": "target y",
    "alpha": "α (direction 1)",
    "beta": "β (direction 2)",
    "pc1": "PC1",
    "pc2": "PC2",
    "center": "final weights",
    "start": "start",
    "path": "path",
    "log_loss": "loss (log scale)",
    "diverged": "diverged",
}


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


# --- the 0.5 level: marching squares ------------------------------------------------------------------
def level_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve ``z = level`` on the grid ``z[iy, ix]`` as polylines joined end to end, separated by
    NaN (a gap in a Plotly line): ``(xs, ys)``. Cells touching a non-finite value are skipped;
    saddle cells are resolved by the value at the cell centre."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    ny, nx = z.shape
    if nx < 2 or ny < 2:
        return np.zeros(0), np.zeros(0)
    fin = np.isfinite(z)
    above = np.where(fin, z, -np.inf) > level
    with np.errstate(invalid="ignore", divide="ignore"):
        th = (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1])  # along x, shape (ny, nx-1)
        tv = (level - z[:-1, :]) / (z[1:, :] - z[:-1, :])  # along y, shape (ny-1, nx)
    n_h = ny * (nx - 1)
    # every crossing point, indexed by its edge: horizontal edges first, then vertical ones
    px = np.concatenate([(x[:-1] + th * np.diff(x)).ravel(), np.broadcast_to(x, (ny - 1, nx)).ravel()])
    py = np.concatenate(
        [np.broadcast_to(y[:, None], (ny, nx - 1)).ravel(), (y[:-1, None] + tv * np.diff(y)[:, None]).ravel()]
    )
    ok_cell = fin[:-1, :-1] & fin[:-1, 1:] & fin[1:, :-1] & fin[1:, 1:]
    a, b = above[:-1, :-1], above[:-1, 1:]  # bottom-left, bottom-right
    c, d = above[1:, 1:], above[1:, :-1]  # top-right, top-left
    i, j = np.meshgrid(np.arange(ny - 1), np.arange(nx - 1), indexing="ij")
    e_bottom = i * (nx - 1) + j
    e_top = (i + 1) * (nx - 1) + j
    e_left = n_h + i * nx + j
    e_right = n_h + i * nx + j + 1
    edges = np.stack([e_bottom, e_right, e_top, e_left], axis=-1)
    crossed = np.stack([a != b, b != c, c != d, d != a], axis=-1) & ok_cell[..., None]
    count = crossed.sum(axis=-1)
    segs = []
    two = count == 2
    if two.any():
        sel = edges[two][crossed[two]].reshape(-1, 2)
        segs.append(sel)
    four = count == 4
    if four.any():
        zc = 0.25 * (z[:-1, :-1] + z[:-1, 1:] + z[1:, 1:] + z[1:, :-1])[four]
        ed = edges[four]
        joined = (zc > level) == a[four]  # the centre on corner a's side: a and c are connected
        first = np.where(joined[:, None], ed[:, [0, 1]], ed[:, [3, 0]])
        second = np.where(joined[:, None], ed[:, [2, 3]], ed[:, [1, 2]])
        segs += [first, second]
    if not segs:
        return np.zeros(0), np.zeros(0)
    seg = np.concatenate(segs)
    return _chain(seg, px, py)


def _chain(seg: np.ndarray, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Join segments that share a crossing point into polylines (each point written once)."""
    neighbours: dict[int, list[int]] = {}
    for k, (u, v) in enumerate(seg.tolist()):
        neighbours.setdefault(u, []).append(k)
        neighbours.setdefault(v, []).append(k)
    used = np.zeros(len(seg), dtype=bool)
    lines: list[list[int]] = []

    def walk(start_point: int, first_seg: int) -> list[int]:
        pts = [start_point]
        k, p = first_seg, start_point
        while k is not None and not used[k]:
            used[k] = True
            u, v = seg[k]
            p = int(v if u == p else u)
            pts.append(p)
            k = next((s for s in neighbours[p] if not used[s]), None)
        return pts

    # open curves start at a point with one segment (the grid border), then closed loops
    ends = [p for p, ks in neighbours.items() if len(ks) == 1]
    for p in ends:
        if not used[neighbours[p][0]]:
            lines.append(walk(p, neighbours[p][0]))
    for k in range(len(seg)):
        if not used[k]:
            lines.append(walk(int(seg[k][0]), k))
    idx = []
    for line in lines:
        idx += [*line, -1]
    idx = np.asarray(idx[:-1])
    gap = idx < 0
    xs = np.where(gap, np.nan, px[np.where(gap, 0, idx)])
    ys = np.where(gap, np.nan, py[np.where(gap, 0, idx)])
    return xs, ys


def _logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 − p)): the network's output before the sigmoid, nearly linear between grid points, so
    the p = 0.5 crossings interpolated on it are much closer to the true boundary than on p."""
    q = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    with np.errstate(invalid="ignore"):
        return np.log(q) - np.log1p(-q)


# --- shared layout pieces -----------------------------------------------------------------------------
def _axis_ids(k: int) -> tuple[str, str]:
    """Trace axis references of subplot k (0-based): ("x", "y"), ("x2", "y2") …"""
    s = "" if k == 0 else str(k + 1)
    return f"x{s}", f"y{s}"


def _layout_axis(name: str, k: int) -> str:
    return f"{name}axis" if k == 0 else f"{name}axis{k + 1}"


def _domains(n: int, gap: float = 0.08) -> list[list[float]]:
    w = (1.0 - gap * (n - 1)) / n
    return [[k * (w + gap), k * (w + gap) + w] for k in range(n)]


def _rounded(a, span: float) -> list:
    """Coordinates as a JSON list rounded to a thousandth of ``span`` (below a pixel), NaN as null."""
    dec = max(0, 3 - math.floor(math.log10(span))) if span > 0 and math.isfinite(span) else 6
    return [v if math.isfinite(v) else None for v in np.round(np.asarray(a, dtype=float), dec).tolist()]


def _title(text: str, domain: Sequence[float], y: float = 1.0) -> dict:
    return {
        "text": text,
        "x": (domain[0] + domain[1]) / 2,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 15},
    }


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
    labels: Mapping[str, str] | None = None,
    frame_ms: int = 90,
    height: int | None = None,
) -> SpecFigure:
    """The output of each run over the data (one subplot per run), animated over training.

    Frames are named by the step they show and form the group ``"steps"``; the figure opens on the
    last frame (the trained network) and Play replays training from step 0. Classification draws
    the class-1 probability as a two-colour tint with the p = 0.5 boundary; regression draws the
    prediction on the same two-sided scale as the points, which are coloured by their target.
    """
    lab = {**LABELS_EN, **(labels or {})}
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
    domains = _domains(n, gap=0.06)
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
        trace["xaxis"], trace["yaxis"] = _axis_ids(k)
        data.append(trace)
        return len(data) - 1

    for k, r in enumerate(runs):
        axes = _axis_ids(k)
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
        for split, X_, y_ in (("train", X_train, y_train), ("test", X_test, y_test)):
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
                            "hovertemplate": f"{lab['class'].format(k=cls)} ({lab[split]})<br>"
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
                        "hovertemplate": f"{lab['target']} = %{{customdata:.3g}} ({lab[split]})<br>"
                        "(%{x:.3g}, %{y:.3g})<extra></extra>",
                    },
                    k,
                )
        xa, ya = _layout_axis("x", k), _layout_axis("y", k)
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
    last = n_frames - 1
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


# --- learning curves ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CurveRun:
    """Metrics of one run at the recorded ``steps``; test arrays None without a test set, accuracies
    None for regression."""

    label: str
    color: str
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray | None
    train_acc: np.ndarray | None
    test_acc: np.ndarray | None
    weight_norm: np.ndarray


def curves_figure(
    runs: Sequence[CurveRun],
    *,
    log_loss: bool = True,
    labels: Mapping[str, str] | None = None,
    height: int = 380,
) -> SpecFigure:
    """Train (solid) and test (dotted) loss, accuracy (classification), and the weight norm."""
    lab = {**LABELS_EN, **(labels or {})}
    has_acc = any(r.train_acc is not None for r in runs)
    panels = ["loss", *(["accuracy"] if has_acc else []), "weight_norm"]
    domains = _domains(len(panels), gap=0.07)
    data: list[dict] = []

    def line(k: int, r: CurveRun, values, dotted: bool, what: str, first: bool):
        if values is None:
            return
        v = np.asarray(values, dtype=float)
        if what == "loss" and log_loss:
            v = np.where(v > 0, v, np.nan)
        xa, ya = _axis_ids(k)
        split = lab["test"] if dotted else lab["train"]
        fmt = ".1%" if what == "accuracy" else ".4g"
        data.append(
            {
                "type": "scatter",
                "x": f32(r.steps),
                "y": f32(v),
                "xaxis": xa,
                "yaxis": ya,
                "mode": "lines",
                "line": {"color": r.color, "width": 2.2, "dash": "dot" if dotted else "solid"},
                "name": r.label,
                "legendgroup": r.label,
                "showlegend": first,
                "hovertemplate": f"{lab['step']} %{{x}}<br>{lab[what]} ({split}) %{{y:{fmt}}}"
                f"<extra>{r.label}</extra>",
            }
        )

    for k, what in enumerate(panels):
        for r in runs:
            if what == "loss":
                line(k, r, r.train_loss, False, what, True)
                line(k, r, r.test_loss, True, what, False)
            elif what == "accuracy":
                line(k, r, r.train_acc, False, what, False)
                line(k, r, r.test_acc, True, what, False)
            else:
                line(k, r, r.weight_norm, False, what, False)
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 60, "r": 20, "t": 70, "b": 50}
    layout["legend"]["y"] = 1.12
    titles = {
        "loss": lab["loss_title"],
        "accuracy": lab["accuracy_title"],
        "weight_norm": lab["weight_norm_title"],
    }
    layout["annotations"] = [_title(titles[p], domains[k], 1.0) for k, p in enumerate(panels)]
    for k, what in enumerate(panels):
        xa, ya = _axis_ids(k)
        layout[_layout_axis("x", k)] = {
            "domain": domains[k],
            "anchor": ya,
            "title": {"text": lab["step"]},
            "rangemode": "tozero",
        }
        yax = {"domain": [0.0, 1.0], "anchor": xa, "exponentformat": "power"}
        if what == "loss" and log_loss:
            yax["type"] = "log"
            # Plotly labels the minor digits of a short log axis (2 … 9) in a crowd; 1-2-5 reads better.
            vals = np.concatenate(
                [_log10(v) for r in runs for v in (r.train_loss, r.test_loss) if v is not None]
            )
            vals = vals[np.isfinite(vals)]
            if vals.size:
                tv, tt = _log_ticks(float(vals.min()), float(vals.max()))
                yax.update(tickvals=[10.0**v for v in tv], ticktext=tt)
        if what == "accuracy":
            yax.update(range=[0.0, 1.02], tickformat=".0%")
        layout[_layout_axis("y", k)] = yax
    return SpecFigure({"data": data, "layout": layout})


# --- loss landscapes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LandscapePanel:
    """A loss plane around one run's final weights: ``z[i, j]`` is the loss at ``(x[j], y[i])`` in the
    plane's coordinates, the centre (0, 0) being the final weights with loss ``center_loss``. For
    the PCA plane, ``path`` ``(T, 2)`` is the projected trajectory, ``path_loss`` the loss at those
    projected points and ``explained`` the two variance ratios."""

    label: str
    color: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    center_loss: float
    path: np.ndarray | None = None
    path_loss: np.ndarray | None = None
    explained: np.ndarray | None = None


def _log10(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(v)
    return np.where(np.isfinite(out), out, np.nan)


def _shared_range(panels: Sequence[LandscapePanel]) -> tuple[float, float]:
    vals = np.concatenate([_log10(p.z).ravel() for p in panels] + [np.zeros(0)])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return -1.0, 1.0
    lo, hi = float(vals.min()), float(vals.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick positions (log10) and their loss values as text: 1-2-5 per decade, at most ~8 ticks."""
    vals, texts = [], []
    mults = (1, 2, 5) if hi - lo <= 3 else (1,)
    step = max(1, math.ceil((hi - lo) / 8))
    for e in range(math.floor(lo), math.ceil(hi) + 1, step):
        for m in mults:
            v = math.log10(m) + e
            if lo - 1e-9 <= v <= hi + 1e-9:
                vals.append(v)
                texts.append(f"{m * 10.0**e:g}")
    return vals, texts


def _loss_text(z: np.ndarray) -> list[list[str]]:
    return [[f"{v:.4g}" if math.isfinite(v) else "–" for v in row] for row in np.asarray(z, dtype=float)]


def _axis_labels(kind: str, lab) -> tuple[str, str]:
    return (lab["pc1"], lab["pc2"]) if kind == "pca" else (lab["alpha"], lab["beta"])


def _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, *, length: float) -> dict:
    """One colour axis for every landscape panel, so sharpness compares on one scale."""
    return {
        "colorscale": LANDSCAPE_SCALE,
        "cmin": lo,
        "cmax": hi,
        "colorbar": {
            "title": {"text": lab["log_loss"], "side": "right"},
            "tickvals": tickvals,
            "ticktext": ticktext,
            "len": length,
            "thickness": 14,
        },
    }


def landscape_figure(
    panels: Sequence[LandscapePanel],
    *,
    kind: str,
    labels: Mapping[str, str] | None = None,
    titles: Sequence[str] | None = None,
    height: int = 480,
) -> SpecFigure:
    """Filled contours of log₁₀ loss, one subplot per panel on one shared colour scale (so two runs'
    basins compare fairly), with the final weights marked at the centre; for ``kind="pca"`` also the
    projected path. ``titles`` (one per panel) default to the panel labels."""
    lab = {**LABELS_EN, **(labels or {})}
    lo, hi = _shared_range(panels)
    tickvals, ticktext = _log_ticks(lo, hi)
    size = (hi - lo) / 18
    ax_titles = _axis_labels(kind, lab)
    domains = _domains(max(1, len(panels)), gap=0.1)
    data: list[dict] = []
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 60, "r": 20, "t": 95, "b": 55}
    layout["legend"]["y"] = 1.2
    layout["coloraxis"] = _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, length=0.9)
    for k, p in enumerate(panels):
        xa, ya = _axis_ids(k)
        zl = _log10(p.z)
        data.append(
            {
                "type": "contour",
                "x": f32(p.x),
                "y": f32(p.y),
                "z": [finite_list(row, 5) for row in zl],
                "text": _loss_text(p.z),
                "coloraxis": "coloraxis",
                "contours": {"start": lo, "end": hi, "size": size, "coloring": "fill"},
                "line": {"width": 0.6, "color": LANDSCAPE_LINES},
                "xaxis": xa,
                "yaxis": ya,
                "hovertemplate": f"{ax_titles[0]} %{{x:.3f}}<br>{ax_titles[1]} %{{y:.3f}}<br>"
                f"{lab['loss']} %{{text}}<extra></extra>",
                "showlegend": False,
            }
        )
        if p.path is not None and len(p.path):
            path = np.asarray(p.path, dtype=float)
            for width, color in ((6, HALO), (3, p.color)):
                data.append(
                    {
                        "type": "scatter",
                        "x": f32(path[:, 0]),
                        "y": f32(path[:, 1]),
                        "xaxis": xa,
                        "yaxis": ya,
                        "mode": "lines",
                        "line": {"color": color, "width": width},
                        "name": lab["path"],
                        "showlegend": False,
                        "hoverinfo": "skip",
                    }
                )
            data.append(
                {
                    "type": "scatter",
                    "x": [float(path[0, 0])],
                    "y": [float(path[0, 1])],
                    "xaxis": xa,
                    "yaxis": ya,
                    "mode": "markers",
                    "marker": {"size": 12, "color": HALO, "line": {"color": INK, "width": 2.5}},
                    "name": lab["start"],
                    "legendgroup": "start",
                    "showlegend": k == 0,
                    "hovertemplate": f"{lab['start']}<extra>{p.label}</extra>",
                }
            )
        data.append(
            {
                "type": "scatter",
                "x": [0.0],
                "y": [0.0],
                "xaxis": xa,
                "yaxis": ya,
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 17,
                    "color": STAR,
                    "line": {"color": STAR_EDGE, "width": 1},
                },
                "name": lab["center"],
                "legendgroup": "center",
                "showlegend": k == 0,
                "customdata": [finite_list([p.center_loss])[0]],
                "hovertemplate": f"{lab['center']}<br>{lab['loss']} %{{customdata:.5g}}<extra>{p.label}</extra>",
            }
        )
        layout[_layout_axis("x", k)] = {
            "domain": domains[k],
            "anchor": ya,
            "range": [float(p.x[0]), float(p.x[-1])],
            "title": {"text": ax_titles[0]},
            "showgrid": False,
            "zeroline": False,
        }
        layout[_layout_axis("y", k)] = {
            "domain": [0.0, 1.0],
            "anchor": xa,
            "range": [float(p.y[0]), float(p.y[-1])],
            "title": {"text": ax_titles[1] if k == 0 else ""},
            "showgrid": False,
            "zeroline": False,
        }
    heads = list(titles) if titles is not None else [p.label for p in panels]
    layout["annotations"] = [_title(h, domains[k], 1.0) for k, h in enumerate(heads)]
    return SpecFigure({"data": data, "layout": layout})


def landscape3d_figure(
    panels: Sequence[LandscapePanel],
    *,
    kind: str,
    labels: Mapping[str, str] | None = None,
    titles: Sequence[str] | None = None,
    height: int = 520,
) -> SpecFigure:
    """The same planes as 3-D surfaces of log₁₀ loss (one scene per panel, shared colour and height
    scale); the PCA path lies on its surface."""
    lab = {**LABELS_EN, **(labels or {})}
    lo, hi = _shared_range(panels)
    tickvals, ticktext = _log_ticks(lo, hi)
    ax_titles = _axis_labels(kind, lab)
    domains = _domains(max(1, len(panels)), gap=0.02)
    lift = 0.01 * (hi - lo)
    data: list[dict] = []
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 0, "r": 0, "t": 50, "b": 0}
    layout["coloraxis"] = _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, length=0.8)
    for k, p in enumerate(panels):
        scene = "scene" if k == 0 else f"scene{k + 1}"
        zl = _log10(p.z)
        data.append(
            {
                "type": "surface",
                "x": f32(p.x),
                "y": f32(p.y),
                "z": [finite_list(row, 5) for row in zl],
                "text": _loss_text(p.z),
                "coloraxis": "coloraxis",
                "scene": scene,
                "contours": {
                    "z": {"show": True, "usecolormap": False, "color": LANDSCAPE3D_LINES, "width": 1}
                },
                "hovertemplate": f"{ax_titles[0]} %{{x:.3f}}<br>{ax_titles[1]} %{{y:.3f}}<br>"
                f"{lab['loss']} %{{text}}<extra></extra>",
            }
        )
        if p.path is not None and p.path_loss is not None and len(p.path):
            path = np.asarray(p.path, dtype=float)
            h = _log10(p.path_loss) + lift
            data.append(
                {
                    "type": "scatter3d",
                    "x": f32(path[:, 0]),
                    "y": f32(path[:, 1]),
                    "z": f32(h),
                    "scene": scene,
                    "mode": "lines",
                    "line": {"color": p.color, "width": 7},
                    "name": lab["path"],
                    "showlegend": False,
                    "hoverinfo": "skip",
                }
            )
        c = _log10([p.center_loss])[0]
        data.append(
            {
                "type": "scatter3d",
                "x": [0.0],
                "y": [0.0],
                "z": [float(c + lift) if math.isfinite(c) else None],
                "scene": scene,
                "mode": "markers",
                "marker": {"size": 6, "color": STAR, "line": {"color": STAR_EDGE, "width": 1}},
                "name": lab["center"],
                "showlegend": False,
                "customdata": [finite_list([p.center_loss])[0]],
                "hovertemplate": f"{lab['center']}<br>{lab['loss']} %{{customdata:.5g}}<extra>{p.label}</extra>",
            }
        )
        layout[scene] = {
            "domain": {"x": domains[k], "y": [0.0, 1.0]},
            "xaxis": {"title": {"text": ax_titles[0]}},
            "yaxis": {"title": {"text": ax_titles[1]}},
            "zaxis": {
                "title": {"text": lab["log_loss"]},
                "range": [lo, hi + 2 * lift],
                "tickvals": tickvals,
                "ticktext": ticktext,
            },
            "aspectmode": "manual",
            "aspectratio": {"x": 1.0, "y": 1.0, "z": 0.6},
            # far enough out that the axis labels stay inside the scene
            "camera": {"eye": {"x": 1.65, "y": -1.65, "z": 1.1}},
        }
    heads = list(titles) if titles is not None else [p.label for p in panels]
    layout["annotations"] = [_title(h, domains[k], 0.97) for k, h in enumerate(heads)]
    return SpecFigure({"data": data, "layout": layout})


__all__ = [
    "CLASS_COLORS",
    "RUN_COLORS",
    "BoundaryRun",
    "CurveRun",
    "LandscapePanel",
    "boundary_figure",
    "curves_figure",
    "diverging_scale",
    "grid_image",
    "landscape3d_figure",
    "landscape_figure",
    "level_lines",
    "output_color",
    "output_rgba",
    "signed_output",
]
