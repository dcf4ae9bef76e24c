"""How the final loss depends on the learning rate: the sweep (one run per learning rate, the unstable
region shaded, the stability limit and the best value marked) and Smith's range test (one run with a
growing learning rate)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from gdviz.analysis.sweeps import RangeTest, SweepResult
from gdviz.figures.spec import SpecFigure, finite_list, finite_number, need_labels
from gdviz.figures.style import BAD, GOOD, GREY, HALO, LABEL_BG, PALETTE, SHADE
from gdviz.figures.sweeps.common import (
    MAX_POINTS,
    above_floor,
    axis,
    floor_of,
    fmt3,
    log_range,
    sweep_layout,
    vline,
)

# The texts these figures read from their ``labels`` (the page passes them from gdviz.ui.i18n,
# "sweep.fig.*").
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
    "metric.steps",
)


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
    floor = floor_of(min_loss, final)
    scale = result.start_loss - (floor or 0.0)
    y = above_floor(final, floor, scale)
    stable = ~result.unstable
    top = log_range(np.concatenate([y[stable], [max(scale, 1e-300)]]))
    # Unstable runs end anywhere up to 1e12× the start: drawn on the top edge, their value in the hover.
    y_shown = np.where(stable, y, 10 ** (top[1] - 0.05))
    y_title = lab["final_gap"] if floor is not None else lab["final_loss"]
    steps_to = result.steps_to_threshold
    hover = [
        f"α = {fmt3(a)}<br>{lab['final_loss']} = {f:.4g}<br>"
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
        shapes.append(vline(finite_number(result.limit), GREY, "dash"))
        annotations.append(
            {
                "x": math.log10(result.limit),
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "text": limit_label or lab["limit"].format(lr=fmt3(result.limit)),
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "top",
                "font": {"size": 13, "color": GREY},
                "bgcolor": LABEL_BG,
            }
        )
    if result.best_index is not None:
        b = result.best_index
        best_name = lab["best"].format(lr=fmt3(lrs[b]))
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
    layout = sweep_layout(height)
    layout.update(
        {
            "xaxis": axis("", type="log", range=xr, anchor="y", exponentformat="power"),
            "yaxis": axis(y_title, type="log", range=top, domain=[0.40, 1.0], exponentformat="power"),
            "xaxis2": axis(lab["lr"], type="log", range=xr, anchor="y2", matches="x", exponentformat="power"),
            "yaxis2": axis(
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
    floor = floor_of(min_loss, rt.loss)
    scale = (float(rt.loss[0]) if rt.loss.size else 1.0) - (floor or 0.0)
    raw = above_floor(rt.loss, floor, scale)
    smooth = above_floor(rt.smoothed, floor, scale)
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
        shapes.append(vline(finite_number(x), color, dash))
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
        mark(limit, BAD, "dash", limit_label or lab["limit"].format(lr=fmt3(limit)), 0.92)
    if rt.suggested_lr is not None:
        mark(rt.suggested_lr, GOOD, "solid", lab["suggested"].format(lr=fmt3(rt.suggested_lr)), 1.0)
    layout = sweep_layout(height)
    layout.update(
        {
            "xaxis": axis(
                lab["lr"],
                type="log",
                range=[math.log10(rt.lr_min), math.log10(rt.lr_max)],
                exponentformat="power",
            ),
            "yaxis": axis(
                lab["loss_gap"] if floor is not None else lab["loss"],
                type="log",
                range=log_range(np.concatenate([raw, smooth])),
                exponentformat="power",
            ),
            "shapes": shapes,
            "annotations": annotations,
        }
    )
    return SpecFigure({"data": data, "layout": layout})
