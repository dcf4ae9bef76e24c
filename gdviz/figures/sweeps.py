"""Figures for sweeps (``gdviz.analysis.sweeps``): learning-rate sweep, range test, heatmap, comparison.

Each returns a ``SpecFigure`` built as a plain JSON dict (no Plotly validation, no NaN: missing
values are ``None``). Text comes from ``labels``: the page's translations of LABEL_KEYS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from gdviz.analysis.sweeps import AXES, X_AXES, Comparison, GridResult, RangeTest, SweepResult
from gdviz.figures.spec import SpecFigure, base_layout, finite_list, finite_number, need_labels
from gdviz.figures.style import (
    AXIS_LINE,
    BAD,
    BAND_ALPHA,
    BEST_CELL,
    BEST_CELL_EDGE,
    GOOD,
    GREY,
    GRID_LINE,
    HALO,
    HEAT_SCALE,
    LABEL_BG,
    PALETTE,
    SHADE,
    YES_NO_SCALE,
    rgba_text,
)

# The texts these figures read from their ``labels`` (the page passes them from gdviz.ui.i18n,
# "sweep.fig.*"): one per heatmap axis and comparison axis the core offers.
LABEL_KEYS = (
    "lr",
    "final_loss",
    "final_gap",
    "loss",
    "loss_gap",
    "steps_to",
    "never",
    "unstable",
    "diverged_at",
    "best",
    "limit",
    "raw",
    "smoothed",
    "suggested",
    "lowest",
    "steepest",
    "stable",
    "click_cell",
    "metric.final_loss",
    "metric.final_gap",
    "metric.steps",
    "metric.diverged",
    "band",
    "yes",
    "no",
    *(f"axis.{name}" for name in AXES),
    *(f"x.{name}" for name in X_AXES),
)
CELL_GRID_NAME = "cell-grid"
MAX_POINTS = 800


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _floor_of(problem_min: float | None, values: np.ndarray) -> float | None:
    """What "loss − minimum" subtracts: the known minimum, else None (plain loss) when every value is
    positive, else the lowest value (so a log axis can still show the shape)."""
    if problem_min is not None:
        return float(problem_min)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() <= 0:
        return float(finite.min())
    return None


def _positive(values: np.ndarray, floor: float | None, scale: float) -> np.ndarray:
    """Values minus the floor, kept above round-off so that a log axis can draw them."""
    v = np.asarray(values, dtype=float) - (floor or 0.0)
    tiny = max(abs(scale) * 1e-16, 1e-300)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v), np.maximum(v, tiny), np.nan)


def _log_range(values: np.ndarray, pad: float = 0.3) -> list[float]:
    finite = values[np.isfinite(values) & (values > 0)]
    if not finite.size:
        return [-1.0, 1.0]
    lo, hi = math.log10(finite.min()), math.log10(finite.max())
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    return [lo - pad, hi + pad]


def _vline(x: float, color: str, dash: str, yref: str = "paper") -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "width": 2, "dash": dash},
    }


def _base_layout(height: int) -> dict:
    return {**base_layout(height, legend_y=1.02), "margin": {"l": 70, "r": 30, "t": 50, "b": 60}}


def _axis(title: str, **kw) -> dict:
    return {
        "title": {"text": title},
        "showgrid": True,
        "gridcolor": GRID_LINE,
        "zeroline": False,
        "linecolor": AXIS_LINE,
        "showline": True,
        **kw,
    }


def _segments(mask: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs of True as (first, last) index pairs."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _edges(lrs: np.ndarray) -> np.ndarray:
    """Cell edges on a log axis: geometric midpoints, the ends extended by half a cell."""
    lg = np.log10(lrs)
    if lg.size == 1:
        return 10 ** np.array([lg[0] - 0.1, lg[0] + 0.1])
    mid = 0.5 * (lg[1:] + lg[:-1])
    return 10 ** np.concatenate([[lg[0] - (mid[0] - lg[0])], mid, [lg[-1] + (lg[-1] - mid[-1])]])


# --- learning-rate sweep ----------------------------------------------------------------------------
def sweep_figure(
    result: SweepResult,
    *,
    min_loss: float | None = None,
    limit_label: str | None = None,
    labels: Mapping[str, str],
    height: int = 620,
) -> SpecFigure:
    """Final loss against learning rate (log–log, top) and steps to threshold (bottom); the unstable
    region shaded, the stability limit (``result.limit``) as a dashed line labelled ``limit_label``,
    the best learning rate starred. ``min_loss``: the problem's known minimum (then the top panel
    shows final loss − minimum, which a log axis can resolve down to convergence)."""
    lab = need_labels(labels, LABEL_KEYS, "sweep_figure")
    lrs, final = result.lrs, result.final_loss
    floor = _floor_of(min_loss, final)
    scale = result.start_loss - (floor or 0.0)
    y = _positive(final, floor, scale)
    stable = ~result.unstable
    top = _log_range(np.concatenate([y[stable], [max(scale, 1e-300)]]))
    # Unstable runs end anywhere up to 1e12× the start: drawn on the top edge, their value in the hover.
    y_shown = np.where(stable, y, 10 ** (top[1] - 0.05))
    y_title = lab["final_gap"] if floor is not None else lab["final_loss"]
    steps_to = result.steps_to_threshold
    hover = [
        f"α = {_fmt(a)}<br>{lab['final_loss']} = {f:.4g}<br>"
        + (lab["steps_to"].format(threshold=f"{result.threshold:.3g}") + f": {s}" if s >= 0 else lab["never"])
        + (f"<br>{lab['diverged_at'].format(step=d)}" if d >= 0 else "")
        for a, f, s, d in zip(lrs, final, steps_to, result.diverged, strict=True)
    ]
    data = [
        {
            "type": "scatter",
            "x": finite_list(lrs),
            "y": finite_list(np.where(stable, y_shown, np.nan)),
            "mode": "lines+markers",
            "name": lab["stable"],
            "line": {"color": PALETTE[0], "width": 2.5},
            "marker": {"size": 6},
            "text": hover,
            "hovertemplate": "%{text}<extra></extra>",
            "connectgaps": False,
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": finite_list(lrs[~stable]),
            "y": finite_list(y_shown[~stable]),
            "mode": "markers",
            "name": lab["unstable"],
            "marker": {"symbol": "x", "size": 8, "color": BAD},
            "text": [h for h, s in zip(hover, stable, strict=True) if not s],
            "hovertemplate": "%{text}<extra></extra>",
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": finite_list(lrs[steps_to >= 0]),
            "y": finite_list(steps_to[steps_to >= 0]),
            "mode": "lines+markers",
            "name": lab["steps_to"].format(threshold=f"{result.threshold:.3g}"),
            "showlegend": False,
            "line": {"color": PALETTE[2], "width": 2},
            "marker": {"size": 5},
            "hovertemplate": f"α = %{{x:.3g}}<br>{lab['metric.steps']}: %{{y}}<extra></extra>",
            "xaxis": "x",
            "yaxis": "y2",
        },
    ]
    edges = _edges(lrs)
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": finite_number(edges[i0]),
            "x1": finite_number(edges[i1 + 1]),
            "y0": 0,
            "y1": 1,
            "fillcolor": SHADE,
            "line": {"width": 0},
            "layer": "below",
        }
        for i0, i1 in _segments(result.unstable)
    ]
    annotations = []
    if result.limit is not None and lrs[0] / 10 < result.limit < lrs[-1] * 10:
        shapes.append(_vline(finite_number(result.limit), GREY, "dash"))
        annotations.append(
            {
                "x": math.log10(result.limit),
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "text": limit_label or lab["limit"].format(lr=_fmt(result.limit)),
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "top",
                "font": {"size": 13, "color": GREY},
                "bgcolor": LABEL_BG,
            }
        )
    if result.best_index is not None:
        b = result.best_index
        best_name = lab["best"].format(lr=_fmt(lrs[b]))
        data.append(
            {
                "type": "scatter",
                "x": [finite_number(lrs[b])],
                "y": [finite_number(y_shown[b])],
                "mode": "markers",
                "name": best_name,
                "marker": {
                    "symbol": "star",
                    "size": 18,
                    "color": GOOD,
                    "line": {"color": HALO, "width": 1},
                },
                "hovertemplate": f"{best_name}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
        if steps_to[b] >= 0:
            data.append(
                {
                    "type": "scatter",
                    "x": [finite_number(lrs[b])],
                    "y": [int(steps_to[b])],
                    "mode": "markers",
                    "showlegend": False,
                    "marker": {
                        "symbol": "star",
                        "size": 16,
                        "color": GOOD,
                        "line": {"color": HALO, "width": 1},
                    },
                    "hovertemplate": f"{best_name}<extra></extra>",
                    "xaxis": "x",
                    "yaxis": "y2",
                }
            )
    xr = [math.log10(edges[0]), math.log10(edges[-1])]
    for d in data:
        if d["yaxis"] == "y2":
            d["xaxis"] = "x2"
    layout = _base_layout(height)
    layout.update(
        {
            "xaxis": _axis("", type="log", range=xr, anchor="y", exponentformat="power"),
            "yaxis": _axis(y_title, type="log", range=top, domain=[0.40, 1.0], exponentformat="power"),
            "xaxis2": _axis(
                lab["lr"], type="log", range=xr, anchor="y2", matches="x", exponentformat="power"
            ),
            "yaxis2": _axis(
                lab["metric.steps"],
                domain=[0.0, 0.28],
                rangemode="tozero",
                anchor="x2",
            ),
            "shapes": shapes,
            "annotations": annotations,
        }
    )
    return SpecFigure({"data": data, "layout": layout})


# --- range test ------------------------------------------------------------------------------------
def range_test_figure(
    rt: RangeTest,
    *,
    min_loss: float | None = None,
    limit: float | None = None,
    limit_label: str | None = None,
    labels: Mapping[str, str],
    height: int = 480,
) -> SpecFigure:
    """Loss after each step against that step's learning rate (log x), raw and smoothed, with the
    suggested learning rate, the lowest and steepest points, and the stability limit if known."""
    lab = need_labels(labels, LABEL_KEYS, "range_test_figure")
    floor = _floor_of(min_loss, rt.loss)
    scale = (float(rt.loss[0]) if rt.loss.size else 1.0) - (floor or 0.0)
    raw = _positive(rt.loss, floor, scale)
    smooth = _positive(rt.smoothed, floor, scale)
    step = max(1, rt.lrs.size // MAX_POINTS)
    data = [
        {
            "type": "scatter",
            "x": finite_list(rt.lrs[::step]),
            "y": finite_list(raw[::step]),
            "mode": "lines",
            "name": lab["raw"],
            "line": {"color": PALETTE[5], "width": 1.5},
            "opacity": 0.6,
            "hovertemplate": "α = %{x:.3g}<br>%{y:.4g}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": finite_list(rt.lrs[::step]),
            "y": finite_list(smooth[::step]),
            "mode": "lines",
            "name": lab["smoothed"],
            "line": {"color": PALETTE[0], "width": 3},
            "hovertemplate": "α = %{x:.3g}<br>%{y:.4g}<extra></extra>",
        },
    ]
    shapes, annotations = [], []

    def mark(x, color, dash, text, y_pos):
        shapes.append(_vline(finite_number(x), color, dash))
        annotations.append(
            {
                "x": math.log10(x),
                "xref": "x",
                "y": y_pos,
                "yref": "paper",
                "text": text,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 13, "color": color},
                "bgcolor": LABEL_BG,
            }
        )

    if rt.min_lr is not None:
        mark(rt.min_lr, GREY, "dot", lab["lowest"], 0.16)
    if rt.steepest_lr is not None:
        mark(rt.steepest_lr, GREY, "dot", lab["steepest"], 0.08)
    if limit is not None and rt.lr_min < limit < rt.lr_max:
        mark(limit, BAD, "dash", limit_label or lab["limit"].format(lr=_fmt(limit)), 0.92)
    if rt.suggested_lr is not None:
        mark(rt.suggested_lr, GOOD, "solid", lab["suggested"].format(lr=_fmt(rt.suggested_lr)), 1.0)
    layout = _base_layout(height)
    layout.update(
        {
            "xaxis": _axis(
                lab["lr"],
                type="log",
                range=[math.log10(rt.lr_min), math.log10(rt.lr_max)],
                exponentformat="power",
            ),
            "yaxis": _axis(
                lab["loss_gap"] if floor is not None else lab["loss"],
                type="log",
                range=_log_range(np.concatenate([raw, smooth])),
                exponentformat="power",
            ),
            "shapes": shapes,
            "annotations": annotations,
        }
    )
    return SpecFigure({"data": data, "layout": layout})


# --- heatmap -------------------------------------------------------------------------------------------
_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# Round values worth a tick on a momentum-like axis (0 … 1, dense near 1).
_NICE_01 = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


def _ticks(values: np.ndarray, name: str, most: int = 9) -> tuple[list[float], list[str]]:
    """Tick positions (in cell-index units, possibly between cells) and labels: decades on a log-spaced
    axis, round values on a 0…1 axis, the values themselves otherwise."""
    n = values.size
    idx = np.arange(n, dtype=float)
    if n >= 3 and np.all(values > 0):
        lg = np.log10(values)
        step = np.diff(lg)
        decades = np.arange(math.ceil(lg[0] - 1e-9), math.floor(lg[-1] + 1e-9) + 1)
        if np.allclose(step, step[0], rtol=1e-6) and decades.size >= 2:
            pos = np.interp(decades, lg, idx)
            return pos.tolist(), [f"10{str(int(e)).translate(_SUP)}" for e in decades]
    if n >= 3 and name in ("momentum", "beta1", "beta2", "alpha") and values[0] >= 0 and values[-1] < 1:
        nice = [v for v in _NICE_01 if values[0] - 1e-9 <= v <= values[-1] + 1e-9]
        if len(nice) >= 2:
            return np.interp(nice, values, idx).tolist(), [f"{v:g}" for v in nice]
    pick = np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int))
    return pick.astype(float).tolist(), [
        str(int(values[i])) if name == "batch_size" else _fmt(values[i]) for i in pick
    ]


def heatmap_figure(
    grid: GridResult,
    *,
    metric: str = "final_loss",
    min_loss: float | None = None,
    labels: Mapping[str, str],
    height: int = 560,
) -> SpecFigure:
    """The grid as a heatmap (x = ``grid.x_name``, y = ``grid.y_name``, cells evenly spaced, ticks at
    the values) coloured by ``metric``: ``"final_loss"`` (log₁₀; final loss − minimum where known),
    ``"steps"`` (steps to threshold; blank = never) or ``"diverged"``. Unstable cells carry a ×, the
    best cell a star. An invisible marker per cell (trace ``CELL_GRID_NAME``, customdata = [column,
    row]) makes every cell clickable through Streamlit's point selection."""
    lab = need_labels(labels, LABEL_KEYS, "heatmap_figure")
    if metric not in ("final_loss", "steps", "diverged"):
        raise ValueError(f"unknown metric {metric!r}; allowed: final_loss, steps, diverged")
    ny, nx = grid.final_loss.shape
    unstable = grid.unstable
    final = grid.final_loss
    if metric == "final_loss":
        floor = _floor_of(min_loss, final)
        gap = _positive(final, floor, grid.start_loss - (floor or 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(unstable, np.nan, np.log10(gap))
        title = lab["metric.final_gap"] if floor is not None else lab["metric.final_loss"]
        colorscale = HEAT_SCALE
    elif metric == "steps":
        z = np.where(unstable | (grid.steps_to_threshold < 0), np.nan, grid.steps_to_threshold.astype(float))
        title = lab["metric.steps"]
        colorscale = HEAT_SCALE
    else:
        z = unstable.astype(float)
        title = lab["metric.diverged"]
        colorscale = YES_NO_SCALE
    xn, yn = grid.x_name, grid.y_name
    xt, yt = lab[f"axis.{xn}"], lab[f"axis.{yn}"]
    thr = lab["steps_to"].format(threshold=f"{grid.threshold:.3g}")
    text = [
        [
            f"{xt} = {_fmt(grid.x_values[c])}<br>{yt} = {_fmt(grid.y_values[r])}<br>"
            f"{lab['final_loss']} = {final[r, c]:.4g}<br>"
            + (
                f"{thr}: {grid.steps_to_threshold[r, c]}"
                if grid.steps_to_threshold[r, c] >= 0
                else f"{thr}: {lab['never']}"
            )
            + (
                f"<br>{lab['diverged_at'].format(step=grid.diverged[r, c])}"
                if grid.diverged[r, c] >= 0
                else ""
            )
            + (f"<br>{lab['unstable']}" if unstable[r, c] else "")
            for c in range(nx)
        ]
        for r in range(ny)
    ]
    heat = {
        "type": "heatmap",
        "x": list(range(nx)),
        "y": list(range(ny)),
        "z": [[finite_number(v) for v in row] for row in z],
        "colorscale": colorscale,
        "hoverongaps": False,
        "hoverinfo": "skip",
        "colorbar": {"title": {"text": title, "side": "right"}, "thickness": 14},
    }
    if metric == "diverged":
        heat.update(
            {
                "zmin": 0,
                "zmax": 1,
                "colorbar": {
                    "tickvals": [0.25, 0.75],
                    "ticktext": [lab["no"], lab["yes"]],
                    "thickness": 14,
                    "title": {"text": title, "side": "right"},
                },
            }
        )
    elif metric == "final_loss":
        heat["reversescale"] = True
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    cell_px = min(760 / nx, (height - 160) / ny)
    cells = {
        "type": "scatter",
        "x": gx.ravel().tolist(),
        "y": gy.ravel().tolist(),
        "customdata": np.stack([gx.ravel(), gy.ravel()], axis=1).tolist(),
        "mode": "markers",
        "marker": {"symbol": "square", "size": max(6, min(40, 0.9 * cell_px)), "opacity": 0},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "name": CELL_GRID_NAME,
        "showlegend": False,
        "text": [t + f"<br><i>{lab['click_cell']}</i>" for row in text for t in row],
        "hovertemplate": "%{text}<extra></extra>",
    }
    data = [heat, cells]
    bad = np.argwhere(unstable)
    if bad.size:
        data.append(
            {
                "type": "scatter",
                "x": bad[:, 1].tolist(),
                "y": bad[:, 0].tolist(),
                "mode": "markers",
                "name": lab["unstable"],
                "marker": {
                    "symbol": "x-thin",
                    "size": max(5, min(14, 0.5 * cell_px)),
                    "line": {"color": BAD, "width": 2},
                    "color": BAD,
                },
                "hoverinfo": "skip",
            }
        )
    if grid.best is not None:
        r, c = grid.best
        cfg = grid.config(r, c)
        name = lab["best"].format(lr=_fmt(cfg["lr"])) if "lr" in cfg else "★"
        data.append(
            {
                "type": "scatter",
                "x": [c],
                "y": [r],
                "mode": "markers",
                "name": f"{name}, {yt} = {_fmt(grid.y_values[r])}" if yn != "lr" else name,
                "marker": {
                    "symbol": "star",
                    "size": 18,
                    "color": BEST_CELL,
                    "line": {"color": BEST_CELL_EDGE, "width": 1.5},
                },
                "hoverinfo": "skip",
            }
        )
    xi, xl = _ticks(grid.x_values, xn)
    yi, yl = _ticks(grid.y_values, yn)
    layout = _base_layout(height)
    layout.update(
        {
            "xaxis": _axis(
                xt, tickmode="array", tickvals=xi, ticktext=xl, range=[-0.5, nx - 0.5], showgrid=False
            ),
            "yaxis": _axis(
                yt, tickmode="array", tickvals=yi, ticktext=yl, range=[-0.5, ny - 0.5], showgrid=False
            ),
            "clickmode": "event+select",
            "dragmode": False,
        }
    )
    return SpecFigure({"data": data, "layout": layout})


# --- comparison ----------------------------------------------------------------------------------------
def comparison_figure(
    cmp: Comparison,
    *,
    min_loss: float | None = None,
    log_y: bool = True,
    x_title: str | None = None,
    labels: Mapping[str, str],
    height: int = 520,
) -> SpecFigure:
    """Mean loss of each configuration over its seeds against ``cmp.x_axis``, with the range over
    seeds (min to max) as a band. ``log_y`` plots loss − minimum (where ``min_loss`` is known) on a
    log axis."""
    lab = need_labels(labels, LABEL_KEYS, "comparison_figure")
    floor = _floor_of(min_loss, cmp.lo) if log_y else None
    scale = float(np.nanmax(cmp.hi)) if np.isfinite(cmp.hi).any() else 1.0
    step = max(1, cmp.x.size // MAX_POINTS)
    x = cmp.x[::step]
    data, everything = [], []

    def tr(a):
        return _positive(a, floor, scale) if log_y else np.asarray(a, dtype=float)

    many = cmp.seeds.size > 1
    for i, label in enumerate(cmp.labels):
        color = PALETTE[i % len(PALETTE)]
        mean, lo, hi = tr(cmp.mean[i, ::step]), tr(cmp.lo[i, ::step]), tr(cmp.hi[i, ::step])
        ok = np.isfinite(mean)
        everything += [mean[ok], lo[ok], hi[ok]]
        if many and ok.any():
            xs = x[ok]
            data.append(
                {
                    "type": "scatter",
                    "x": finite_list(np.concatenate([xs, xs[::-1]])),
                    "y": finite_list(np.concatenate([hi[ok], lo[ok][::-1]])),
                    "fill": "toself",
                    "fillcolor": rgba_text(color, BAND_ALPHA),
                    "line": {"width": 0},
                    "mode": "lines",
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "legendgroup": str(i),
                    "name": lab["band"].format(n=cmp.seeds.size),
                }
            )
        data.append(
            {
                "type": "scatter",
                "x": finite_list(x[ok]),
                "y": finite_list(mean[ok]),
                "mode": "lines",
                "name": label,
                "legendgroup": str(i),
                "line": {"color": color, "width": 2.5},
                "hovertemplate": f"{label}<br>%{{x:.4g}}: %{{y:.4g}}<extra></extra>",
            }
        )
    layout = _base_layout(height)
    allv = np.concatenate(everything) if everything else np.array([1.0])
    yaxis = _axis(lab["loss_gap"] if floor is not None else lab["loss"])
    if log_y:
        yaxis.update({"type": "log", "range": _log_range(allv, 0.1), "exponentformat": "power"})
    layout.update(
        {
            "xaxis": _axis(x_title or lab[f"x.{cmp.x_axis}"], rangemode="tozero"),
            "yaxis": yaxis,
        }
    )
    return SpecFigure({"data": data, "layout": layout})


__all__ = [
    "CELL_GRID_NAME",
    "LABEL_KEYS",
    "comparison_figure",
    "heatmap_figure",
    "range_test_figure",
    "sweep_figure",
]
