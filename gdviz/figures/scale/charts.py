"""The scale page's charts: the strategies' losses against steps or simulated seconds, the workers'
timeline over the first updates, and the speed-up against the number of workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.figures.race import short_log_ticks
from gdviz.figures.spec import SpecFigure, base_layout, f32, finite_list, need_labels
from gdviz.figures.style import GREY, INK, PALETTE

# one colour per strategy, fixed, so that a strategy keeps its colour whatever else is selected
STRATEGY_COLORS = {
    "sync": PALETTE[0],
    "accumulate": PALETTE[4],
    "async": PALETTE[1],
    "local": PALETTE[2],
}
KIND_COLORS = {"compute": PALETTE[0], "communicate": PALETTE[1], "idle": "#d1d5db"}

LABEL_KEYS = (
    "loss",
    "step",
    "seconds",
    "samples",
    "worker",
    "compute",
    "communicate",
    "idle",
    "workers",
    "speedup",
    "ideal",
    "batch",
    "steps_to",
    "samples_to",
    "measured",
    "fit",
    "b_noise",
    "yours",
)


@dataclass(frozen=True)
class Curve:
    strategy: str
    name: str  # the legend entry (translated by the page)
    x: np.ndarray
    loss: np.ndarray


def loss_figure(
    curves: Sequence[Curve],
    *,
    x_axis: str,
    labels: Mapping[str, str],
    reference: tuple[float, str] | None = None,
    height: int = 380,
) -> SpecFigure:
    """Loss (log y) of every strategy against ``x_axis`` "steps", "samples" or "seconds"; fixed ranges from the
    data so that Plotly never rescales on its own. ``reference`` (loss, name): a theory's level, a
    dashed line across the whole axis, inside the range."""
    lab = need_labels(labels, LABEL_KEYS, "loss_figure")
    data, lo, hi, xmax = [], np.inf, -np.inf, 0.0
    for c in curves:
        y = np.asarray(c.loss, dtype=float)
        ok = np.isfinite(y) & (y > 0)
        if ok.any():
            lo, hi = min(lo, float(y[ok].min())), max(hi, float(y[ok].max()))
            xmax = max(xmax, float(np.asarray(c.x, dtype=float)[ok].max()))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": c.name,
                "x": f32(c.x),
                "y": finite_list(np.where(ok, y, np.nan)),
                "line": {"color": STRATEGY_COLORS[c.strategy], "width": 2.5},
                "hovertemplate": "%{x:.4g}, %{y:.4g}<extra>" + c.name + "</extra>",
            }
        )
    if not np.isfinite(lo):
        lo, hi = 1e-3, 1.0
    if reference is not None and np.isfinite(reference[0]) and reference[0] > 0:
        level, text = float(reference[0]), reference[1]
        lo, hi = min(lo, level), max(hi, level)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": text,
                "x": [0.0, xmax or 1.0],
                "y": [level, level],
                "line": {"color": GREY, "width": 2, "dash": "dash"},
                "hovertemplate": "%{y:.4g}<extra>" + text + "</extra>",
            }
        )
    pad = 0.05 * max(np.log10(hi) - np.log10(lo), 0.1)
    layout = base_layout(height, legend_y=1.02)
    layout |= {
        "margin": {"l": 70, "r": 20, "t": 40, "b": 55},
        "xaxis": {
            "title": {
                "text": {"seconds": lab["seconds"], "samples": lab["samples"]}.get(x_axis, lab["step"])
            },
            "range": [0, xmax or 1.0],
            "autorange": False,
        },
        "yaxis": {
            "title": {"text": lab["loss"]},
            "type": "log",
            "range": [float(np.log10(lo) - pad), float(np.log10(hi) + pad)],
            "autorange": False,
            "exponentformat": "power",
            # under two decades Plotly labels every digit (2 3 … 9) and 40 as a bare "4"
            **(short_log_ticks([np.log10(lo) - pad, np.log10(hi) + pad]) if np.log10(hi / lo) < 2 else {}),
        },
    }
    return SpecFigure({"data": data, "layout": layout})


def timeline_figure(
    worker: np.ndarray,
    kind: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    workers: int,
    window: float,
    kinds: Sequence[str],
    labels: Mapping[str, str],
    height: int | None = None,
) -> SpecFigure:
    """Horizontal bars: one row per worker, one trace per kind of interval (compute, communicate,
    idle), in simulated seconds from 0 to ``window``."""
    lab = need_labels(labels, LABEL_KEYS, "timeline_figure")
    names = {"compute": lab["compute"], "communicate": lab["communicate"], "idle": lab["idle"]}
    data = []
    for i, name in enumerate(kinds):
        keep = np.asarray(kind) == i
        w = np.asarray(worker)[keep]
        s, e = np.asarray(start, dtype=float)[keep], np.asarray(end, dtype=float)[keep]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": names[name],
                "y": (w + 1).astype(np.int32),
                "x": f32(e - s),
                "base": f32(s),
                "marker": {"color": KIND_COLORS[name], "line": {"width": 0}},
                "hovertemplate": "%{base:.3g} – %{x:.3g}<extra>" + names[name] + "</extra>",
            }
        )
    layout = base_layout(height or max(200, 90 + 26 * workers), legend_y=1.02)
    layout |= {
        "barmode": "overlay",
        "bargap": 0.25,
        "margin": {"l": 70, "r": 20, "t": 40, "b": 55},
        "xaxis": {"title": {"text": lab["seconds"]}, "range": [0, window], "autorange": False},
        "yaxis": {
            "title": {"text": lab["worker"]},
            "range": [workers + 0.5, 0.5],
            "autorange": False,
            "dtick": 1 if workers <= 16 else 4,
        },
    }
    return SpecFigure({"data": data, "layout": layout})


def speedup_figure(
    workers: Sequence[int],
    series: Sequence[tuple[str, str, np.ndarray]],
    *,
    labels: Mapping[str, str],
    height: int = 380,
) -> SpecFigure:
    """Speed-up (time with the fewest workers / time) against workers, log-log, per strategy
    (``(strategy, name, speedup)``; 0 or inf: never reached, left as a gap), and the ideal line."""
    lab = need_labels(labels, LABEL_KEYS, "speedup_figure")
    ks = np.asarray(workers, dtype=float)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": lab["ideal"],
            "x": f32(ks),
            "y": f32(ks / ks[0]),
            "line": {"color": GREY, "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    ]
    lo = 1.0
    for strategy, name, s in series:
        s = np.asarray(s, dtype=float)
        ok = np.isfinite(s) & (s > 0)
        if ok.any():
            lo = min(lo, float(s[ok].min()))
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": f32(ks),
                "y": finite_list(np.where(ok, s, np.nan)),
                "line": {"color": STRATEGY_COLORS[strategy], "width": 2.5},
                "marker": {"size": 8},
                "hovertemplate": "K=%{x}, ×%{y:.3g}<extra>" + name + "</extra>",
            }
        )
    hi = float(ks[-1] / ks[0])
    layout = base_layout(height, legend_y=1.02)
    layout |= {
        "margin": {"l": 70, "r": 20, "t": 40, "b": 55},
        "xaxis": {
            "title": {"text": lab["workers"]},
            "type": "log",
            "range": [float(np.log10(ks[0])) - 0.05, float(np.log10(ks[-1])) + 0.05],
            "autorange": False,
            "tickvals": [int(k) for k in ks],
        },
        "yaxis": {
            "title": {"text": lab["speedup"]},
            "type": "log",
            "range": [float(np.log10(lo)) - 0.2, float(np.log10(hi)) + 0.2],
            "autorange": False,
            "zeroline": False,
            "linecolor": INK,
        },
    }
    return SpecFigure({"data": data, "layout": layout})


def _log_range(values, pad: float = 0.15) -> list[float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return [0.0, 1.0]
    return [float(np.log10(v.min())) - pad, float(np.log10(v.max())) + pad]


def critical_figure(
    batch_sizes: Sequence[int],
    steps: np.ndarray,
    *,
    s_min: float | None,
    b_noise: float | None,
    yours: int | None,
    labels: Mapping[str, str],
    height: int = 360,
) -> SpecFigure:
    """Two log-log panels against the batch size B: the steps S(B) and the samples E(B) = B·S(B) to
    one target, measured (markers; a batch that never got there is left out) and fitted
    (S_min(1 + B_noise/B), E_min(1 + B/B_noise)), with the fitted critical batch B_noise and the
    page's global batch (``yours``) as vertical lines on both."""
    lab = need_labels(labels, LABEL_KEYS, "critical_figure")
    B = np.asarray(batch_sizes, dtype=float)
    S = np.asarray(steps, dtype=float)
    ok = np.isfinite(S) & (S > 0)
    E = B * S
    fine = np.geomspace(B[0], B[-1], 60)
    data, ys, es = [], [S[ok]], [E[ok]]
    for axis, y, name in (("", S, lab["steps_to"]), ("2", E, lab["samples_to"])):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": lab["measured"],
                "legendgroup": "measured",
                "showlegend": axis == "",
                "x": f32(B[ok]),
                "y": f32(y[ok]),
                "xaxis": "x" + axis,
                "yaxis": "y" + axis,
                "marker": {"size": 9, "color": PALETTE[0]},
                "hovertemplate": "B=%{x}: %{y:.4g} " + name + "<extra></extra>",
            }
        )
    if s_min is not None and b_noise is not None:
        fs = s_min * (1 + b_noise / fine)
        fe = s_min * b_noise * (1 + fine / b_noise)
        ys.append(fs)
        es.append(fe)
        for axis, y in (("", fs), ("2", fe)):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": lab["fit"],
                    "legendgroup": "fit",
                    "showlegend": axis == "",
                    "x": f32(fine),
                    "y": f32(y),
                    "xaxis": "x" + axis,
                    "yaxis": "y" + axis,
                    "line": {"color": GREY, "width": 2, "dash": "dash"},
                    "hoverinfo": "skip",
                }
            )
    shapes, notes = [], []
    lines = []
    if b_noise is not None and B[0] <= b_noise <= B[-1]:
        lines.append((b_noise, PALETTE[1], "solid", f"{lab['b_noise']} ≈ {b_noise:.3g}", 1.0))
    if yours is not None and B[0] <= yours <= B[-1]:
        lines.append((float(yours), PALETTE[2], "dot", f"{lab['yours']} = {yours}", 0.88))
    mid = (np.log10(B[0]) + np.log10(B[-1])) / 2
    for x, color, dash, text, y in lines:
        for axis in ("", "2"):
            shapes.append(
                {
                    "type": "line",
                    "xref": "x" + axis,
                    "yref": "paper",
                    "x0": x,
                    "x1": x,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": color, "width": 2, "dash": dash},
                }
            )
            notes.append(
                {
                    "xref": "x" + axis,
                    "yref": "paper",
                    "x": float(np.log10(x)),
                    "y": y,
                    "text": text,
                    "showarrow": False,
                    # on the side with room: a line near the right edge is named to its left
                    "xanchor": "left" if np.log10(x) <= mid else "right",
                    "yanchor": "top",
                    "font": {"color": color},
                    "bgcolor": "rgba(255,255,255,0.8)",
                }
            )
    xr = [float(np.log10(B[0])) - 0.1, float(np.log10(B[-1])) + 0.1]
    layout = base_layout(height, legend_y=1.04)
    layout |= {
        "margin": {"l": 70, "r": 20, "t": 40, "b": 55},
        "shapes": shapes,
        "annotations": notes,
    }
    for axis, domain, values, title in (
        ("", [0.0, 0.42], ys, lab["steps_to"]),
        ("2", [0.58, 1.0], es, lab["samples_to"]),
    ):
        yr = _log_range(np.concatenate(values))
        layout["xaxis" + axis] = {
            "title": {"text": lab["batch"]},
            "type": "log",
            "domain": domain,
            "range": xr,
            "autorange": False,
            "anchor": "y" + axis,
            # the measured batch sizes themselves: Plotly's minor labels read 20 as a bare "2"
            "tickvals": [float(b) for b in B[:: 2 if len(B) > 6 else 1]],
            "ticktext": [f"{int(b)}" for b in B[:: 2 if len(B) > 6 else 1]],
        }
        layout["yaxis" + axis] = {
            "title": {"text": title},
            "type": "log",
            "range": yr,
            "autorange": False,
            "anchor": "x" + axis,
            "zeroline": False,
            "linecolor": INK,
            "exponentformat": "power",
            **(short_log_ticks(yr) if yr[1] - yr[0] < 2 else {"dtick": 1}),
        }
    return SpecFigure({"data": data, "layout": layout})


__all__ = [
    "KIND_COLORS",
    "LABEL_KEYS",
    "STRATEGY_COLORS",
    "Curve",
    "critical_figure",
    "loss_figure",
    "speedup_figure",
    "timeline_figure",
]
